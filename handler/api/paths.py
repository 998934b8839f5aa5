"""The path a request is routed by: the same whichever API shape brought it, and wherever the API
is mounted.

- A trailing slash routes as the path without it (`/records/` is `/records`) in both shapes:
  Powertools' REST resolver already ignores one and its HTTP API resolver does not.
- Behind a custom domain's base path mapping (`https://api.example.com/v1/records`) the event's
  path carries the mapping's base path; API_BASE_PATH names it, Powertools strips it
  (`strip_prefixes`), and the entry point's own checks look past it too.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver, Route


def without_trailing_slash(event: dict[str, Any]) -> None:
    """Drop trailing slashes from the raw event's path (both shapes), before anything reads it."""
    if event.get("version") == "2.0":
        event["rawPath"] = _trimmed(event.get("rawPath"))
        http = (event.get("requestContext") or {}).get("http")
        if isinstance(http, dict):
            http["path"] = _trimmed(http.get("path"))
    elif "httpMethod" in event:
        event["path"] = _trimmed(event.get("path"))


def routed(path: str, base_path: str | None) -> str:
    """`path` as the routes see it: without the base path."""
    if base_path and (path == base_path or path.startswith(f"{base_path}/")):
        return path[len(base_path) :] or "/"
    return path


def routes(app: ApiGatewayResolver) -> list[Route]:
    """Every route `app` serves, one per method, in the order Powertools matches them: the one list of
    the API's routes, which the stack's routes and the sample events are checked against (tests/unit).
    Powertools has no public accessor; its own router and OpenAPI generator read these two lists."""
    return [*app._static_routes, *app._dynamic_routes]  # noqa: SLF001 - no public accessor exists


def _trimmed(path: Any) -> Any:
    return (path.rstrip("/") or "/") if isinstance(path, str) else path
