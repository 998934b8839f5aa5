"""What a request body must be before any route sees it: small enough, JSON, and decodable.

Powertools' event handler parses the body itself, but it also accepts form and multipart bodies, and
a body it cannot decode (bad base64, bytes that are not UTF-8, JSON nested past Python's recursion
limit or with an integer too long to convert) escapes its parser as an unexpected exception. The
entry point checks first, so each of these is a clear 4xx instead.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from handler.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType

_JSON = "application/json"
# Methods whose body a route reads; other methods' bodies are ignored, as before.
_METHODS_WITH_BODY = {"POST", "PUT", "PATCH"}
# Request bodies here are flat objects; anything deeper is not one of them, and a body nested
# close to the recursion limit parsed here might still overflow deeper in Powertools' stack.
MAX_NESTING = 32


def check_size(request: BaseProxyEvent, max_body_bytes: int) -> None:
    """PayloadTooLarge when the body is over the limit: checked first, before anything reads the body."""
    # Bytes, not characters: 30 000 Hangul syllables are 90 000 bytes. Lone surrogates count as 3.
    if len((request.body or "").encode("utf-8", "surrogatepass")) > max_body_bytes:
        raise PayloadTooLarge(f"the body exceeds {max_body_bytes} bytes")


def check_parsable(request: BaseProxyEvent) -> None:
    """UnsupportedMediaType or InvalidRequest when the body must be turned away before routing."""
    body = request.body or ""
    if not body or (request.http_method or "").upper() not in _METHODS_WITH_BODY:
        return
    media_type = (request.headers.get("content-type") or "").strip()
    # What Powertools parses as JSON: no content type, or one that starts with application/json
    # (media types are case-insensitive, RFC 9110: as_powertools_reads_it lower-cases it first).
    if media_type and not media_type.lower().startswith(_JSON):
        raise UnsupportedMediaType("send the body as application/json")
    text = body
    if request.is_base64_encoded:
        try:
            text = base64.b64decode(body.encode("ascii")).decode("utf-8")
        except (UnicodeError, binascii.Error):
            raise InvalidRequest("the body is not base64-encoded UTF-8 text", code="invalid_body") from None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        # JSONDecodeError, and what it does not cover: an integer past Python's digit limit, nesting
        # past the recursion limit.
        raise InvalidRequest("the body is not valid JSON", code="invalid_json") from None
    if _too_deep(document):
        raise InvalidRequest(f"the body is nested more than {MAX_NESTING} levels deep", code="invalid_json")


def _too_deep(document: Any) -> bool:
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > MAX_NESTING:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def as_powertools_reads_it(event: dict[str, Any]) -> None:
    """Write a JSON content type in lower case ("Application/JSON; Charset=UTF-8" ->
    "application/json; charset=utf-8") in the raw event: Powertools compares it case-sensitively,
    and would refuse a media type RFC 9110 says is the same."""
    for headers in (event.get("headers"), event.get("multiValueHeaders")):
        if not isinstance(headers, dict):
            continue
        for name, value in headers.items():
            if name.lower() == "content-type":
                headers[name] = [_lowered(v) for v in value] if isinstance(value, list) else _lowered(value)


def _lowered(media_type: Any) -> Any:
    if isinstance(media_type, str) and media_type.strip().lower().startswith(_JSON):
        return media_type.strip().lower()
    return media_type
