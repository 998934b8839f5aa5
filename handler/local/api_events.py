"""API Gateway proxy events, as the HTTP API (payload 2.0) and the REST API (1.0) send them.

Built for local use: `make dev` turns each HTTP request into one, and the tests build theirs
here too (tests/support/requests.py), so that both speak exactly the same event.
"""

from __future__ import annotations

import urllib.parse
import uuid
from typing import Any

SOURCE_IP = "203.0.113.9"


def proxy_event(
    method: str,
    path: str,
    *,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    raw_query: str | None = None,
    shape: str = "2.0",
    user: str | None = None,
    is_base64: bool = False,
) -> dict[str, Any]:
    """`query`: the decoded parameters; `raw_query`: the query string as sent (default: built from
    `query`). `user`: the `sub` an authorizer verified (none: no authorizer context)."""
    headers = dict(headers or {})
    request_id = str(uuid.uuid4())
    if shape == "2.0":
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": raw_query
            if raw_query is not None
            else "&".join(f"{k}={v}" for k, v in (query or {}).items()),
            "headers": {name.lower(): value for name, value in headers.items()},
            "queryStringParameters": query,
            "requestContext": {
                "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": SOURCE_IP},
                "requestId": request_id,
                "routeKey": "$default",
                "stage": "$default",
            },
            "body": body,
            "isBase64Encoded": is_base64,
        }
        if user:
            event["requestContext"]["authorizer"] = {"jwt": {"claims": {"sub": user}, "scopes": None}}
        return event
    event = {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/prod{path}",
            "requestId": request_id,
            "stage": "prod",
            "identity": {"sourceIp": SOURCE_IP},
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }
    if user:
        event["requestContext"]["authorizer"] = {"claims": {"sub": user}}
    return event


def query_of(raw_query: str) -> dict[str, str] | None:
    """The decoded parameters of a query string, as API Gateway hands them (the last of a repeated one)."""
    pairs = urllib.parse.parse_qsl(raw_query, keep_blank_values=True)
    return dict(pairs) or None
