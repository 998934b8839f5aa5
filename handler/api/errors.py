"""Every failure leaves as {"error": {"code", "message"}} with its status; nothing internal leaks.

The errors themselves, with their status and code, are handler.errors; this module writes them: one
body (`error_body`), as a Powertools response for the routes and as a raw proxy response for what
the entry point turns away before routing. It also maps the few failures Powertools raises itself
(validation, media type, unknown route) and documents every failure in /openapi.json.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any, Literal

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from pydantic import BaseModel, Field

from handler import language, messages
from handler.api import paths
from handler.errors import InvalidRequest, NotFound, ServiceError, UnsupportedMediaType

logger = Logger(child=True)


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable reason for programs, e.g. `validation_error`, `not_found`.")
    message: str = Field(
        description="What went wrong, for people: in Korean or English, the first of `Accept-Language`'s languages"
        " the API speaks (`ko`, `en`), else the language of the request body's words; `code` is the same in both."
    )
    details: list[dict[str, str]] | None = Field(
        default=None, description="For 422 and 400: each failing `field` with its `message`."
    )
    limit: Literal["model_calls", "pictures", "tokens", "rate", "photos", "photo_bytes"] | None = Field(
        default=None,
        description="For 429: the limit reached, the day's `model_calls`, `pictures` or `tokens` (`quota_exceeded`), "
        "or the short-window `rate` of the routes that call a model (`rate_limited`), or the day's `photos` or "
        "`photo_bytes` (POST /records/{id}/photos, `quota_exceeded`).",
    )


class ErrorBody(BaseModel):
    """What every failure answers, whatever its status."""

    error: ErrorDetail


# Statuses a route may answer besides its success; 401 and 410 come from the entry point's identity check, 413
# and 415 from the entry point, before routing. The descriptions are what /openapi.json shows.
_FAILURES = {
    400: "The body is not JSON, or a query or path parameter is invalid.",
    401: "No verified identity (the API Gateway authorizer's `sub`).",
    404: "No such item for this caller, or no route takes that path (a path parameter with characters no "
    "route accepts).",
    409: "A request with this Idempotency-Key is still running (`request_in_progress`; retry after "
    "Retry-After), or, for POST /diaries, the user edited that diary (`diary_edited`).",
    410: "A retry (its Idempotency-Key) of a request whose result the user has deleted since (`deleted`; "
    "nothing is stored again, a new key stores it anew); or the caller's erasure (DELETE /me) was asked "
    "for (`account_erasing`) or is done (`account_erased`): every request of theirs but DELETE /me is "
    "refused, even with a token that has not expired yet.",
    413: "The body is over the size limit.",
    415: "The body is not application/json.",
    429: "Past one of the caller's limits: a day's model calls, pictures, tokens, photos or photo bytes"
    " (`quota_exceeded`), or too "
    "many requests that call a model in a short window (`rate_limited`); `error.limit` names it. Decided before "
    "any model call; retry after Retry-After seconds.",
    422: "The body failed validation, an Idempotency-Key was reused with another body, or the request "
    "cannot be carried out (see `error.code`).",
    503: "A dependency (database, model, storage, queue) is unavailable; retry after Retry-After.",
    504: "The request ran out of time; retry later.",
}
WRITE_FAILURES = (400, 401, 409, 410, 413, 415, 422, 503, 504)
# The routes that call a text or image model, limited per user (handler.api.limits).
LIMITED_FAILURES = (*WRITE_FAILURES, 429)
READ_FAILURES = (400, 401, 410, 413, 503, 504)


def documented(
    status: int, description: str, *failures: int, links: dict[str, Any] | None = None
) -> dict[int, OpenAPIResponse]:
    """A route's OpenAPI responses: its success (schema from the return annotation) and the
    failures it can answer, each with ErrorBody instead of Powertools' default 422 body. `links`:
    the operations the success leads to (OpenAPI links; clients and schemathesis follow them)."""
    error: OpenAPIResponse = {"description": "", "content": {"application/json": {"model": ErrorBody}}}
    success: OpenAPIResponse = (
        {"description": description, "content": {}} if status == 204 else {"description": description}
    )
    if links:
        success["links"] = links
    return {
        status: success,
        **{code: {**error, "description": _FAILURES[code]} for code in sorted(failures)},
    }


def links_to(path: str, methods: tuple[str, ...], parameter: str, value: str) -> dict[str, Any]:
    """OpenAPI links from a success to the operations of `path` (as /openapi.json spells it),
    their `parameter` taken from the answer's body (`value`: a JSON pointer such as "/id")."""
    ref = "#/paths/" + path.replace("~", "~0").replace("/", "~1")
    return {
        f"{method.lower()}_{parameter}": {
            "operationRef": f"{ref}/{method.lower()}",
            "parameters": {parameter: f"$response.body#{value}"},
        }
        for method in methods
    }


def another_success(description: str, model: type[BaseModel], links: dict[str, Any] | None = None) -> OpenAPIResponse:
    """A second success status of a route (its first comes from the return annotation)."""
    response: OpenAPIResponse = {"description": description, "content": {"application/json": {"model": model}}}
    if links:
        response["links"] = links
    return response


def error_body(code: str, message: str, **extra: Any) -> str:
    return json.dumps({"error": {"code": code, "message": message, **extra}}, ensure_ascii=False, separators=(",", ":"))


