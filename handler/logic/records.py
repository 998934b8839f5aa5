"""Storing, editing, listing, searching and deleting the records a user jots down during the day."""

from __future__ import annotations

import datetime as dt
import uuid

from handler import search_terms
from handler.composition import Caller
from handler.dal import connection
from handler.dal import idempotency as idempotency_dal
from handler.dal import records as records_dal
from handler.errors import NotFound, Unprocessable
from handler.logic import calendar, cursors, embedding_index
from handler.models import Record, RecordPage

MAX_RANGE_DAYS = 366


def add_record(caller: Caller, content: str, record_date: dt.date | None = None) -> Record:
    user_id = caller.user_id
    embedding = embedding_index.for_storage(caller.services, content)
    with connection.statement(user_id) as cur:
        return records_dal.insert(
            cur,
            user_id,
            uuid.uuid4(),
            content,
            record_date or calendar.today(caller.settings.timezone),
            search_terms.document(content),
            embedding,
        )


def list_records(
    caller: Caller, date_from: dt.date, date_to: dt.date, limit: int, cursor: str | None = None
) -> RecordPage:
    user_id = caller.user_id
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


def edit_record(
    caller: Caller, record_id: uuid.UUID, content: str | None = None, record_date: dt.date | None = None
) -> Record:
    """A new text is indexed for search and embedded again, in the same statement that stores it."""
    user_id = caller.user_id
    embedding = embedding_index.for_storage(caller.services, content) if content is not None else None
    with connection.statement(user_id) as cur:
        record = records_dal.update(
            cur,
            user_id,
            record_id,
            content,
            record_date,
            search_terms.document(content) if content is not None else None,
            embedding,
        )
    if record is None:
        raise NotFound("no such record")
    return record


def search_records(caller: Caller, words: str, period: tuple[dt.date, dt.date] | None, limit: int) -> RecordPage:
    """The caller's records holding any of the words, most matching first (then newest): the index
    questions are answered from, without a model call. One page: a search is refined, not paged."""
    user_id = caller.user_id
    terms = search_terms.query(words)
    if not terms:
        raise Unprocessable("`q` has no words to search for", code="nothing_to_search")
    with connection.statement(user_id) as cur:
        found = records_dal.matching(cur, user_id, terms, period, limit)
    return RecordPage(items=found, next_cursor=None)


def delete_record(caller: Caller, record_id: uuid.UUID) -> None:
    """The record, and every remembered response that holds its words (handler.api.idempotency)."""
    user_id = caller.user_id
    with connection.transaction(user_id) as cur:
        if not records_dal.delete(cur, user_id, record_id):
            raise NotFound("no such record")
        idempotency_dal.forget(cur, user_id, idempotency_dal.resource("records", record_id))


def encode_cursor(last: Record) -> str:
    return cursors.encode(last.record_date.isoformat(), last.created_at.isoformat(), str(last.id))


def decode_cursor(cursor: str) -> tuple[dt.date, dt.datetime, uuid.UUID]:
    return cursors.decode(cursor, dt.date.fromisoformat, cursors.moment, uuid.UUID)
