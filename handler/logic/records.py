"""Storing, listing and deleting the records a user jots down during the day."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid

from handler import search_terms
from handler.dal import connection
from handler.dal import records as records_dal
from handler.errors import NotFound, Unprocessable
from handler.logic import calendar, embedding_index
from handler.models import Record, RecordPage

MAX_RANGE_DAYS = 366


def add_record(user_id: str, content: str, record_date: dt.date | None = None) -> Record:
    embedding = embedding_index.for_storage(content)
    with connection.statement(user_id) as cur:
        return records_dal.insert(
            cur,
            user_id,
            uuid.uuid4(),
            content,
            record_date or calendar.today(),
            search_terms.document(content),
            embedding,
        )


def list_records(
    user_id: str, date_from: dt.date, date_to: dt.date, limit: int, cursor: str | None = None
) -> RecordPage:
    if date_to < date_from:
        raise Unprocessable("`to` must not be before `from`", code="invalid_range")
    if (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise Unprocessable(f"a range covers at most {MAX_RANGE_DAYS} days", code="range_too_long")
    after = decode_cursor(cursor) if cursor else None
    with connection.statement(user_id) as cur:
        # One extra row tells whether another page exists without a COUNT.
        rows = records_dal.list_between(cur, user_id, date_from, date_to, limit + 1, after)
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1]) if len(rows) > limit else None
    return RecordPage(items=items, next_cursor=next_cursor)


def delete_record(user_id: str, record_id: uuid.UUID) -> None:
    with connection.statement(user_id) as cur:
        if not records_dal.delete(cur, user_id, record_id):
            raise NotFound("no such record")


def records_of_day(user_id: str, day: dt.date) -> list[Record]:
    with connection.statement(user_id) as cur:
        return records_dal.list_between(cur, user_id, day, day, limit=1000)


def encode_cursor(last: Record) -> str:
    key = [last.record_date.isoformat(), last.created_at.isoformat(), str(last.id)]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.date, dt.datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        day, created_at, record_id = json.loads(raw)
        moment = dt.datetime.fromisoformat(created_at)
        offset = moment.utcoffset()
        # Python takes UTC offsets up to 24 h, PostgreSQL up to 16 h; this API writes UTC only.
        if offset is None or abs(offset) >= dt.timedelta(hours=16):
            raise ValueError("cursor time outside what the API writes")
        return dt.date.fromisoformat(day), moment, uuid.UUID(record_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise Unprocessable("`cursor` is not one this API returned", code="invalid_cursor") from None
