"""SQL for the images table: which picture was drawn for whom, and where it is stored."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class StoredImage:
    id: uuid.UUID
    diary_date: dt.date | None
    prompt: str
    s3_key: str
    model: str
    created_at: dt.datetime


_COLUMNS = "id, diary_date, prompt, s3_key, model, created_at"


def insert(
    cur, image_id: uuid.UUID, user_id: str, diary_date: dt.date | None, prompt: str, s3_key: str, model: str
) -> StoredImage:
    cur.execute(
        "INSERT INTO images (id, user_id, diary_date, prompt, s3_key, model) VALUES (%s, %s, %s, %s, %s, %s)"
        f" RETURNING {_COLUMNS}",
        (str(image_id), user_id, diary_date, prompt, s3_key, model),
    )
    return StoredImage(**cur.fetchone())


def page(cur, user_id: str, limit: int, after: tuple[dt.datetime, uuid.UUID] | None = None) -> list[StoredImage]:
    """The owner's pictures, newest first, resuming after `after` (created_at, id)."""
    keyset = "AND (created_at, id) < (%s, %s)" if after else ""
    params: tuple = (user_id,) + ((after[0], str(after[1])) if after else ())
    cur.execute(
        f"SELECT {_COLUMNS} FROM images WHERE user_id = %s {keyset} ORDER BY created_at DESC, id DESC LIMIT %s",
        (*params, limit),
    )
    return [StoredImage(**row) for row in cur.fetchall()]


def get(cur, user_id: str, image_id: uuid.UUID) -> StoredImage | None:
    cur.execute(f"SELECT {_COLUMNS} FROM images WHERE id = %s AND user_id = %s", (str(image_id), user_id))
    row = cur.fetchone()
    return None if row is None else StoredImage(**row)


def delete(cur, user_id: str, image_id: uuid.UUID) -> str | None:
    """The deleted picture's S3 key, or None when there was none of the owner's."""
    cur.execute("DELETE FROM images WHERE id = %s AND user_id = %s RETURNING s3_key", (str(image_id), user_id))
    row = cur.fetchone()
    return None if row is None else row["s3_key"]


def delete_for_day(cur, user_id: str, day: dt.date) -> list[tuple[uuid.UUID, str]]:
    """Delete the pictures of one day's diary; their ids and S3 keys."""
    cur.execute("DELETE FROM images WHERE user_id = %s AND diary_date = %s RETURNING id, s3_key", (user_id, day))
    return [(row["id"], row["s3_key"]) for row in cur.fetchall()]


def of_user(cur, user_id: str) -> list[StoredImage]:
    """Every picture of the owner, oldest first (the export)."""
    cur.execute(f"SELECT {_COLUMNS} FROM images WHERE user_id = %s ORDER BY created_at, id", (user_id,))
    return [StoredImage(**row) for row in cur.fetchall()]


def erase_user(cur, user_id: str) -> int:
    cur.execute("DELETE FROM images WHERE user_id = %s", (user_id,))
    return cur.rowcount
