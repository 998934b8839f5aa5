"""SQL for the records table. Every statement is filtered by the owner's id."""

from __future__ import annotations

import datetime as dt
import uuid

from handler.models import Record

_COLUMNS = "id, content, record_date, created_at"


def insert(
    cur, user_id: str, record_id: uuid.UUID, content: str, record_date: dt.date, search_document: str
) -> Record:
    cur.execute(
        "INSERT INTO records (id, user_id, content, record_date, search_terms)"
        f" VALUES (%s, %s, %s, %s, to_tsvector('simple', %s)) RETURNING {_COLUMNS}",
        (str(record_id), user_id, content, record_date, search_document),
    )
    return Record.model_validate(cur.fetchone())


def search(
    cur, user_id: str, terms: list[str], period: tuple[dt.date, dt.date] | None, limit: int
) -> list[Record]:
    """The owner's records ranked by how many of `terms` they hold. Within `period` every record
    qualifies (best matches first); without a period only records matching a term do."""
    query = "to_tsquery('simple', array_to_string(%(terms)s::text[], ' | '))"
    scope = "record_date BETWEEN %(start)s AND %(end)s" if period else f"search_terms @@ {query}"
    start, end = period or (None, None)
    cur.execute(
        f"SELECT {_COLUMNS} FROM records WHERE user_id = %(user_id)s AND {scope}"
        f" ORDER BY ts_rank(search_terms, {query}) DESC, record_date DESC, created_at DESC LIMIT %(limit)s",
        {"terms": terms, "user_id": user_id, "start": start, "end": end, "limit": limit},
    )
    return [Record.model_validate(row) for row in cur.fetchall()]


def list_between(
    cur,
    user_id: str,
    date_from: dt.date,
    date_to: dt.date,
    limit: int,
    after: tuple[dt.date, dt.datetime, uuid.UUID] | None = None,
) -> list[Record]:
    """Records in [date_from, date_to] in the order they were jotted down, resuming after `after`."""
    keyset = "AND (record_date, created_at, id) > (%s, %s, %s)" if after else ""
    params: tuple = (user_id, date_from, date_to)
    if after:
        params += (after[0], after[1], str(after[2]))
    cur.execute(
        f"SELECT {_COLUMNS} FROM records"
        f" WHERE user_id = %s AND record_date BETWEEN %s AND %s {keyset}"
        " ORDER BY record_date, created_at, id LIMIT %s",
        (*params, limit),
    )
    return [Record.model_validate(row) for row in cur.fetchall()]


def delete(cur, user_id: str, record_id: uuid.UUID) -> bool:
    cur.execute("DELETE FROM records WHERE id = %s AND user_id = %s", (str(record_id), user_id))
    return cur.rowcount == 1
