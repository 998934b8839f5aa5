"""SQL for the diaries table: one diary per user and day, and its embedding (NULL until it has one)."""

from __future__ import annotations

import datetime as dt
import uuid

from psycopg2.extras import Json

from handler.dal.records import vector_literal
from handler.models import Diary, LeftOut

_COLUMNS = (
    "diary_date AS date, title, content, model, record_ids, tags, edited, created_at, updated_at,"
    " COALESCE(left_out, '{}') AS left_out,"
    " EXISTS (SELECT 1 FROM images WHERE images.user_id = diaries.user_id"
    " AND images.diary_date = diaries.diary_date) AS has_images"
)


def upsert(
    cur,
    user_id: str,
    day: dt.date,
    title: str,
    content: str,
    model: str,
    record_ids: list[uuid.UUID],
    embedding: list[float] | None = None,
    overwrite_edited: bool = False,
    left_out: LeftOut | None = None,
) -> Diary | None:
    """Write the day's diary; writing again replaces it (created_at and the user's tags are kept,
    and it is no longer `edited`), but a diary the user edited only with `overwrite_edited`: None
    when it was kept. The old embedding never outlives its text: replaced, or NULL for the backfill
    to fill. `left_out`: what the model was not shown of the day's records."""
    params = (
        user_id,
        day,
        title,
        content,
        model,
        [str(i) for i in record_ids],
        vector_literal(embedding),
        Json((left_out or LeftOut()).model_dump()),
    )
    cur.execute(
        "INSERT INTO diaries (user_id, diary_date, title, content, model, record_ids, embedding, left_out)"
        " VALUES (%s, %s, %s, %s, %s, %s::uuid[], %s::vector, %s)"
        " ON CONFLICT (user_id, diary_date) DO UPDATE SET"
        " title = EXCLUDED.title, content = EXCLUDED.content, model = EXCLUDED.model,"
        " record_ids = EXCLUDED.record_ids, edited = false, updated_at = now(), embedding = EXCLUDED.embedding,"
        " left_out = EXCLUDED.left_out"
        " WHERE NOT diaries.edited OR %s"
        f" RETURNING {_COLUMNS}",
        (*params, overwrite_edited),
    )
    row = cur.fetchone()
    return None if row is None else Diary.model_validate(row)


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
    cur.execute("SELECT user_id, diary_date, title, content FROM diaries WHERE embedding IS NULL LIMIT %s", (limit,))
    return [(row["user_id"], row["diary_date"], f"{row['title']}\n{row['content']}") for row in cur.fetchall()]


def set_embedding(cur, user_id: str, day: dt.date, embedding: list[float]) -> None:
    """As diary_backfill: the only column it may write."""
    cur.execute(
        "UPDATE diaries SET embedding = %s::vector WHERE user_id = %s AND diary_date = %s",
        (vector_literal(embedding), user_id, day),
    )


def put(
    cur,
    user_id: str,
    day: dt.date,
    title: str,
    content: str,
    tags: list[str],
    embedding: list[float] | None = None,
) -> tuple[Diary, bool]:
    """The user's own diary for the day, marked edited; (the diary, whether it was created). A diary
    the model wrote keeps its model and records; one the user starts is the user's."""
    cur.execute(
        "INSERT INTO diaries (user_id, diary_date, title, content, tags, model, record_ids, edited, embedding)"
        " VALUES (%s, %s, %s, %s, %s, 'user', '{}', true, %s::vector)"
        " ON CONFLICT (user_id, diary_date) DO UPDATE SET title = EXCLUDED.title, content = EXCLUDED.content,"
        " tags = EXCLUDED.tags, edited = true, updated_at = now(), embedding = EXCLUDED.embedding"
        f" RETURNING {_COLUMNS}, (xmax = 0) AS created",
        (user_id, day, title, content, tags, vector_literal(embedding)),
    )
    row = cur.fetchone()
    return Diary.model_validate(row), bool(row["created"])


def page(
    cur,
    user_id: str,
    first: dt.date | None,
    last: dt.date | None,
    tag: str | None,
    limit: int,
    after: dt.date | None = None,
) -> list[Diary]:
    """The owner's diaries by day, oldest first, from `first` to `last`, with `tag`, after `after`."""
    cur.execute(
        f"SELECT {_COLUMNS} FROM diaries WHERE user_id = %(user_id)s"
        " AND diary_date BETWEEN %(first)s AND %(last)s AND diary_date > %(after)s"
        " AND (%(tag)s::text IS NULL OR tags @> ARRAY[%(tag)s::text])"
        " ORDER BY diary_date LIMIT %(limit)s",
        {
            "user_id": user_id,
            "first": first or dt.date.min,
            "last": last or dt.date.max,
            "after": after or dt.date.min,
            "tag": tag,
            "limit": limit,
        },
    )
    return [Diary.model_validate(row) for row in cur.fetchall()]


def delete(cur, user_id: str, day: dt.date) -> bool:
    cur.execute("DELETE FROM diaries WHERE user_id = %s AND diary_date = %s", (user_id, day))
    return cur.rowcount == 1


def erase_user(cur, user_id: str) -> int:
    cur.execute("DELETE FROM diaries WHERE user_id = %s", (user_id,))
    return cur.rowcount
