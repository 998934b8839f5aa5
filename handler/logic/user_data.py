"""The caller's data as a whole: taken away (GET /me/export) or erased (DELETE /me).

Both act on the verified caller only; there is no path to anyone else's data.

An export is one JSON document (UserData). An account whose document fits in a response
(EXPORT_INLINE_MAX_BYTES) gets it at once; a larger one gets an export to poll, which the worker
writes to the bucket under the user's own prefix, tagged so that the stack's lifecycle rule
deletes it after EXPORT_RETENTION_DAYS.

An erasure deletes every S3 object of the user (every version, under the user's prefix) and then
every row of the user in every table, in one transaction. Each step is safe to repeat: a worker
cut off half way leaves the message to be delivered again, and the next attempt finishes the job.
Nothing records that an erasure happened, since that record would itself keep the user's id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from aws_lambda_powertools import Logger

from handler.aws import job_queue, object_store
from handler.dal import connection
from handler.dal import diaries as diaries_dal
from handler.dal import exports as exports_dal
from handler.dal import idempotency as idempotency_dal
from handler.dal import images as images_dal
from handler.dal import quotas as quotas_dal
from handler.dal import records as records_dal
from handler.dal import reports as reports_dal
from handler.dal.exports import StoredExport
from handler.dal.images import StoredImage
from handler.errors import AwsUnavailable, NotFound
from handler.models import Erasure, Export, Image, UserData
from handler.settings import get_settings

logger = Logger(child=True)

ERASE = "erase"
EXPORT = "export"


def export(user_id: str) -> UserData | Export:
    """The whole document at once, or, for a large account, an export to poll."""
    settings = get_settings()
    with connection.statement(user_id) as cur:
        size = exports_dal.estimated_bytes(cur, user_id)
    if size <= settings.export_inline_max_bytes:
        return document(user_id)
    export_id = uuid.uuid4()
    with connection.statement(user_id) as cur:
        stored = exports_dal.insert(cur, export_id, user_id)
    if not settings.report_queue_url:
        run_export(user_id, export_id, final_attempt=True)
        return get_export(user_id, export_id)
    try:
        job_queue.send(settings.report_queue_url, EXPORT, user_id=user_id, export_id=str(export_id))
    except AwsUnavailable:
        _fail(user_id, export_id, "the export could not be queued; ask again")
        raise
    return _shown(stored)


def get_export(user_id: str, export_id: uuid.UUID) -> Export:
    with connection.statement(user_id) as cur:
        stored = exports_dal.get(cur, user_id, export_id)
    if stored is None:
        raise NotFound("no such export")
    return _shown(stored)


def document(user_id: str) -> UserData:
    """Everything of the user, read in one transaction so that the parts agree with each other."""
    with connection.transaction(user_id) as cur:
        records = records_dal.of_user(cur, user_id)
        diaries = diaries_dal.list_between(cur, user_id, dt.date.min, dt.date.max)
        reports = reports_dal.of_user(cur, user_id)
        images = images_dal.of_user(cur, user_id)
    return UserData(
        exported_at=dt.datetime.now(dt.UTC),
        records=records,
        diaries=diaries,
        reports=reports,
        images=[_image(i) for i in images],
    )


def _image(stored: StoredImage) -> Image:
    signed = object_store.presigned_url(stored.s3_key)
    return Image(**dataclasses.asdict(stored), url=signed.url, url_expires_at=signed.expires_at, model_calls=0)


def run_export(user_id: str, export_id: uuid.UUID, final_attempt: bool) -> None:
    """The worker's job: a fault raises, so the queue delivers the message again, but on the final
    delivery the export fails with the reason instead of staying running."""
    with connection.statement(user_id) as cur:
        if not exports_dal.claim(cur, user_id, export_id):
            return  # finished by an earlier delivery, or erased with its user
    try:
        key = object_store.export_key_for(user_id, export_id)
        object_store.put_export(key, document(user_id).model_dump_json().encode())
        with connection.statement(user_id) as cur:
            completed = exports_dal.complete(cur, user_id, export_id, key)
        if not completed:  # the user was erased while it was being written: so is the document
            object_store.delete_everything(key)
    except Exception:
        if not final_attempt:
            raise
        logger.exception("export failed on its final delivery", extra={"export_id": str(export_id)})
        _fail(user_id, export_id, "the export could not be written; ask again")


def request_erasure(user_id: str) -> Erasure:
    settings = get_settings()
    if not settings.report_queue_url:
        erase(user_id)
        return Erasure(status="erased")
    job_queue.send(settings.report_queue_url, ERASE, user_id=user_id)
    return Erasure(status="erasing")


def erase(user_id: str) -> dict[str, int]:
    """Every object and row of the user; how many of each went. The objects first: while any is
    left, the rows that name them are still there, and a repeated run deletes both."""
    erased = {"objects": object_store.delete_everything(object_store.prefix_for(user_id)) if _has_bucket() else 0}
    with connection.transaction(user_id) as cur:
        erased["images"] = images_dal.erase_user(cur, user_id)
        erased["diaries"] = diaries_dal.erase_user(cur, user_id)
        erased["records"] = records_dal.erase_user(cur, user_id)
        erased["reports"] = reports_dal.erase_user(cur, user_id)
        erased["exports"] = exports_dal.erase_user(cur, user_id)
        erased["usage_days"] = quotas_dal.erase_user(cur, user_id)
    # Remembered responses (idempotency) hold the user's words too; that table belongs to no tenant.
    with connection.statement(None) as cur:
        erased["remembered_responses"] = idempotency_dal.erase_owner(cur, user_id)
    logger.info("erased a user's data", extra=erased)
    return erased


def _has_bucket() -> bool:
    # A deployment without a bucket (local runs) has drawn no picture and written no export to erase.
    return bool(get_settings().image_bucket)


def _shown(stored: StoredExport) -> Export:
    retention = dt.timedelta(days=get_settings().export_retention_days)
    expires_at = stored.updated_at + retention if stored.status == "completed" else None
    expired = expires_at is not None and expires_at <= dt.datetime.now(dt.UTC)
    signed = object_store.presigned_url(stored.s3_key) if stored.s3_key and not expired else None
    return Export(
        export_id=stored.id,
        status="expired" if expired else stored.status,
        url=signed and signed.url,
        url_expires_at=signed and signed.expires_at,
        expires_at=expires_at,
        failure=stored.failure,
        created_at=stored.created_at,
        updated_at=stored.updated_at,
    )


def _fail(user_id: str, export_id: uuid.UUID, reason: str) -> None:
    with connection.statement(user_id) as cur:
        exports_dal.fail(cur, user_id, export_id, reason)
