"""The caller's data as a whole: taken away (GET /me/export) or erased (DELETE /me).

Both act on the verified caller only; there is no path to anyone else's data.

An export is one JSON document (UserData), which names its format and version: POST /me/import
(handler.logic.data_import) reads it back. An account whose document fits in a response
(EXPORT_INLINE_MAX_BYTES) gets it at once; a larger one gets an export to poll, which the worker
writes to the bucket under the user's own prefix. The worker's retention sweep deletes an export,
row and document together, EXPORT_RETENTION_DAYS after its last change (handler.logic.retention);
the document is tagged so that the stack's lifecycle rule expires it after as many days as well.

An erasure (asked for, queued and proved in handler.logic.erasure) deletes every S3 object of the
user (every version, under the user's prefix) and then every row of the user in every table, in
one transaction. Each step is safe to repeat: a worker cut off half way leaves the job to be run
again, and the next attempt finishes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from handler.aws import object_store
from handler.composition import Caller
from handler.dal.exports import StoredExport
from handler.dal.images import StoredImage
from handler.errors import NotFound
from handler.logic import jobs, records, voice_notes
from handler.models import Export, Image, UserData

EXPORT = "export"
LOST = "the export was not written while its job could wait on the queue; ask again"


def export(caller: Caller) -> UserData | Export:
    """The whole document at once, or, for a large account, an export to poll."""
    settings = caller.settings
    size = caller.store.exports.estimated_bytes()
    if size <= settings.export_inline_max_bytes:
        return document(caller)
    export_id = uuid.uuid4()
    stored = caller.store.exports.insert(export_id)
    queued = jobs.submit(
        caller.services.aws,
        settings.job_queue_url,
        EXPORT,
        lambda last_try: run_export(caller, export_id, last_try),
        unqueued=lambda: _fail(caller, export_id, "the export could not be queued; ask again"),
        user_id=caller.user_id,
        export_id=str(export_id),
    )
    return _shown(caller, stored) if queued else get_export(caller, export_id)


def get_export(caller: Caller, export_id: uuid.UUID) -> Export:
    stored = caller.store.exports.get(export_id)
    if stored is None:
        raise NotFound("no such export")
    return _shown(caller, stored)


def document(caller: Caller) -> UserData:
    """Everything of the user, read in one transaction so that the parts agree with each other."""
    with caller.store.transaction() as tx:
        stored_records = tx.records.of_user()
        diaries = tx.diaries.list_between(dt.date.min, dt.date.max)
        reports = tx.reports.of_user()
        images = tx.images.of_user()
        notes = tx.voice_notes.of_user()
    return UserData(
        exported_at=dt.datetime.now(dt.UTC),
        # Each with its photos' metadata and fresh URLs, and its recording's, as GET /records shows them.
        records=records.attached(caller, stored_records),
        diaries=diaries,
        reports=reports,
        images=[_image(caller, i) for i in images],
        voice_notes=[voice_notes.shown(n) for n in notes],
    )


def _image(caller: Caller, stored: StoredImage) -> Image:
    signed = object_store.of(caller.services).presigned_url(stored.s3_key)
    return Image(**dataclasses.asdict(stored), url=signed.url, url_expires_at=signed.expires_at, model_calls=0)


def run_export(caller: Caller, export_id: uuid.UUID, last_try: bool) -> None:
    """The export job (handler.logic.jobs): on its last try a fault fails the export with the reason
    instead of leaving it running."""
    if not caller.store.exports.claim(export_id):
        return  # finished by an earlier delivery, or erased with its user

    def write() -> None:
        key = object_store.export_key_for(caller.user_id, export_id)
        object_store.of(caller.services).put_export(key, document(caller).model_dump_json().encode())
        if not caller.store.exports.complete(export_id, key):
            # The user was erased while it was being written: so is the document.
            object_store.of(caller.services).delete_everything(key)

    jobs.attempt(
        write,
        lambda _: _fail(caller, export_id, "the export could not be written; ask again"),
        last_try,
        export_id=str(export_id),
    )


def erase(caller: Caller) -> dict[str, int]:
    """Every object and row of the user; how many of each went. The objects first: while any is
    left, the rows that name them are still there, and a repeated run deletes both."""
    prefix = object_store.prefix_for(caller.user_id)
    erased = {"objects": object_store.of(caller.services).delete_everything(prefix) if _has_bucket(caller) else 0}
    with caller.store.transaction() as tx:
        erased["images"] = tx.images.erase()
        erased["photos"] = tx.photos.erase()
        erased["voice_notes"] = tx.voice_notes.erase()
        erased["diaries"] = tx.diaries.erase()
        erased["records"] = tx.records.erase()
        erased["reports"] = tx.reports.erase()
        erased["exports"] = tx.exports.erase()
        erased["imports"] = tx.imports.erase()
        erased["usage_days"] = tx.quotas.erase()
        erased["day_prompts"] = tx.day_prompts.erase()
        # Remembered responses (idempotency) hold the user's words too.
        erased["remembered_responses"] = tx.remembered.erase()
    return erased


def _has_bucket(caller: Caller) -> bool:
    # A deployment without a bucket (local runs) has drawn no picture and written no export to erase.
    return bool(caller.settings.image_bucket)


def _shown(caller: Caller, stored: StoredExport) -> Export:
    now = dt.datetime.now(dt.UTC)
    retention = dt.timedelta(days=caller.settings.export_retention_days)
    expires_at = stored.updated_at + retention if stored.status == "completed" else None
    expired = expires_at is not None and expires_at <= now
    signed = object_store.of(caller.services).presigned_url(stored.s3_key) if stored.s3_key and not expired else None
    # Unfinished for longer than the queue keeps its message: no worker will ever see it again.
    lost = stored.status in ("pending", "running") and stored.created_at + jobs.QUEUE_RETENTION <= now
    return Export(
        export_id=stored.id,
        status="expired" if expired else "failed" if lost else stored.status,
        url=signed and signed.url,
        url_expires_at=signed and signed.expires_at,
        expires_at=expires_at,
        failure=LOST if lost else stored.failure,
        created_at=stored.created_at,
        updated_at=stored.updated_at,
    )


def _fail(caller: Caller, export_id: uuid.UUID, reason: str) -> None:
    caller.store.exports.fail(export_id, reason)
