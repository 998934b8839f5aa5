"""SQL for idempotency records, the rows of Powertools' idempotency utility kept in PostgreSQL
(handler.dal.idempotency_layer is the persistence layer that reads and writes them). The insert is
the lock: a second request with the same key meets the first one's row (in progress or completed)
and Powertools answers accordingly.

How long a row lives, as Powertools means it: a row is expired once `expires_at` passes (Powertools'
DataRecord.is_expired), and an expired row is a key never seen (`_put_record` takes it over).
Powertools leaves deleting expired rows to the store (DynamoDB's TTL, Redis' EX); here the worker's
hourly sweep deletes them (`purge_expired`, handler.logic.retention). A row also says which thing
its response describes (`resource`): deleting that thing replaces the response with DELETED
(`forget`), so that a retry is told it is gone instead of being given the deleted words back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handler.dal.repository import Repository

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import DataRecord

_COLUMNS = "id, status, expires_at, in_progress_expires_at, payload_hash, response_data"
# The response a row holds once what it described was deleted: the words are gone, and so is the
# hash of the request's body (payload_hash), which was taken from them.
DELETED = '{"deleted": true}'


def _record(row: dict) -> DataRecord:
    # Imported here: Powertools' idempotency package imports its DynamoDB layer and with it boto3
    # (about a third of the function's init); only a request with an Idempotency-Key reads a row.
    from aws_lambda_powertools.utilities.idempotency.persistence.base import DataRecord

    return DataRecord(
        idempotency_key=row["id"],
        status=row["status"],
        expiry_timestamp=row["expires_at"],
        in_progress_expiry_timestamp=row["in_progress_expires_at"],
        payload_hash=row["payload_hash"],
        response_data=row["response_data"],
    )


class RememberedResponses(Repository):
    """The idempotency_keys rows of who acts (row-level security holds a user to their own)."""

    def get(self, key: str) -> DataRecord | None:
        with self._unit() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM idempotency_keys WHERE id = %s", (key,))
            row = cur.fetchone()
        return None if row is None else _record(row)

    def take(self, record: DataRecord, now_ms: int) -> bool:
        """Write a new row for `record`, or take over one that expired, or an in-progress one whose
        Lambda ran out of time; False when the key is held."""
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO idempotency_keys (id, status, expires_at, in_progress_expires_at, payload_hash, owner)"
                " VALUES (%(id)s, %(status)s, %(expires)s, %(in_progress)s, %(hash)s, %(owner)s)"
                " ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, expires_at = EXCLUDED.expires_at,"
                " in_progress_expires_at = EXCLUDED.in_progress_expires_at,"
                " payload_hash = EXCLUDED.payload_hash, response_data = NULL, owner = EXCLUDED.owner, resource = NULL"
                " WHERE idempotency_keys.expires_at < %(now_s)s OR (idempotency_keys.status = 'INPROGRESS'"
                " AND idempotency_keys.in_progress_expires_at < %(now_ms)s)"
                " RETURNING id",
                {
                    "id": record.idempotency_key,
                    "status": record.status,
                    "expires": record.expiry_timestamp,
                    "in_progress": record.in_progress_expiry_timestamp,
                    "hash": record.payload_hash,
                    "owner": self._user_id,
                    "now_s": now_ms // 1000,
                    "now_ms": now_ms,
                },
            )
            return cur.fetchone() is not None

    def update(self, record: DataRecord, resource: str | None) -> None:
        with self._unit() as cur:
            cur.execute(
                "UPDATE idempotency_keys SET status = %s, expires_at = %s, response_data = %s, payload_hash = %s,"
                " resource = %s WHERE id = %s",
                (
                    record.status,
                    record.expiry_timestamp,
                    record.response_data,
                    record.payload_hash,
                    resource,
                    record.idempotency_key,
                ),
            )

    def delete(self, key: str) -> None:
        with self._unit() as cur:
            cur.execute("DELETE FROM idempotency_keys WHERE id = %s", (key,))

    def forget(self, resource: str) -> int:
        """Replace every remembered response of the owner that describes `resource` with DELETED, in
        the transaction that deletes it (as diary_app: row-level security holds it to the caller)."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE idempotency_keys SET response_data = %s, payload_hash = NULL"
                " WHERE owner = %s AND resource = %s AND status = 'COMPLETED'",
                (DELETED, self._user_id, resource),
            )
            return cur.rowcount

    def erase(self) -> int:
        """Every remembered response of the owner."""
        with self._unit() as cur:
            cur.execute("DELETE FROM idempotency_keys WHERE owner = %s", (self._user_id,))
            return cur.rowcount

    def purge_expired(self, batch: int) -> int:
        """Delete up to `batch` rows whose time is up (as diary_retention, whose policy allows no other)."""
        with self._unit() as cur:
            cur.execute(
                "DELETE FROM idempotency_keys WHERE id IN (SELECT id FROM idempotency_keys"
                " WHERE expires_at < extract(epoch FROM now()) LIMIT %s)",
                (batch,),
            )
            return cur.rowcount


def resource(collection: str, name: object) -> str:
    """How a remembered response names the thing it describes: the thing's path, records/<id>."""
    return f"{collection}/{name}"
