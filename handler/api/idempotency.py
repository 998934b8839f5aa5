"""`Idempotency-Key` on POST routes: a retried request gets the first response and stores nothing twice.

A route middleware (`middlewares=[idempotent]` on the route), so that everything it needs comes from
the request Powertools is routing: the header, the caller, the matched route and the Lambda context.
Powertools' idempotency utility does the bookkeeping, with records in PostgreSQL
(handler.dal.idempotency). The key is scoped to the caller and the route; the same key with a
different body is refused (422), and a duplicate arriving while the first is still running gets
409 with Retry-After. Only a success is remembered: a failure can be retried with its key. A POST
without the header runs as usual. Body validation runs before route middlewares, so an invalid
body never reaches the store.

A remembered response lives KEY_LIFETIME_S and is deleted by the worker's hourly sweep after that
(handler.logic.retention). A response that describes a thing (a record, a diary, a picture, a
report, or what POST /agent did) names it, and deleting that thing forgets the response: a retry
after the delete gets 410 `deleted`, neither the deleted words nor a new copy of them (running the
request again would bring back what the user deleted, from a retry they may not even know their
app sent).

The idempotent function, its configuration and its store are made for each request that carries the
header: the store keeps whose row it writes, which must not outlive the request. Powertools'
idempotency package is imported by the first such request, not at start-up: it imports its DynamoDB
layer, and with it boto3.
"""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.encoders import jsonable_encoder

from handler.api.identity import current_caller
from handler.dal.idempotency import resource
from handler.dal.store import Store
from handler.errors import DatabaseUnavailable, Gone, InProgress, InvalidRequest, Unprocessable

HEADER = "idempotency-key"
_VALID_KEY = re.compile(r"[A-Za-z0-9_\-:.]{1,128}")
KEY_LIFETIME_S = 24 * 3600
# The routes whose response describes one thing, and the field of the response that names it: the
# thing's collection and that field's value make the resource its DELETE forgets (handler.dal.idempotency).
_DESCRIBES = {
    "/records": ("records", "id"),
    "/records/{record_id}": ("records", "id"),
    "/diaries": ("diaries", "date"),
    "/diaries/{date}": ("diaries", "date"),
    "/images": ("images", "id"),
    "/reports": ("reports", "report_id"),
}
# POST /agent's answer describes what it did (its `content`), by the kind of thing (its `type`).
_AGENT_DID = {
    "data": ("records", "id"),
    "diary": ("diaries", "date"),
    "image": ("images", "id"),
    "report": ("reports", "report_id"),
}


class _NotRemembered(Exception):
    """Carries a failure response out of the idempotent call, so that Powertools forgets the key."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _remembering(store: Store) -> tuple:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

    from handler.dal.idempotency_layer import PostgresPersistenceLayer

    config = IdempotencyConfig(
        event_key_jmespath="[user, route, key]",
        payload_validation_jmespath="body",
        expires_after_seconds=KEY_LIFETIME_S,
    )

    @idempotent_function(
        data_keyword_argument="request", config=config, persistence_store=PostgresPersistenceLayer(store)
    )
    def first_response(request: dict, app: ApiGatewayResolver, next_middleware: NextMiddleware) -> dict:
        response = next_middleware(app)
        if not 200 <= response.status_code < 300:
            raise _NotRemembered(response)
        body = jsonable_encoder(response.body)
        return {"status": response.status_code, "body": body, "resource": _described(app.request.route, body)}

    return config, first_response


def _described(route: str, body: Any) -> str | None:
    """The resource a success's body describes, or None (an answer to a question)."""
    if route == "/agent":
        named, body = _AGENT_DID.get(body["type"]), body["content"]
    else:
        named = _DESCRIBES.get(route)
    return resource(named[0], body[named[1]]) if named else None


def idempotent(app: ApiGatewayResolver, next_middleware: NextMiddleware) -> Response:
    key = app.current_event.headers.get(HEADER)
    if key is None:
        return next_middleware(app)
    if not _VALID_KEY.fullmatch(key):
        raise InvalidRequest("Idempotency-Key must be 1-128 of A-Z a-z 0-9 _ - : .", code="invalid_idempotency_key")
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    request = app.request
    scope: dict[str, Any] = {
        "user": current_caller(request).user_id,
        "route": f"{request.method} {request.route}",
        "key": key,
        "body": app.current_event.json_body,
    }
    config, first_response = _remembering(current_caller(request).services.store)
    config.register_lambda_context(app.lambda_context)
    try:
        stored = first_response(request=scope, app=app, next_middleware=next_middleware)
    except _NotRemembered as failure:
        return failure.response
    except IdempotencyValidationError:
        raise Unprocessable(
            "this Idempotency-Key was used with a different body", code="idempotency_key_reused"
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise InProgress("a request with this Idempotency-Key is still running") from None
    except IdempotencyPersistenceLayerError as exc:
        raise DatabaseUnavailable("the idempotency store failed") from exc
    if stored.get("deleted"):
        raise Gone("what this Idempotency-Key stored has been deleted since; send a new key to store it again")
    return Response(status_code=stored["status"], content_type=content_types.APPLICATION_JSON, body=stored["body"])
