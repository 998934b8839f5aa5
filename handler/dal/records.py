"""SQL for the records table. Every statement is filtered by the owner's id."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

Row = dict[str, Any]
_COLUMNS = "id, content, record_date, created_at"


def insert(cur, user_id: str, record_id: uuid.UUID, content: str, record_date: dt.date) -> Row:
    cur.execute(
        f"INSERT INTO records (id, user_id, content, record_date) VALUES (%s, %s, %s, %s) RETURNING {_COLUMNS}",
        (str(record_id), user_id, content, record_date),
    )
    return cur.fetchone()


def list_between(
    cur,
    user_id: str,
    date_from: dt.date,
    date_to: dt.date,
    limit: int,
    after: tuple[dt.date, dt.datetime, uuid.UUID] | None = None,
) -> list[Row]:
    """Records in [date_from, date_to] in the order they were jotted down, resuming after `after`."""
    keyset = "AND (record_date, created_at, id) > (%s, %s, %s)" if after else ""
    params: tuple = (user_id, date_from, date_to)
    if after:
        params += (after[0], after[1], str(after[2]))
    cur.execute(
        f"SELECT {_COLUMNS} FROM records"
        f" WHERE user_id = %s AND record_date BETWEEN %s AND %s {keyset}"
        " ORDER BY record_date, created_at, id LIMIT %s",
        params + (limit,),
    )
    return cur.fetchall()


def delete(cur, user_id: str, record_id: uuid.UUID) -> bool:
    cur.execute("DELETE FROM records WHERE id = %s AND user_id = %s", (str(record_id), user_id))
    return cur.rowcount == 1
