"""SQL for the imports table: POST /me/import of a large document, or of one uploaded to S3, run by
the worker."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from psycopg2.extras import Json

from handler.dal.repository import Repository, one_row


@dataclass(frozen=True)
class StoredImport:
    id: uuid.UUID
    status: str
    s3_key: str
    summary: dict | None
    failure: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


_COLUMNS = "id, status, s3_key, summary, failure, created_at, updated_at"


class Imports(Repository):
    def insert(self, import_id: uuid.UUID, s3_key: str, status: str = "pending") -> StoredImport:
        with self._unit() as cur:
            cur.execute(
                f"INSERT INTO imports (id, user_id, s3_key, status) VALUES (%s, %s, %s, %s) RETURNING {_COLUMNS}",
                (str(import_id), self._user_id, s3_key, status),
            )
            return StoredImport(**one_row(cur))

    def uploaded(self, import_id: uuid.UUID) -> bool:
        """An import awaiting its upload becomes pending; False when it was not awaiting it."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE imports SET status = 'pending', updated_at = now()"
                " WHERE id = %s AND user_id = %s AND status = 'awaiting_upload'",
                (str(import_id), self._user_id),
            )
            return cur.rowcount == 1

    def get(self, import_id: uuid.UUID) -> StoredImport | None:
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM imports WHERE id = %s AND user_id = %s", (str(import_id), self._user_id)
            )
            row = cur.fetchone()
        return None if row is None else StoredImport(**row)

    def claim(self, import_id: uuid.UUID) -> StoredImport | None:
        """Mark a pending (or retried running) import as running; None when it is finished or gone."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE imports SET status = 'running', updated_at = now()"
                f" WHERE id = %s AND user_id = %s AND status IN ('pending', 'running') RETURNING {_COLUMNS}",
                (str(import_id), self._user_id),
            )
            row = cur.fetchone()
        return None if row is None else StoredImport(**row)

    def complete(self, import_id: uuid.UUID, summary: dict) -> None:
        with self._unit() as cur:
            cur.execute(
                "UPDATE imports SET status = 'completed', summary = %s, updated_at = now()"
                " WHERE id = %s AND user_id = %s",
                (Json(summary), str(import_id), self._user_id),
            )

    def fail(self, import_id: uuid.UUID, reason: str) -> None:
        with self._unit() as cur:
            cur.execute(
                "UPDATE imports SET status = 'failed', failure = %s, updated_at = now() WHERE id = %s AND user_id = %s",
                (reason, str(import_id), self._user_id),
            )

    def erase(self) -> int:
        """Every import row of the owner (their documents are the caller's to delete)."""
        with self._unit() as cur:
            cur.execute("DELETE FROM imports WHERE user_id = %s", (self._user_id,))
            return cur.rowcount
