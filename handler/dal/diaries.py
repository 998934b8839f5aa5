"""SQL for the diaries table: one diary per user and day, and its embedding where the table has one."""

from __future__ import annotations

import datetime as dt
import uuid

from handler.dal.records import vector_literal
from handler.models import Diary

_COLUMNS = "diary_date AS date, title, content, model, record_ids, created_at, updated_at"


def upsert(
    cur,
    user_id: str,
    day: dt.date,
    title: str,
    content: str,
    model: str,
    record_ids: list[uuid.UUID],
    embedding: list[float] | None = None,
    stores_embeddings: bool = False,
) -> Diary:
    """Write the day's diary; writing again replaces it (created_at is kept). Where the table keeps
    embeddings the old one never outlives its text: replaced, or NULL for the backfill to fill."""
    column, value, update = (
        (", embedding", ", %s::vector", ", embedding = EXCLUDED.embedding") if stores_embeddings else ("", "", "")
    )
    params: tuple = (user_id, day, title, content, model, [str(i) for i in record_ids])
    if stores_embeddings:
        params += (vector_literal(embedding) if embedding is not None else None,)
    cur.execute(
        f"INSERT INTO diaries (user_id, diary_date, title, content, model, record_ids{column})"
        f" VALUES (%s, %s, %s, %s, %s, %s::uuid[]{value})"
        " ON CONFLICT (user_id, diary_date) DO UPDATE SET"
        " title = EXCLUDED.title, content = EXCLUDED.content, model = EXCLUDED.model,"
        f" record_ids = EXCLUDED.record_ids, updated_at = now(){update}"
        f" RETURNING {_COLUMNS}",
        params,
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


def nearest(cur, user_id: str, meaning: list[float], limit: int) -> list[Diary]:
    """The owner's diaries nearest in meaning to `meaning`, best first."""
    cur.execute(
        f"SELECT {_COLUMNS} FROM diaries WHERE user_id = %s AND embedding IS NOT NULL"
        " ORDER BY embedding <=> %s::vector LIMIT %s",
        (user_id, vector_literal(meaning), limit),
    )
    return [Diary.model_validate(row) for row in cur.fetchall()]


def without_embedding(cur, limit: int) -> list[tuple[str, dt.date, str]]:
    """(user id, day, title and content) of diaries of any user with no embedding (as diary_backfill)."""
    cur.execute(
        "SELECT user_id, diary_date, title, content FROM diaries WHERE embedding IS NULL LIMIT %s", (limit,)
    )
    return [(row["user_id"], row["diary_date"], f"{row['title']}\n{row['content']}") for row in cur.fetchall()]


def set_embedding(cur, user_id: str, day: dt.date, embedding: list[float]) -> None:
    """As diary_backfill: the only column it may write."""
    cur.execute(
        "UPDATE diaries SET embedding = %s::vector WHERE user_id = %s AND diary_date = %s",
        (vector_literal(embedding), user_id, day),
    )
