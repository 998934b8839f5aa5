"""Storing, editing, listing, searching and deleting the records a user jots down during the day."""

from __future__ import annotations

import datetime as dt
import uuid

from handler import search_terms
from handler.composition import Caller
from handler.dal.idempotency import resource
from handler.dal.records import RecordChange, RecordDraft
from handler.errors import NotFound, Unprocessable
from handler.logic import calendar, cursors, embedding_index, photos, recordings
from handler.models import Record, RecordPage

MAX_RANGE_DAYS = 366
# How far past the service's today (DEFAULT_TIMEZONE's) a record may be dated. One day: a client
# dates a record by its own calendar (the web client by the browser's), and east of DEFAULT_TIMEZONE
# that calendar is already on the service's tomorrow for as many hours as the zones differ. Zones
# less than 24 hours apart (every zone but the far Pacific's against UTC-12/-11) are never two days
# apart, so a day after tomorrow is no one's today.
MAX_DAYS_AHEAD = 1


def add_record(caller: Caller, content: str, record_date: dt.date | None = None) -> Record:
    return caller.store.records.insert(new_record(caller, content, record_date))


def new_record(caller: Caller, content: str, record_date: dt.date | None = None) -> RecordDraft:
    """A record ready to store, indexed for search and embedded: what add_record stores, and what a
    voice note's transcript becomes inside its own transaction (handler.logic.voice_notes)."""
    today = calendar.today(caller.settings.timezone)
    _not_ahead(record_date, today)
    return RecordDraft(
        id=uuid.uuid4(),
        content=content,
        record_date=record_date or today,
        search_document=search_terms.document(content),
        embedding=embedding_index.for_storage(caller.services, content),
    )


def check_not_ahead(caller: Caller, record_date: dt.date | None) -> None:
    """422 `future_date` for a day past tomorrow (MAX_DAYS_AHEAD) in the service's time zone."""
    _not_ahead(record_date, calendar.today(caller.settings.timezone))


def _not_ahead(record_date: dt.date | None, today: dt.date) -> None:
    if record_date is not None and (record_date - today).days > MAX_DAYS_AHEAD:
        raise Unprocessable(
            f"`record_date` {record_date} is in the future (today is {today} in the service's time zone)",
            code="future_date",
        )


def latest_records(caller: Caller, limit: int, cursor: str | None = None) -> RecordPage:
    """The caller's records, newest first, page by page (the same cursors as list_records')."""
    before = decode_cursor(cursor) if cursor else None
    return _page(caller, caller.store.records.latest(limit + 1, before=before), limit)


def list_records(
    caller: Caller, date_from: dt.date, date_to: dt.date, limit: int, cursor: str | None = None
) -> RecordPage:
    if date_to < date_from:
        raise Unprocessable("`to` must not be before `from`", code="invalid_range")
    if (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise Unprocessable(f"a range covers at most {MAX_RANGE_DAYS} days", code="range_too_long")
    after = decode_cursor(cursor) if cursor else None
    return _page(caller, caller.store.records.list_between(date_from, date_to, limit + 1, after), limit)


def _page(caller: Caller, rows: list[Record], limit: int) -> RecordPage:
    """A page of `limit` records from `limit + 1` asked for: the extra row tells whether another page
    exists without a COUNT."""
    items = rows[:limit]
    cursor = encode_cursor(items[-1]) if len(rows) > limit else None
    return RecordPage(items=attached(caller, items), next_cursor=cursor)


def attached(caller: Caller, records: list[Record]) -> list[Record]:
    """The records with their photos and, for those transcribed, their recordings."""
    return recordings.with_audio(caller, photos.with_photos(caller, records))


def edit_record(
    caller: Caller, record_id: uuid.UUID, content: str | None = None, record_date: dt.date | None = None
) -> Record:
    """A new text is indexed for search and embedded again, in the same statement that stores it."""
    _not_ahead(record_date, calendar.today(caller.settings.timezone))
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
    return attached(caller, [record])[0]


def search_records(caller: Caller, words: str, period: tuple[dt.date, dt.date] | None, limit: int) -> RecordPage:
    """The caller's records holding any of the words, most matching first (then newest): the index
    questions are answered from, without a model call. One page: a search is refined, not paged.
    Words that are all question or stop words ("what did I do", "뭐 했지") leave nothing to narrow
    by: every record matches alike, and the order's last rule decides: the latest (within `period`)."""
    terms = search_terms.query(words)
    records = caller.store.records
    found = records.matching(terms, period, limit) if terms else records.latest(limit, period)
    return RecordPage(items=attached(caller, found), next_cursor=None)


def delete_record(caller: Caller, record_id: uuid.UUID) -> None:
    """The record, its photos, its recording, and every remembered response that holds its words
    (handler.api.idempotency)."""
    with caller.store.transaction() as tx:
        photos.delete_with_record(caller, tx, record_id)
        recordings.delete_with_record(caller, tx, record_id)
        if not tx.records.delete(record_id):
            raise NotFound("no such record")
        tx.remembered.forget(resource("records", record_id))


def encode_cursor(last: Record) -> str:
    return cursors.encode(last.record_date.isoformat(), last.created_at.isoformat(), str(last.id))


def decode_cursor(cursor: str) -> tuple[dt.date, dt.datetime, uuid.UUID]:
    return cursors.decode(cursor, dt.date.fromisoformat, cursors.moment, uuid.UUID)
