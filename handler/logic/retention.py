"""What the service keeps only for a while, deleted when its time is up: the worker's hourly sweep.

The stack's schedule puts a `purge_expired` job on the worker's queue every hour (template.yaml,
RetentionSchedule). Each run deletes, acting as diary_retention (migration 0009):

- remembered responses (Idempotency-Key) past their KEY_LIFETIME_S. Powertools treats an expired
  row as never written and leaves deleting it to the store; this is that deletion.
- exports unchanged for EXPORT_RETENTION_DAYS, the row and the document (every S3 version) in one
  go, the objects inside the transaction that deletes the rows: when S3 fails nothing is deleted
  and the next run tries again. The bucket's lifecycle rule (expire-exports) expires the documents
  after the same number of days as well; it stays as the backstop for a document whose row is gone.
- photos asked for and never uploaded: pending past their POST policy's expiration (handler.logic.photos,
  which keeps one whose object did arrive, stored, and deletes the others, row and any object), and
  the keys of photos deleted while their forms were valid, once those have expired (whatever such a
  form uploaded meanwhile is deleted with them).
- voice notes never handed over to Transcribe, a day past their upload window (handler.logic.voice_notes):
  the row and every object under the note's prefix.
- each user's counts of model work (model_usage) of days no limit reads any more (migration 0013).

Work is done in batches while time lasts; what is left waits for the next run.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from handler.aws import object_store
from handler.composition import Services
from handler.dal.store import BoundStore
from handler.deadline import seconds_left
from handler.errors import DeadlineExceeded
from handler.logic import photos, voice_notes

logger = Logger(child=True)

JOB = "purge_expired"
BATCH = 1000
# Fewer exports (and abandoned photos) at a time: each one's object is deleted from S3 inside the transaction.
EXPORT_BATCH = 100
# Time kept back, per batch, for its statements (and an export batch's S3 deletes).
BATCH_MARGIN_S = 10.0


def purge(services: Services) -> dict[str, int]:
    """Delete what has expired, as diary_retention; how many of each went."""
    store = services.store.as_retention()
    done = {
        "remembered_responses": 0,
        "exports": 0,
        "abandoned_photos": 0,
        "photo_leftovers": 0,
        "abandoned_voice_notes": 0,
        "usage_days": 0,
    }
    try:
        while _purge_responses(store, done) == BATCH:
            pass
        while _purge_exports(services, store, done) == EXPORT_BATCH:
            pass
        while _purge_photos(services, store, done) == EXPORT_BATCH:
            pass
        while _purge_photo_leftovers(services, store, done) == EXPORT_BATCH:
            pass
        while _purge_voice_notes(services, store, done) == EXPORT_BATCH:
            pass
        _purge_usage(store, done)
    except DeadlineExceeded:
        logger.info("retention sweep stopped for time; the next run goes on", extra=done)
    logger.info("retention sweep", extra=done)
    return done


def _purge_responses(store: BoundStore, done: dict[str, int]) -> int:
    seconds_left(BATCH_MARGIN_S)
    deleted = store.remembered.purge_expired(BATCH)
    done["remembered_responses"] += deleted
    return deleted


def _purge_voice_notes(services: Services, store: BoundStore, done: dict[str, int]) -> int:
    seconds_left(BATCH_MARGIN_S)
    deleted = voice_notes.purge_abandoned(services, store, EXPORT_BATCH)
    done["abandoned_voice_notes"] += deleted
    return deleted


def _purge_exports(services: Services, store: BoundStore, done: dict[str, int]) -> int:
    seconds_left(BATCH_MARGIN_S)
    settings = services.settings
    with store.transaction() as tx:
        keys = tx.exports.delete_expired(settings.export_retention_days, EXPORT_BATCH)
        for key in keys:
            if key:  # a document was written (an export that failed or never ran has none)
                object_store.of(services).delete_everything(key)
    done["exports"] += len(keys)
    return len(keys)


def _purge_photos(services: Services, store: BoundStore, done: dict[str, int]) -> int:
    seconds_left(BATCH_MARGIN_S)
    if not services.settings.image_bucket:
        return 0  # no bucket, no photo was ever asked for
    looked_at = photos.purge_abandoned(services, store, EXPORT_BATCH)
    done["abandoned_photos"] += looked_at
    return looked_at


def _purge_photo_leftovers(services: Services, store: BoundStore, done: dict[str, int]) -> int:
    seconds_left(BATCH_MARGIN_S)
    if not services.settings.image_bucket:
        return 0
    deleted = photos.purge_leftovers(services, store, EXPORT_BATCH)
    done["photo_leftovers"] += deleted
    return deleted


def _purge_usage(store: BoundStore, done: dict[str, int]) -> None:
    seconds_left(BATCH_MARGIN_S)
    done["usage_days"] += store.quotas.purge_past_days()
