"""`Idempotency-Key` on POST routes: a retried request gets the first response and stores nothing twice.

Powertools' idempotency utility does the bookkeeping, with records in PostgreSQL
(handler.dal.idempotency). The key is scoped to the caller and the route; the same key with a
different body is refused (422), and a duplicate arriving while the first is still running gets
409 with Retry-After. A POST without the header runs as usual.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.encoders import jsonable_encoder
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from pydantic import BaseModel

from handler.api.errors import ApiError
from handler.api.identity import caller_id
from handler.dal.idempotency import PostgresPersistenceLayer

HEADER = "idempotency-key"
_VALID_KEY = re.compile(r"[A-Za-z0-9_\-:.]{1,128}")
KEY_LIFETIME_S = 24 * 3600

config = IdempotencyConfig(
    event_key_jmespath="[user, route, key]",
    payload_validation_jmespath="body",
    expires_after_seconds=KEY_LIFETIME_S,
)
_persistence = PostgresPersistenceLayer()


@idempotent_function(data_keyword_argument="request", config=config, persistence_store=_persistence)
def _first_response(request: dict, run: Callable[[], Response | BaseModel]) -> dict:
    result = run()
    if isinstance(result, Response):
        return {"status": result.status_code, "body": jsonable_encoder(result.body)}
    return {"status": 200, "body": jsonable_encoder(result)}


def idempotent(router: Router, route: str):
    """Make a POST route honour `Idempotency-Key`; put it under the router's decorator."""

    def decorate(view: Callable[..., Response | BaseModel]) -> Callable[..., Response | BaseModel]:
        @functools.wraps(view)
        def wrapper(**kwargs) -> Response | BaseModel:
            key = router.current_event.headers.get(HEADER)
            if key is None:
                return view(**kwargs)
            if not _VALID_KEY.fullmatch(key):
                raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-128 of A-Z a-z 0-9 _ - : .")
            body = next(v for v in kwargs.values() if isinstance(v, BaseModel))
            request = {"user": caller_id(), "route": route, "key": key, "body": body.model_dump(mode="json")}
            stored = _first_response(request=request, run=lambda: view(**kwargs))
            return Response(status_code=stored["status"], content_type=content_types.APPLICATION_JSON, body=stored["body"])

        # Powertools reads the route's parameters from its signature; resolve the view's annotations
        # here, where its module's names are known, so the body is still validated as the view's model.
        wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapper

    return decorate
