"""SQL for the images table: which picture was drawn for whom, and where it is stored."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from handler.dal.repository import Repository, one_row


@dataclass(frozen=True)
class StoredImage:
    id: uuid.UUID
    diary_date: dt.date | None
    prompt: str
    s3_key: str
    model: str
    created_at: dt.datetime


_COLUMNS = "id, diary_date, prompt, s3_key, model, created_at"


@dataclass(frozen=True)
class ImageDraft:
    """A picture drawn and put in S3 under `s3_key`: for a day's diary, or for a text (no day)."""

    id: uuid.UUID
    diary_date: dt.date | None
    prompt: str
    s3_key: str
    model: str


class Images(Repository):
    def insert(self, draft: ImageDraft) -> StoredImage:
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO images (id, user_id, diary_date, prompt, s3_key, model) VALUES (%s, %s, %s, %s, %s, %s)"
                f" RETURNING {_COLUMNS}",
                (str(draft.id), self._user_id, draft.diary_date, draft.prompt, draft.s3_key, draft.model),
            )
            return StoredImage(**one_row(cur))

    def page(self, limit: int, after: tuple[dt.datetime, uuid.UUID] | None = None) -> list[StoredImage]:
        """The owner's pictures, newest first, resuming after `after` (created_at, id)."""
        keyset = "AND (created_at, id) < (%s, %s)" if after else ""
        params: tuple = (self._user_id,) + ((after[0], str(after[1])) if after else ())
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM images WHERE user_id = %s {keyset} ORDER BY created_at DESC, id DESC LIMIT %s",
                (*params, limit),
            )
            return [StoredImage(**row) for row in cur.fetchall()]

    def get(self, image_id: uuid.UUID) -> StoredImage | None:
        with self._unit() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM images WHERE id = %s AND user_id = %s", (str(image_id), self._user_id))
            row = cur.fetchone()
        return None if row is None else StoredImage(**row)

    def delete(self, image_id: uuid.UUID) -> str | None:
        """The deleted picture's S3 key, or None when there was none of the owner's."""
        with self._unit() as cur:
            cur.execute(
                "DELETE FROM images WHERE id = %s AND user_id = %s RETURNING s3_key", (str(image_id), self._user_id)
            )
            row = cur.fetchone()
        return None if row is None else row["s3_key"]

    def delete_for_day(self, day: dt.date) -> list[tuple[uuid.UUID, str]]:
        """Delete the pictures of one day's diary; their ids and S3 keys."""
        with self._unit() as cur:
            cur.execute(
                "DELETE FROM images WHERE user_id = %s AND diary_date = %s RETURNING id, s3_key", (self._user_id, day)
            )
            return [(row["id"], row["s3_key"]) for row in cur.fetchall()]

    def of_user(self) -> list[StoredImage]:
        """Every picture of the owner, oldest first (the export)."""
        with self._unit() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM images WHERE user_id = %s ORDER BY created_at, id", (self._user_id,))
            return [StoredImage(**row) for row in cur.fetchall()]

    def erase(self) -> int:
        """Every picture row of the owner (their S3 objects are the caller's to delete)."""
        with self._unit() as cur:
            cur.execute("DELETE FROM images WHERE user_id = %s", (self._user_id,))
            return cur.rowcount
