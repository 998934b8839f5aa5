"""SQL for the exports table (GET /me/export of a large account, written to S3 by the worker), and
the one statement that sizes an account's export."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from handler.dal.repository import Repository, one_row

# What a row of each table weighs in the document besides its texts (ids, dates, field names).
_ROW_OVERHEAD_BYTES = 200


@dataclass(frozen=True)
class StoredExport:
    id: uuid.UUID
    status: str
    s3_key: str | None
    failure: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


_COLUMNS = "id, status, s3_key, failure, created_at, updated_at"


class Exports(Repository):
    def estimated_bytes(self) -> int:
        """About how large the owner's export document is: its texts and a little per row."""
        with self._unit() as cur:
            cur.execute(
                "SELECT (SELECT coalesce(sum(octet_length(content) + %(row)s), 0) FROM records WHERE user_id = %(u)s)"
                " + (SELECT coalesce(sum(octet_length(title) + octet_length(content) + %(row)s), 0)"
                " FROM diaries WHERE user_id = %(u)s)"
                " + (SELECT coalesce(sum(octet_length(coalesce(feedback, ''))"
                " + octet_length(coalesce(daily_scores::text, ''))"
                " + octet_length(coalesce(patterns::text, '')) + octet_length(coalesce(feedback_points::text, ''))"
                " + %(row)s), 0) FROM reports WHERE user_id = %(u)s)"
                # An image's presigned URL is about 1.5 kB.
                " + (SELECT coalesce(sum(octet_length(prompt) + 1500 + %(row)s), 0) FROM images WHERE user_id = %(u)s)"
                " AS bytes",
                {"u": self._user_id, "row": _ROW_OVERHEAD_BYTES},
            )
            return int(one_row(cur)["bytes"])

    def insert(self, export_id: uuid.UUID) -> StoredExport:
        with self._unit() as cur:
            cur.execute(
                f"INSERT INTO exports (id, user_id) VALUES (%s, %s) RETURNING {_COLUMNS}",
                (str(export_id), self._user_id),
            )
            return StoredExport(**one_row(cur))

    def get(self, export_id: uuid.UUID) -> StoredExport | None:
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM exports WHERE id = %s AND user_id = %s", (str(export_id), self._user_id)
            )
            row = cur.fetchone()
        return None if row is None else StoredExport(**row)

    def claim(self, export_id: uuid.UUID) -> bool:
        """Mark a pending (or retried running) export as running; False when it is finished or gone."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE exports SET status = 'running', updated_at = now()"
                " WHERE id = %s AND user_id = %s AND status IN ('pending', 'running')",
                (str(export_id), self._user_id),
            )
            return cur.rowcount == 1

    def complete(self, export_id: uuid.UUID, s3_key: str) -> bool:
        """False when the export is gone (its user was erased meanwhile)."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE exports SET status = 'completed', s3_key = %s, updated_at = now()"
                " WHERE id = %s AND user_id = %s",
                (s3_key, str(export_id), self._user_id),
            )
            return cur.rowcount == 1

    def fail(self, export_id: uuid.UUID, reason: str) -> None:
        with self._unit() as cur:
            cur.execute(
                "UPDATE exports SET status = 'failed', failure = %s, updated_at = now() WHERE id = %s AND user_id = %s",
                (reason, str(export_id), self._user_id),
            )

    def delete_expired(self, retention_days: int, batch: int) -> list[str | None]:
        """Delete up to `batch` exports unchanged for `retention_days`, whatever their state (as
        diary_retention, across users); the S3 key of each one's document (None: none was written),
        for the caller to delete before it commits."""
        with self._unit() as cur:
            cur.execute(
                "DELETE FROM exports WHERE id IN (SELECT id FROM exports"
                " WHERE updated_at < now() - make_interval(days => %s) LIMIT %s) RETURNING s3_key",
                (retention_days, batch),
            )
            return [row["s3_key"] for row in cur.fetchall()]

    def erase(self) -> int:
        """Every export row of the owner (their documents are the caller's to delete)."""
        with self._unit() as cur:
            cur.execute("DELETE FROM exports WHERE user_id = %s", (self._user_id,))
            return cur.rowcount
