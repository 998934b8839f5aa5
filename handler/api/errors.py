"""Every failure leaves as {"error": {"code", "message"}} with its status; nothing internal leaks."""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, Field

from handler.agents.model_errors import ImageRefused, ModelUnavailable
from handler.aws import AwsUnavailable
from handler.dal.connection import DatabaseTimeout, DatabaseUnavailable
from handler.deadline import DeadlineExceeded
from handler.logic.errors import NotConfigured, NotFound, Unprocessable

logger = Logger(child=True)

RETRY_AFTER_S = 5


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable reason for programs, e.g. `validation_error`, `not_found`.")
    message: str = Field(description="What went wrong, for people.")
    details: list[dict[str, str]] | None = Field(
        default=None, description="For 422 and 400: each failing `field` with its `message`."
    )


class ErrorBody(BaseModel):
    """What every failure answers, whatever its status."""

    error: ErrorDetail


# Statuses a route may answer besides its success; 401, 413 and 415 come from the entry point,
# before routing. The descriptions are what /openapi.json shows.
_FAILURES = {
    400: "The body is not JSON, or a query or path parameter is invalid.",
    401: "No verified identity (the API Gateway authorizer's `sub`).",
    404: "No such item for this caller.",
    409: "A request with this Idempotency-Key is still running; retry after Retry-After.",
    413: "The body is over the size limit.",
    415: "The body is not application/json.",
    422: "The body failed validation, an Idempotency-Key was reused with another body, or the request "
    "cannot be carried out (see `error.code`).",
    503: "A dependency (database, model, storage, queue) is unavailable; retry after Retry-After.",
    504: "The request ran out of time; retry later.",
}
WRITE_FAILURES = (400, 401, 409, 413, 415, 422, 503, 504)
READ_FAILURES = (400, 401, 413, 503, 504)


def documented(status: int, description: str, *failures: int) -> dict[int, OpenAPIResponse]:
    """A route's OpenAPI responses: its success (schema from the return annotation) and the
    failures it can answer, each with ErrorBody instead of Powertools' default 422 body."""
    error: OpenAPIResponse = {"description": "", "content": {"application/json": {"model": ErrorBody}}}
    success: OpenAPIResponse = (
        {"description": description, "content": {}} if status == 204 else {"description": description}
    )
    return {
        status: success,
        **{code: {**error, "description": _FAILURES[code]} for code in sorted(failures)},
    }


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra) -> Response:
    body = {"error": {"code": code, "message": message, **extra}}
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        headers=headers,
    )


# Field names in `details` echo the client's keys; keep them short and valid UTF-8.
MAX_DETAIL_CHARS = 200


def _printable(text: str) -> str:
    """`text` cut to MAX_DETAIL_CHARS, with what UTF-8 cannot carry (lone surrogates) replaced."""
    return text[:MAX_DETAIL_CHARS].encode("utf-8", "replace").decode("utf-8")


def _validation_response(exc: RequestValidationError) -> Response:
    """Bad JSON or a bad query/path field is a 400; valid JSON failing the body schema is a 422."""
    errors = exc.errors()
    kinds = {err.get("type") for err in errors}
    if "json_invalid" in kinds:
        return error_response(400, "invalid_json", "the body is not valid JSON")
    if any(err.get("loc", ("",))[0] == "response" for err in errors):
        # Powertools reports a route's own response failing its model as a RequestValidationError;
        # that is this service's bug, not the client's.
        problems = [{"loc": err.get("loc"), "type": err.get("type")} for err in errors]
        logger.error("response failed its model", extra={"errors": problems})
        return error_response(500, "internal_error", "an unexpected error occurred")
    details = [
        {
            "field": _printable(".".join(str(part) for part in err.get("loc", ()))),
            "message": _printable(str(err.get("msg", "invalid"))),
        }
        for err in errors
    ]
    in_body = all(err.get("loc", ("body",))[0] == "body" for err in errors)
    if in_body:
        return error_response(422, "validation_error", "the body failed validation", details=details)
    return error_response(400, "invalid_parameter", "a query or path parameter is invalid", details=details)


def _allowed_methods(app: ApiGatewayResolver, path: str) -> list[str]:
    # Powertools answers an unknown method with 404; its route table tells us when it is a 405.
    routes = app._static_routes + app._dynamic_routes  # noqa: SLF001 - no public accessor exists
    return sorted({route.method for route in routes if route.rule.match(path)})


def register(app: ApiGatewayResolver) -> None:
    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response:
        return _validation_response(exc)

    @app.exception_handler(RequestUnsupportedContentType)
    def _media_type(_: RequestUnsupportedContentType) -> Response:
        return error_response(415, "unsupported_media_type", "send the body as application/json")

    @app.not_found
    def _not_found(_: NotFoundError) -> Response:
        allowed = _allowed_methods(app, app.current_event.path)
        if allowed:
            return error_response(
                405, "method_not_allowed", "this path does not take that method", {"Allow": ", ".join(allowed)}
            )
        return error_response(404, "not_found", "no such route")

    @app.exception_handler(NotFound)
    def _missing(exc: NotFound) -> Response:
        return error_response(404, "not_found", str(exc))

    @app.exception_handler(Unprocessable)
    def _unprocessable(exc: Unprocessable) -> Response:
        return error_response(422, exc.code, str(exc))

    @app.exception_handler(ImageRefused)
    def _image_refused(exc: ImageRefused) -> Response:
        logger.info("image refused by the model's filters", extra={"reason": str(exc)})
        return error_response(
            422, "image_refused", "the image model's content filters refused this picture; change the diary or text"
        )

    @app.exception_handler(ModelUnavailable)
    def _model_down(exc: ModelUnavailable) -> Response:
        logger.warning("model unavailable", extra={"reason": str(exc), "cause": type(exc.__cause__).__name__})
        return error_response(
            503, "model_unavailable", "the model is unavailable; retry later", {"Retry-After": str(exc.retry_after_s)}
        )

    @app.exception_handler(DatabaseUnavailable)
    def _db_down(exc: DatabaseUnavailable) -> Response:
        logger.warning("database unavailable", extra={"reason": str(exc)})
        return error_response(
            503, "database_unavailable", "the database is unavailable; retry later", {"Retry-After": str(RETRY_AFTER_S)}
        )

    @app.exception_handler(AwsUnavailable)
    def _aws_down(exc: AwsUnavailable) -> Response:
        logger.warning("aws service unavailable", extra={"reason": str(exc), "cause": type(exc.__cause__).__name__})
        return error_response(503, "service_unavailable", f"{exc}; retry later", {"Retry-After": str(RETRY_AFTER_S)})

    @app.exception_handler(NotConfigured)
    def _not_configured(exc: NotConfigured) -> Response:
        logger.error("capability not configured", extra={"reason": str(exc)})
        return error_response(503, "not_configured", "this capability is not configured in this deployment")

    @app.exception_handler([DeadlineExceeded, DatabaseTimeout])
    def _too_slow(exc: Exception) -> Response:
        logger.warning("request ran out of time", extra={"reason": str(exc)})
        return error_response(504, "timeout", "the request took too long; retry later")

    @app.exception_handler(Exception)
    def _bug(exc: Exception) -> Response:
        logger.exception("unhandled error")
        return error_response(500, "internal_error", "an unexpected error occurred")
