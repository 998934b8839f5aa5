"""SQL for the diaries table: one diary per user and day."""

from __future__ import annotations

import datetime as dt
import uuid

from handler.models import Diary

_COLUMNS = "diary_date AS date, title, content, model, record_ids, created_at, updated_at"


def upsert(
    cur, user_id: str, day: dt.date, title: str, content: str, model: str, record_ids: list[uuid.UUID]
) -> Diary:
    """Write the day's diary; writing again replaces it (created_at is kept)."""
    cur.execute(
        "INSERT INTO diaries (user_id, diary_date, title, content, model, record_ids)"
        " VALUES (%s, %s, %s, %s, %s, %s::uuid[])"
        " ON CONFLICT (user_id, diary_date) DO UPDATE SET"
        " title = EXCLUDED.title, content = EXCLUDED.content, model = EXCLUDED.model,"
        " record_ids = EXCLUDED.record_ids, updated_at = now()"
        f" RETURNING {_COLUMNS}",
        (user_id, day, title, content, model, [str(i) for i in record_ids]),
    )
    return Diary.model_validate(cur.fetchone())


def get(cur, user_id: str, day: dt.date) -> Diary | None:
    cur.execute(f"SELECT {_COLUMNS} FROM diaries WHERE user_id = %s AND diary_date = %s", (user_id, day))
    row = cur.fetchone()
    return None if row is None else Diary.model_validate(row)


def list_between(cur, user_id: str, first: dt.date, last: dt.date) -> list[Diary]:
    cur.execute(
        f"SELECT {_COLUMNS} FROM diaries WHERE user_id = %s AND diary_date BETWEEN %s AND %s ORDER BY diary_date",
        (user_id, first, last),
    )
    return [Diary.model_validate(row) for row in cur.fetchall()]
