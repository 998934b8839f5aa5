"""Who is calling: the `sub` claim API Gateway's authorizer verified, and nothing the client wrote."""

import unicodedata
from collections.abc import Callable
from typing import Annotated, TypeVar

from aws_lambda_powertools.event_handler import Depends, Request
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver, Route
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from handler import composition
from handler.api import paths

MAX_USER_ID_CHARS = 128
View = TypeVar("View", bound=Callable[..., object])
# The attribute `public` sets on a route's function.
_PUBLIC = "admits_anyone"


def public(view: View) -> View:
    """Marks a route anyone may call. The entry point admits its requests without an identity, and the
    stack's API must leave exactly these routes without its authorizer (tests/unit/test_template.py
    reads them from the app)."""
    setattr(view, _PUBLIC, True)
    return view


def is_public_route(route: Route) -> bool:
    return getattr(route.func, _PUBLIC, False) is True


def verified_caller(event: BaseProxyEvent, allow_user_id_header: bool) -> str | None:
    """The caller's id, or None when the event carries no usable identity (`allow_user_id_header`:
    the setting ALLOW_USER_ID_HEADER, local runs only)."""
    user_id = _claims(event.raw_event).get("sub")
    if not user_id and allow_user_id_header:
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


def is_public(app: ApiGatewayResolver, event: BaseProxyEvent, base_path: str | None) -> bool:
    """Whether the route Powertools will pick for the request (the first that matches, in its order)
    is marked `public`."""
    method, path = _route(event, base_path)
    route = next((r for r in paths.routes(app) if r.method == method and r.rule.match(path)), None)
    return route is not None and is_public_route(route)


# The one route a user whose erasure was asked for may still call: asking again says where it stands.
ERASURE_ROUTE = ("DELETE", "/me")


def is_erasure(event: BaseProxyEvent, base_path: str | None) -> bool:
    return _route(event, base_path) == ERASURE_ROUTE


def _route(event: BaseProxyEvent, base_path: str | None) -> tuple[str, str]:
    return event.http_method.upper(), paths.routed(event.path, base_path)


def current_caller(request: Request) -> composition.Caller:
    """The verified caller of the request being routed, which the entry point put in the router's
    per-request context (Powertools clears it after every invocation)."""
    caller = request.context.get(CONTEXT_KEY)
    if caller is None:
        raise RuntimeError("a private route ran without an admitted caller")
    return caller


def current_services(request: Request) -> composition.Services:
    """The function's services, which the entry point put in the same context: what a public route,
    which has no caller, acts with."""
    return request.context[SERVICES_KEY]


CONTEXT_KEY = "caller"
SERVICES_KEY = "services"
# A route parameter annotated `Caller` receives the request's caller (Powertools' Depends);
# `AppServices`, the function's services.
Caller = Annotated[composition.Caller, Depends(current_caller)]
AppServices = Annotated[composition.Services, Depends(current_services)]
