"""`Idempotency-Key` on POST routes: a retried request gets the first response and stores nothing twice.

Powertools' idempotency utility does the bookkeeping, with records in PostgreSQL
(handler.dal.idempotency). The key is scoped to the caller and the route; the same key with a
different body is refused (422), and a duplicate arriving while the first is still running gets
409 with Retry-After. A POST without the header runs as usual.

Powertools' idempotency package imports boto3 for its DynamoDB layer, so it is loaded on the first
request that carries the header rather than on every cold start.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.encoders import jsonable_encoder
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from handler.api.identity import caller_id
from handler.errors import DatabaseUnavailable, InProgress, InvalidRequest, Unprocessable

HEADER = "idempotency-key"
_VALID_KEY = re.compile(r"[A-Za-z0-9_\-:.]{1,128}")
KEY_LIFETIME_S = 24 * 3600

_lambda_context: LambdaContext | None = None
_key: str | None = None


def start_request(context: LambdaContext, headers: dict[str, str]) -> None:
    """Set by the entry point for each HTTP request: its context (an in-progress key expires with
    the Lambda's remaining time) and its Idempotency-Key, if any."""
    global _lambda_context, _key
    _lambda_context, _key = context, headers.get(HEADER)


@functools.cache
def _remembering() -> tuple:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

    from handler.dal.idempotency import PostgresPersistenceLayer

    config = IdempotencyConfig(
        event_key_jmespath="[user, route, key]",
        payload_validation_jmespath="body",
        expires_after_seconds=KEY_LIFETIME_S,
    )

    @idempotent_function(data_keyword_argument="request", config=config, persistence_store=PostgresPersistenceLayer())
    def first_response(request: dict, run: Callable[[], Response | BaseModel]) -> dict:
        result = run()
        if isinstance(result, Response):
            return {"status": result.status_code, "body": jsonable_encoder(result.body)}
        return {"status": 200, "body": jsonable_encoder(result)}

    return config, first_response


def _run_once(request: dict, run: Callable[[], Response | BaseModel]) -> dict:
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    config, first_response = _remembering()
    config.register_lambda_context(_lambda_context)
    try:
        return first_response(request=request, run=run)
    except IdempotencyValidationError:
        raise Unprocessable(
            "this Idempotency-Key was used with a different body", code="idempotency_key_reused"
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise InProgress("a request with this Idempotency-Key is still running") from None
    except IdempotencyPersistenceLayerError as exc:
        raise DatabaseUnavailable("the idempotency store failed") from exc


def idempotent(route: str):
    """Make a POST route honour `Idempotency-Key`; put it under the router's decorator."""

    def decorate(view: Callable[..., Response | BaseModel]) -> Callable[..., Response | BaseModel]:
        @functools.wraps(view)
        def wrapper(**kwargs) -> Response | BaseModel:
            key = _key
            if key is None:
                return view(**kwargs)
            if not _VALID_KEY.fullmatch(key):
                raise InvalidRequest(
                    "Idempotency-Key must be 1-128 of A-Z a-z 0-9 _ - : .", code="invalid_idempotency_key"
                )
            body = next(v for v in kwargs.values() if isinstance(v, BaseModel))
            request = {"user": caller_id(), "route": route, "key": key, "body": body.model_dump(mode="json")}
            stored = _run_once(request, run=lambda: view(**kwargs))
            return Response(
                status_code=stored["status"], content_type=content_types.APPLICATION_JSON, body=stored["body"]
            )

        # Powertools reads the route's parameters from its signature; resolve the view's annotations
        # here, where its module's names are known, so the body is still validated as the view's model.
        wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapper

    return decorate