def _headers(exc: ServiceError) -> dict[str, str]:
    return {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s is not None else {}


def proxy_response(exc: ServiceError, in_language: language.Language = "en") -> dict[str, Any]:
    """The error as a proxy response both API shapes accept, for a request turned away before routing."""
    _log(exc)
    return {
        "statusCode": exc.status,
        "headers": {"Content-Type": "application/json", **_headers(exc)},
        "body": error_body(
            exc.code, messages.error_message(exc.code, exc.client_message, in_language), **exc.body_fields()
        ),
        "isBase64Encoded": False,
    }


def error_response(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    in_language: language.Language = "en",
    **extra,
) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=error_body(code, messages.error_message(code, message, in_language), **extra),
        headers=headers,
    )


def service_error_response(exc: ServiceError, in_language: language.Language = "en") -> Response:
    _log(exc)
    return error_response(
        exc.status, exc.code, exc.client_message, _headers(exc), in_language=in_language, **exc.body_fields()
    )


# The start of a body tells its words' language; a body turned away for its size is not read whole.
_LANGUAGE_SAMPLE_CHARS = 4096


def request_language(request: BaseProxyEvent) -> language.Language:
    """The language to answer a request in: Accept-Language, else the words at the start of its body
    (also for a body that is not JSON, or not valid base64 or UTF-8 past its start)."""
    sample = (request.body or "")[:_LANGUAGE_SAMPLE_CHARS]
    if request.is_base64_encoded:
        try:
            # Whole base64 quanta only; a character cut at the sample's end is dropped.
            sample = base64.b64decode(sample[: len(sample) // 4 * 4]).decode("utf-8", "ignore")
        except ValueError:  # binascii.Error
            sample = ""
    return language.of_request(request.headers.get("accept-language"), sample)


def _request_language(app: ApiGatewayResolver) -> language.Language:
    """The language of the routed request being answered."""
    return request_language(app.current_event)


def _log(exc: ServiceError) -> None:
    if exc.log_level is not None:
        cause = exc.__cause__
        log = {logging.INFO: logger.info, logging.WARNING: logger.warning}.get(exc.log_level, logger.error)
        log(
            exc.code.replace("_", " "),  # "database unavailable", "model unavailable", ...
            extra={"code": exc.code, "reason": str(exc), "cause": type(cause).__name__ if cause else None},
        )


# Field names in `details` echo the client's keys; keep them short and valid UTF-8.
MAX_DETAIL_CHARS = 200


def _printable(text: str) -> str:
    """`text` cut to MAX_DETAIL_CHARS, with what UTF-8 cannot carry (lone surrogates) replaced."""
    return text[:MAX_DETAIL_CHARS].encode("utf-8", "replace").decode("utf-8")


def _validation_response(exc: RequestValidationError, in_language: language.Language = "en") -> Response:
    """Bad JSON or a bad query/path field is a 400; valid JSON failing the body schema is a 422."""
    errors = exc.errors()
    kinds = {err.get("type") for err in errors}
    if "json_invalid" in kinds:
        return service_error_response(InvalidRequest("the body is not valid JSON", code="invalid_json"), in_language)
    if any(err.get("loc", ("",))[0] == "response" for err in errors):
        # Powertools reports a route's own response failing its model as a RequestValidationError;
        # that is this service's bug, not the client's.
        problems = [{"loc": err.get("loc"), "type": err.get("type")} for err in errors]
        logger.error("response failed its model", extra={"errors": problems})
        return service_error_response(ServiceError())
    details = [
        {
            "field": _printable(".".join(str(part) for part in err.get("loc", ()))),
            "message": _printable(str(err.get("msg", "invalid"))),
        }
        for err in errors
    ]
    in_body = all(err.get("loc", ("body",))[0] == "body" for err in errors)
    if in_body:
        return error_response(
            422, "validation_error", "the body failed validation", in_language=in_language, details=details
        )
    return error_response(
        400, "invalid_parameter", "a query or path parameter is invalid", in_language=in_language, details=details
    )


def _allowed_methods(app: ApiGatewayResolver, path: str) -> list[str]:
    # Powertools answers an unknown method with 404; its route table tells us when it is a 405.
    return sorted({route.method for route in paths.routes(app) if route.rule.match(path)})


def register(app: ApiGatewayResolver, base_path: str | None) -> None:
    # The one point where an error becomes a response for a routed request: its message is given
    # in the request's language (handler.messages), its code unchanged.
    @app.exception_handler(ServiceError)
    def _service_error(exc: ServiceError) -> Response:
        return service_error_response(exc, _request_language(app))

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response:
        return _validation_response(exc, _request_language(app))

    @app.exception_handler(RequestUnsupportedContentType)
    def _media_type(_: RequestUnsupportedContentType) -> Response:
        return service_error_response(UnsupportedMediaType("send the body as application/json"), _request_language(app))

    @app.not_found
    def _not_found(_: NotFoundError) -> Response:
        allowed = _allowed_methods(app, paths.routed(app.current_event.path, base_path))
        if allowed:
            return error_response(
                405,
                "method_not_allowed",
                "this path does not take that method",
                {"Allow": ", ".join(allowed)},
                in_language=_request_language(app),
            )
        return service_error_response(NotFound("no such route"), _request_language(app))

    @app.exception_handler(Exception)
    def _bug(exc: Exception) -> Response:
        logger.exception("unhandled error")
        return service_error_response(ServiceError(), _request_language(app))
