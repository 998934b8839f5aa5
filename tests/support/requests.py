"""API Gateway events as both API shapes send them, and the function invoked with them in process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handler.local.api_events import proxy_event
from handler.local.invoke import LocalContext

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"

# The local runner's stand-in for Lambda's context object; `FakeContext(remaining_ms)`.
FakeContext = LocalContext


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def http_event(
    method: str,
    path: str,
    body: Any = None,
    *,
    user: str | None = None,
    query: dict[str, str] | None = None,
    shape: str = "2.0",
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway proxy event as the HTTP API (2.0) or REST API (1.0) sends it."""
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body, ensure_ascii=False))
    all_headers = {"content-type": "application/json", **(headers or {})}
    return proxy_event(method, path, body=text, headers=all_headers, query=query, shape=shape, user=user)


def invoke_raw(event: dict[str, Any], remaining_ms: int = 29_000) -> dict[str, Any]:
    from handler.app import lambda_handler

    return lambda_handler(event, FakeContext(remaining_ms))


def invoke(event: dict[str, Any], remaining_ms: int = 29_000) -> Reply:
    response = invoke_raw(event, remaining_ms)
    body = response.get("body")
    return Reply(
        status=response["statusCode"],
        headers={k.lower(): v for k, v in (response.get("headers") or {}).items()},
        body=json.loads(body) if body else None,
    )


def call(method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
    return invoke(http_event(method, path, body, **kwargs))


def jot(user: str, day: str, *contents: str) -> list[str]:
    """Store records for `user` on `day` through the API; their ids."""
    return [call("POST", "/records", {"content": c, "record_date": day}, user=user).body["id"] for c in contents]


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))
