"""SQL for the photos table (migration 0015): the photos a user put on their records."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from handler.dal.repository import Repository, one_row


@dataclass(frozen=True)
class StoredPhoto:
    id: uuid.UUID
    record_id: uuid.UUID
    s3_key: str
    content_type: str
    size_bytes: int
    status: str
    upload_expires_at: dt.datetime
    created_at: dt.datetime


@dataclass(frozen=True)
class PhotoDraft:
    """A photo asked for: its object is to be uploaded under `s3_key` before `upload_expires_at`."""

    id: uuid.UUID
    record_id: uuid.UUID
    s3_key: str
    content_type: str
    size_bytes: int
    upload_expires_at: dt.datetime


@dataclass(frozen=True)
class Admission:
    """What inserting a photo found: the record (`found`), and the photo, None when the record
    already holds `max_per_record` photos (or was not found)."""

    found: bool
    photo: StoredPhoto | None


_COLUMNS = "id, record_id, s3_key, content_type, size_bytes, status, upload_expires_at, created_at"
# What is shown: stored photos, and pending ones whose upload may still arrive.
_LIVE = "(status = 'stored' OR upload_expires_at > now())"
# After a `gone` of deleted photos: the keys of those whose forms may still be used, kept for the
# sweep (migration 0015, photo_leftovers).
_LEAVE_OVER = (
    "leftover AS (INSERT INTO photo_leftovers (s3_key, user_id, delete_after)"
    " SELECT s3_key, user_id, upload_expires_at FROM gone WHERE status = 'pending' AND upload_expires_at > now()"
    " ON CONFLICT (s3_key) DO NOTHING)"
)


class Photos(Repository):
    def insert(self, draft: PhotoDraft, max_per_record: int) -> Admission:
        """Add a pending photo to one of the owner's records, unless the record holds
        `max_per_record` live photos already. Exact under concurrency only when the caller holds
        the user's lock (handler.logic.photos takes it with the day's quota row)."""
        with self._unit() as cur:
            cur.execute(
                "WITH record AS (SELECT id FROM records WHERE id = %(record)s AND user_id = %(user)s),"
                f" held AS (SELECT count(*) AS n FROM photos WHERE record_id = %(record)s AND {_LIVE}),"
                " added AS ("
                " INSERT INTO photos (id, user_id, record_id, s3_key, content_type, size_bytes, upload_expires_at)"
                " SELECT %(id)s, %(user)s, record.id, %(key)s, %(type)s, %(size)s, %(expires)s FROM record, held"
                " WHERE held.n < %(max)s"
                f" RETURNING {_COLUMNS})"
                " SELECT EXISTS (SELECT FROM record) AS found, added.* FROM (SELECT 1) AS one"
                " LEFT JOIN added ON true",
                {
                    "record": str(draft.record_id),
                    "user": self._user_id,
                    "id": str(draft.id),
                    "key": draft.s3_key,
                    "type": draft.content_type,
                    "size": draft.size_bytes,
                    "expires": draft.upload_expires_at,
                    "max": max_per_record,
                },
            )
            row = one_row(cur)
        found = row.pop("found")
        return Admission(found=found, photo=None if row["id"] is None else StoredPhoto(**row))

    def of_records(self, record_ids: list[uuid.UUID]) -> list[StoredPhoto]:
        """The live photos of these records of the owner, oldest first."""
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM photos WHERE user_id = %s AND record_id = ANY(%s::uuid[]) AND {_LIVE}"
                " ORDER BY created_at, id",
                (self._user_id, [str(i) for i in record_ids]),
            )
            return [StoredPhoto(**row) for row in cur.fetchall()]

    def mark_stored(self, photo_ids: list[uuid.UUID]) -> None:
        """Pending photos whose objects were found in the bucket."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE photos SET status = 'stored'"
                " WHERE user_id = %s AND id = ANY(%s::uuid[]) AND status = 'pending'",
                (self._user_id, [str(i) for i in photo_ids]),
            )

    def delete_of_record(self, record_id: uuid.UUID) -> list[str]:
        """Delete the photos of one of the owner's records (before the record: its cascade would do
        it too, without leaving the pending ones over); their keys, pending ones included (their
        objects may have arrived)."""
        with self._unit() as cur:
            cur.execute(
                f"WITH gone AS (DELETE FROM photos WHERE user_id = %s AND record_id = %s RETURNING *), {_LEAVE_OVER}"
                " SELECT s3_key FROM gone",
                (self._user_id, str(record_id)),
            )
            return [row["s3_key"] for row in cur.fetchall()]

    def delete(self, record_id: uuid.UUID, photo_id: uuid.UUID) -> str | None:
        """The deleted photo's S3 key, or None when the owner's record has no such photo."""
        with self._unit() as cur:
            cur.execute(
                "WITH gone AS (DELETE FROM photos WHERE id = %s AND record_id = %s AND user_id = %s RETURNING *),"
                f" {_LEAVE_OVER} SELECT s3_key FROM gone",
                (str(photo_id), str(record_id), self._user_id),
            )
            row = cur.fetchone()
        return None if row is None else row["s3_key"]

    def erase(self) -> int:
        """Every photo row of the owner (their S3 objects are the caller's to delete); the keys of
        those whose forms are still valid are left over for the sweep, which deletes a late upload
        and then the key: for at most PHOTO_UPLOAD_EXPIRY_S, nothing else of the user."""
        with self._unit() as cur:
            cur.execute(
                f"WITH gone AS (DELETE FROM photos WHERE user_id = %s RETURNING *), {_LEAVE_OVER}"
                " SELECT count(*) AS n FROM gone",
                (self._user_id,),
            )
            return one_row(cur)["n"]

    # The retention sweep's (as diary_retention, whose policy shows it only pending photos whose
    # upload window has passed).

    def abandoned(self, limit: int) -> list[tuple[uuid.UUID, str]]:
        """Pending photos past their upload window, locked for this transaction: ids and keys."""
        with self._unit() as cur:
            cur.execute(
                "SELECT id, s3_key FROM photos WHERE status = 'pending' AND upload_expires_at < now()"
                " ORDER BY upload_expires_at LIMIT %s FOR UPDATE SKIP LOCKED",
                (limit,),
            )
            return [(row["id"], row["s3_key"]) for row in cur.fetchall()]

    def due_leftovers(self, limit: int) -> list[str]:
        """Keys of deleted photos whose forms have expired. Not locked (diary_retention may not
        update them): two sweeps at once would only delete the same objects twice."""
        with self._unit() as cur:
            cur.execute(
                "SELECT s3_key FROM photo_leftovers WHERE delete_after < now() ORDER BY delete_after LIMIT %s",
                (limit,),
            )
            return [row["s3_key"] for row in cur.fetchall()]

    def forget_leftovers(self, keys: list[str]) -> None:
        with self._unit() as cur:
            cur.execute("DELETE FROM photo_leftovers WHERE s3_key = ANY(%s)", (keys,))

    def settle_abandoned(self, arrived: list[uuid.UUID], gone: list[uuid.UUID]) -> None:
        """Mark stored those whose objects arrived after all, delete the others. Two statements:
        in a transaction only."""
        with self._unit() as cur:
            cur.execute("UPDATE photos SET status = 'stored' WHERE id = ANY(%s::uuid[])", ([str(i) for i in arrived],))
            cur.execute("DELETE FROM photos WHERE id = ANY(%s::uuid[])", ([str(i) for i in gone],))
