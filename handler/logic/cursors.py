"""The cursors of paged lists: the sort key of a page's last item, opaque to the client.

A cursor is the URL-safe base64 of a JSON list of strings; each list reads its own key back with
`decode(cursor, parse, ...)`, one parser per element. Anything this API did not write is 422
invalid_cursor, never a database error.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from handler.errors import Unprocessable


def encode(*values: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode(cursor: str, *parsers: Callable[[str], Any]) -> tuple[Any, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(parsers):
            raise ValueError("not a key of this list")
        if not all(isinstance(value, str) for value in values):
            raise TypeError("a key element is not a string")
        return tuple(parse(value) for parse, value in zip(parsers, values, strict=True))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise Unprocessable("`cursor` is not one this API returned", code="invalid_cursor") from None


def moment(text: str) -> dt.datetime:
    """A timestamp as this API writes them: with a UTC offset PostgreSQL can take."""
    value = dt.datetime.fromisoformat(text)
    offset = value.utcoffset()
    # Python takes UTC offsets up to 24 h, PostgreSQL up to 16 h; this API writes UTC only.
    if offset is None or abs(offset) >= dt.timedelta(hours=16):
        raise ValueError("cursor time outside what the API writes")
    return value
