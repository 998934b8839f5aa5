"""SQL for the voice_notes table (migration 0016): recordings a user turns into records."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from handler.dal.repository import Repository, one_row


@dataclass(frozen=True)
class StoredVoiceNote:
    id: uuid.UUID
    s3_key: str
    content_type: str
    size_bytes: int
    record_date: dt.date | None
    status: str
    record_id: uuid.UUID | None
    language_code: str | None
    failure: str | None
    upload_expires_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class VoiceNoteDraft:
    """A note asked for: its audio is to be uploaded under `s3_key` before `upload_expires_at`."""

    id: uuid.UUID
    s3_key: str
    content_type: str
    size_bytes: int
    record_date: dt.date | None
    upload_expires_at: dt.datetime


# How long after an erasure a transcript Transcribe was still writing is waited for (then deleted).
TRANSCRIPT_GRACE = "1 day"
_COLUMNS = (
    "id, s3_key, content_type, size_bytes, record_date, status, record_id, language_code, failure,"
    " upload_expires_at, created_at, updated_at"
)


class VoiceNotes(Repository):
    def insert(self, draft: VoiceNoteDraft) -> StoredVoiceNote:
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO voice_notes"
                " (id, user_id, s3_key, content_type, size_bytes, record_date, upload_expires_at)"
                f" VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
                (
                    str(draft.id),
                    self._user_id,
                    draft.s3_key,
                    draft.content_type,
                    draft.size_bytes,
                    draft.record_date,
                    draft.upload_expires_at,
                ),
            )
            return StoredVoiceNote(**one_row(cur))

    def get(self, note_id: uuid.UUID) -> StoredVoiceNote | None:
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM voice_notes WHERE id = %s AND user_id = %s", (str(note_id), self._user_id)
            )
            row = cur.fetchone()
        return None if row is None else StoredVoiceNote(**row)

    def of_records(self, record_ids: list[uuid.UUID]) -> list[StoredVoiceNote]:
        """The notes these records of the owner were transcribed from."""
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM voice_notes WHERE user_id = %s AND record_id = ANY(%s::uuid[])",
                (self._user_id, [str(i) for i in record_ids]),
            )
            return [StoredVoiceNote(**row) for row in cur.fetchall()]

    def of_user(self) -> list[StoredVoiceNote]:
        """Every note of the owner, oldest first (the export)."""
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM voice_notes WHERE user_id = %s ORDER BY created_at, id", (self._user_id,)
            )
            return [StoredVoiceNote(**row) for row in cur.fetchall()]

    def start_transcribing(self, note_id: uuid.UUID) -> StoredVoiceNote | None:
        """`uploading` to `transcribing`; None when the note is in another state (or not the owner's)."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE voice_notes SET status = 'transcribing', updated_at = now()"
                f" WHERE id = %s AND user_id = %s AND status = 'uploading' RETURNING {_COLUMNS}",
                (str(note_id), self._user_id),
            )
            row = cur.fetchone()
        return None if row is None else StoredVoiceNote(**row)

    def complete(self, note_id: uuid.UUID, record_id: uuid.UUID, language_code: str | None) -> bool:
        """A transcribing note done, with the record made of it; False when it is no longer
        transcribing (done by an earlier delivery, or erased)."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE voice_notes SET status = 'done', record_id = %s, language_code = %s, updated_at = now()"
                " WHERE id = %s AND user_id = %s AND status = 'transcribing'",
                (str(record_id), language_code, str(note_id), self._user_id),
            )
            return cur.rowcount == 1

    def fail(self, note_id: uuid.UUID, reason: str) -> None:
        with self._unit() as cur:
            cur.execute(
                "UPDATE voice_notes SET status = 'failed', failure = %s, updated_at = now()"
                " WHERE id = %s AND user_id = %s AND status IN ('uploading', 'transcribing')",
                (reason, str(note_id), self._user_id),
            )

    def delete_of_record(self, record_id: uuid.UUID) -> list[uuid.UUID]:
        """Delete the note one of the owner's records was made of (before the record: its cascade
        would do it too); the notes' ids."""
        with self._unit() as cur:
            cur.execute(
                "DELETE FROM voice_notes WHERE user_id = %s AND record_id = %s RETURNING id",
                (self._user_id, str(record_id)),
            )
            return [row["id"] for row in cur.fetchall()]

    def erase(self) -> int:
        """Every note row of the owner (their S3 objects are the caller's to delete). What may still
        write under the user's prefix is left over for the sweep, in the photos' table of such keys
        (migration 0015), which deletes whatever arrived and then the key: the audio key of a note
        whose form is still valid (a form cannot be taken back), and the prefix of a note Transcribe
        is working on (it writes its transcript when it finishes), for TRANSCRIPT_GRACE."""
        with self._unit() as cur:
            cur.execute(
                "WITH gone AS (DELETE FROM voice_notes WHERE user_id = %s RETURNING *),"
                " leftover AS (INSERT INTO photo_leftovers (s3_key, user_id, delete_after)"
                " SELECT s3_key, user_id, upload_expires_at FROM gone"
                " WHERE status = 'uploading' AND upload_expires_at > now()"
                " UNION ALL SELECT left(s3_key, length(s3_key) - length('audio')), user_id,"
                " now() + %s::interval FROM gone WHERE status = 'transcribing'"
                " ON CONFLICT (s3_key) DO NOTHING)"
                " SELECT count(*) AS n FROM gone",
                (self._user_id, TRANSCRIPT_GRACE),
            )
            return one_row(cur)["n"]

    # The retention sweep's (as diary_retention, whose policies show it only notes still uploading a
    # day past their upload window).

    def delete_abandoned(self, limit: int) -> list[str]:
        """Delete up to `limit` notes never handed over; their audio keys (objects may have arrived)."""
        with self._unit() as cur:
            cur.execute(
                "DELETE FROM voice_notes WHERE id IN (SELECT id FROM voice_notes WHERE status = 'uploading'"
                " ORDER BY upload_expires_at LIMIT %s) RETURNING s3_key",
                (limit,),
            )
            return [row["s3_key"] for row in cur.fetchall()]
