"""Storing, editing, listing, searching and deleting the records a user jots down during the day."""

from __future__ import annotations

import datetime as dt
import uuid

from handler import search_terms
from handler.composition import Caller
from handler.dal.idempotency import resource
from handler.dal.records import RecordChange, RecordDraft
from handler.errors import NotFound, Unprocessable
from handler.logic import calendar, cursors, embedding_index
from handler.models import Record, RecordPage

MAX_RANGE_DAYS = 366


def add_record(caller: Caller, content: str, record_date: dt.date | None = None) -> Record:
    embedding = embedding_index.for_storage(caller.services, content)
    draft = RecordDraft(
        id=uuid.uuid4(),
        content=content,
        record_date=record_date or calendar.today(caller.settings.timezone),
        search_document=search_terms.document(content),
        embedding=embedding,
    )
    return caller.store.records.insert(draft)


def list_records(
    caller: Caller, date_from: dt.date, date_to: dt.date, limit: int, cursor: str | None = None
) -> RecordPage:
    if date_to < date_from:
        raise Unprocessable("`to` must not be before `from`", code="invalid_range")
    if (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise Unprocessable(f"a range covers at most {MAX_RANGE_DAYS} days", code="range_too_long")
    after = decode_cursor(cursor) if cursor else None
    # One extra row tells whether another page exists without a COUNT.
    rows = caller.store.records.list_between(date_from, date_to, limit + 1, after)
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1]) if len(rows) > limit else None
    return RecordPage(items=items, next_cursor=next_cursor)


def edit_record(
    caller: Caller, record_id: uuid.UUID, content: str | None = None, record_date: dt.date | None = None
) -> Record:
    """A new text is indexed for search and embedded again, in the same statement that stores it."""
    embedding = embedding_index.for_storage(caller.services, content) if content is not None else None
    change = RecordChange(
        content=content,
        record_date=record_date,
        search_document=search_terms.document(content) if content is not None else None,
        embedding=embedding,
    )
    record = caller.store.records.update(record_id, change)
    if record is None:
        raise NotFound("no such record")
    return record


def search_records(caller: Caller, words: str, period: tuple[dt.date, dt.date] | None, limit: int) -> RecordPage:
    """The caller's records holding any of the words, most matching first (then newest): the index
    questions are answered from, without a model call. One page: a search is refined, not paged."""
    terms = search_terms.query(words)
    if not terms:
        raise Unprocessable("`q` has no words to search for", code="nothing_to_search")
    found = caller.store.records.matching(terms, period, limit)
    return RecordPage(items=found, next_cursor=None)


def delete_record(caller: Caller, record_id: uuid.UUID) -> None:
    """The record, and every remembered response that holds its words (handler.api.idempotency)."""
    with caller.store.transaction() as tx:
        if not tx.records.delete(record_id):
            raise NotFound("no such record")
        tx.remembered.forget(resource("records", record_id))


def encode_cursor(last: Record) -> str:
    return cursors.encode(last.record_date.isoformat(), last.created_at.isoformat(), str(last.id))


def decode_cursor(cursor: str) -> tuple[dt.date, dt.datetime, uuid.UUID]:
    return cursors.decode(cursor, dt.date.fromisoformat, cursors.moment, uuid.UUID)
