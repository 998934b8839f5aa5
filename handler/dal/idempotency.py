"""SQL for idempotency records: a PostgreSQL persistence layer for Powertools' idempotency utility.

Powertools ships DynamoDB and Redis layers; the service already has PostgreSQL, so this one keeps
the records beside the data they protect. The insert is the lock: a second request with the same
key meets the first one's row (in progress or completed) and Powertools answers accordingly.

How long a row lives, as Powertools means it: a row is expired once `expires_at` passes (Powertools'
DataRecord.is_expired), and an expired row is a key never seen (`_put_record` takes it over).
Powertools leaves deleting expired rows to the store (DynamoDB's TTL, Redis' EX); here the worker's
hourly sweep deletes them (`purge_expired`, handler.logic.retention). A row also says which thing
its response describes (`resource`): deleting that thing replaces the response with DELETED
(`forget`), so that a retry is told it is gone instead of being given the deleted words back.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer, DataRecord

from handler.dal.repository import Repository

if TYPE_CHECKING:
    from handler.dal.store import BoundStore, Store

_COLUMNS = "id, status, expires_at, in_progress_expires_at, payload_hash, response_data"
# The response a row holds once what it described was deleted: the words are gone, and so is the
# hash of the request's body (payload_hash), which was taken from them.
DELETED = '{"deleted": true}'


def _record(row: dict) -> DataRecord:
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


class PostgresPersistenceLayer(BasePersistenceLayer):
    # Whose response the row being written will hold, so that DELETE /me can erase it: the caller of
    # the request in progress (a container runs one at a time), taken from the idempotent payload.
    # Every statement acts for that caller: row-level security (0009_retention.sql) holds the layer
    # to the caller's own rows, as it holds the rest of the function.
    _owner: str | None = None
    # What the response being saved describes (handler.api.idempotency puts it in the result).
    _resource: str | None = None

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store

    def save_inprogress(self, data: dict[str, Any], remaining_time_in_millis: int | None = None) -> None:
        self._owner = data.get("user") if isinstance(data, dict) else None
        super().save_inprogress(data, remaining_time_in_millis)

    def save_success(self, data: dict[str, Any], result: dict) -> None:
        self._resource = result.get("resource") if isinstance(result, dict) else None
        super().save_success(data, result)

    def _acting(self) -> BoundStore:
        return self._store.for_user(self._owner) if self._owner else self._store.as_service()

    def _get_record(self, idempotency_key: str) -> DataRecord:
        found = self._acting().remembered.get(idempotency_key)
        if found is None:
            raise IdempotencyItemNotFoundError
        return found

    def _put_record(self, data_record: DataRecord) -> None:
        with self._acting().transaction() as tx:
            taken = tx.remembered.take(data_record, now_ms=int(time.time() * 1000))
            old = None if taken else tx.remembered.get(data_record.idempotency_key)
        if not taken:
            if old is not None and old.response_data != DELETED:
                # As Powertools' own DynamoDB layer does: the same key with another body is refused.
                # A forgotten response kept no hash to compare with: any retry is told it is gone.
                self._validate_payload(data_payload=data_record, stored_data_record=old)
            raise IdempotencyItemAlreadyExistsError(old_data_record=old)

    def _update_record(self, data_record: DataRecord) -> None:
        self._acting().remembered.update(data_record, self._resource)

    def _delete_record(self, data_record: DataRecord) -> None:
        self._acting().remembered.delete(data_record.idempotency_key)
