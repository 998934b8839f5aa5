"""The record pages' cursor: what encode_cursor writes decodes back; anything else is 422 invalid_cursor."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest

from handler.errors import Unprocessable
from handler.logic.records import decode_cursor, encode_cursor
from handler.models import Record

RECORD = Record(
    id=uuid.UUID("a35a2786-0000-4000-8000-000000000001"),
    content="오늘 영화 봤어",
    record_date=dt.date(2026, 11, 25),
    created_at=dt.datetime(2026, 11, 25, 12, 30, 1, 123456, tzinfo=dt.UTC),
)


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_a_cursor_decodes_to_the_key_of_the_record_it_was_made_from():
    cursor = encode_cursor(RECORD)
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor  # URL-safe as it is
    assert decode_cursor(cursor) == (RECORD.record_date, RECORD.created_at, RECORD.id)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64!",
        _cursor("a string"),
        _cursor(["2026-11-25", "2026-11-25T12:30:01+00:00"]),  # too short
        _cursor(["2026-11-25", "2026-11-25T12:30:01+00:00", "not-a-uuid"]),
        _cursor(["2026-13-01", "2026-11-25T12:30:01+00:00", str(RECORD.id)]),
        _cursor(["2026-11-25", "yesterday", str(RECORD.id)]),
        _cursor(["2026-11-25", "2026-11-25T12:30:01", str(RECORD.id)]),  # no offset: never written
        _cursor(["2026-11-25", "2026-11-25T12:30:01+20:00", str(RECORD.id)]),  # past PostgreSQL's 16 h
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
    ],
)
def test_anything_else_is_refused_as_invalid_cursor(cursor):
    with pytest.raises(Unprocessable) as refused:
        decode_cursor(cursor)
    assert refused.value.code == "invalid_cursor" and refused.value.status == 422
