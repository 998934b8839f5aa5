"""Who is calling: the `sub` claim API Gateway's authorizer verified, and nothing the client wrote."""

import unicodedata
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Request
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from handler.api import paths
from handler.settings import get_settings

MAX_USER_ID_CHARS = 128
# Routes anyone may call; the API's authorizer leaves exactly these open too.
PUBLIC_ROUTES = {("GET", "/health"), ("GET", "/openapi.json")}


def verified_caller(event: BaseProxyEvent) -> str | None:
    """The caller's id, or None when the event carries no usable identity."""
    user_id = _claims(event.raw_event).get("sub")
    if not user_id and get_settings().allow_user_id_header:
        user_id = event.headers.get("x-user-id")
    if isinstance(user_id, str) and 0 < len(user_id) <= MAX_USER_ID_CHARS and _usable(user_id):
        return user_id
    return None


def _claims(raw_event: dict) -> dict:
    """The HTTP API (2.0) JWT authorizer's claims, else the REST API (1.0) Cognito authorizer's.
    Only objects count: a Lambda authorizer's context values are strings, numbers or booleans, so
    a `claims` or `jwt` key there may be a string, which carries no verified claim."""
    context = raw_event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    if not isinstance(authorizer, dict):
        return {}
    jwt = authorizer.get("jwt")
    for claims in (jwt.get("claims") if isinstance(jwt, dict) else None, authorizer.get("claims")):
        if isinstance(claims, dict) and claims:
            return claims
    return {}


def _usable(user_id: str) -> bool:
    """Not blank, and nothing PostgreSQL cannot store or a log cannot show (NUL, lone surrogates, controls)."""
    # Cc: control characters (NUL included); Cs: lone surrogates, which no UTF-8 text can carry.
    return bool(user_id.strip()) and not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in user_id)


# The one route a user whose erasure was asked for may still call: asking again says where it stands.
ERASURE_ROUTE = ("DELETE", "/me")


def is_public(event: BaseProxyEvent, base_path: str | None) -> bool:
    return _route(event, base_path) in PUBLIC_ROUTES


def is_erasure(event: BaseProxyEvent, base_path: str | None) -> bool:
    return _route(event, base_path) == ERASURE_ROUTE


def _route(event: BaseProxyEvent, base_path: str | None) -> tuple[str, str]:
    return event.http_method.upper(), paths.routed(event.path, base_path)


def caller_id(request: Request) -> str:
    """The verified caller of the request being routed, which the entry point put in the router's
    per-request context (Powertools clears it after every invocation)."""
    user_id = request.context.get(CONTEXT_KEY)
    if user_id is None:
        raise RuntimeError("a private route ran without an admitted caller")
    return user_id


CONTEXT_KEY = "caller"
# A route parameter annotated `Caller` receives the caller's id (Powertools' Depends).
Caller = Annotated[str, Depends(caller_id)]
