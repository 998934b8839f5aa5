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


def insert(
    cur, image_id: uuid.UUID, user_id: str, diary_date: dt.date | None, prompt: str, s3_key: str, model: str
) -> StoredImage:
    cur.execute(
        "INSERT INTO images (id, user_id, diary_date, prompt, s3_key, model) VALUES (%s, %s, %s, %s, %s, %s)"
        " RETURNING id, diary_date, prompt, s3_key, model, created_at",
        (str(image_id), user_id, diary_date, prompt, s3_key, model),
    )
    return StoredImage(**cur.fetchone())
