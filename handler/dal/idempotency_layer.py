"""A PostgreSQL persistence layer for Powertools' idempotency utility, over the remembered responses
(handler.dal.idempotency holds their SQL).

Powertools ships DynamoDB and Redis layers; the service already has PostgreSQL, so this one keeps
the records beside the data they protect.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer, DataRecord

from handler.dal.idempotency import DELETED
from handler.dal.store import BoundStore, Store


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
