"""SQL for the images table: which picture was drawn for whom, and where it is stored."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

Row = dict[str, Any]


def insert(
    cur, image_id: uuid.UUID, user_id: str, diary_date: dt.date | None, prompt: str, s3_key: str, model: str
) -> Row:
    cur.execute(
        "INSERT INTO images (id, user_id, diary_date, prompt, s3_key, model) VALUES (%s, %s, %s, %s, %s, %s)"
        " RETURNING id, diary_date, prompt, s3_key, model, created_at",
        (str(image_id), user_id, diary_date, prompt, s3_key, model),
    )
    return cur.fetchone()
