"""Photos on records: asked for, uploaded by the client straight to S3, listed with their record,
deleted with it (or alone), exported and erased with the user.

Asking (`ask_upload`) counts the photo in the user's day (handler.logic.quotas), stores it `pending`
and answers a presigned S3 POST whose policy binds the key (under the user's own prefix), the
Content-Type and the exact size: S3 itself refuses any other upload
(https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html).

A pending photo becomes `stored` when the service sees its object: a HEAD when its record is listed
(`with_photos`), while its upload window lasts, and the retention sweep's HEAD after it. Chosen over
an S3 event notification to the worker because it needs nothing more than the bucket the function
reads already (no notification configuration, queue policy or event shape to keep in step), and it
is never behind: a client that uploads and then lists sees its photo stored at once, whereas an
event arrives when it arrives (at least once, possibly late). Only pending photos cost a HEAD, and
a photo is pending for at most PHOTO_UPLOAD_EXPIRY_S.

An upload that never arrives leaves nothing behind: past its window a pending photo is never listed,
and the worker's retention sweep (handler.logic.retention) deletes its row, and every S3 version
under its key in case a late upload raced the sweep. A form cannot be taken back: a pending photo
deleted while its form is still valid (alone, with its record, or with its user) leaves its key
over (photo_leftovers) until the form has expired, and the sweep then deletes whatever that form
uploaded meanwhile.
"""

from __future__ import annotations

import collections
import dataclasses
import uuid

from aws_lambda_powertools import Logger

from handler.aws import object_store
from handler.composition import Caller, Services
from handler.dal.photos import PhotoDraft, StoredPhoto
from handler.dal.store import BoundStore, Tables
from handler.errors import AwsUnavailable, Conflict, NotFound, Unprocessable
from handler.logic import quotas
from handler.models import Photo, PhotoUpload, PresignedForm, Record

logger = Logger(child=True)


def ask_upload(caller: Caller, record_id: uuid.UUID, content_type: str, size_bytes: int) -> PhotoUpload:
    """A pending photo on one of the caller's records, and the form that uploads it."""
    settings = caller.settings
    if size_bytes > settings.photo_max_bytes:
        raise Unprocessable(f"a photo is at most {settings.photo_max_bytes} bytes", code="photo_too_large")
    photo_id = uuid.uuid4()
    key = object_store.photo_key_for(caller.user_id, record_id, photo_id, content_type)
    # Signed first (no round trip): the row keeps the policy's own expiration, which the sweep goes by.
    post = object_store.of(caller.services).presigned_post(
        key, content_type, size_bytes, settings.photo_upload_expiry_s
    )
    draft = PhotoDraft(photo_id, record_id, key, content_type, size_bytes, post.expires_at)
    with caller.store.transaction() as tx:
        quotas.admit_photo(caller, tx.quotas, size_bytes)
        admission = tx.photos.insert(draft, settings.photos_per_record)
        if not admission.found:
            raise NotFound("no such record")
        if admission.photo is None:
            raise Conflict(f"a record holds at most {settings.photos_per_record} photos", code="too_many_photos")
    return PhotoUpload(
        photo=_shown(caller, admission.photo),
        upload=PresignedForm(url=post.url, fields=post.fields, expires_at=post.expires_at),
    )


def with_photos(caller: Caller, records: list[Record]) -> list[Record]:
    """The records, each with its photos (one statement for all of them; a HEAD per pending photo)."""
    if not records or not caller.settings.image_bucket:
        return records  # no bucket, no photo was ever asked for
    found = _arrived(caller, caller.store.photos.of_records([r.id for r in records]))
    by_record: dict[uuid.UUID, list[Photo]] = collections.defaultdict(list)
    for stored in found:
        by_record[stored.record_id].append(_shown(caller, stored))
    return [r.model_copy(update={"photos": by_record[r.id]}) if r.id in by_record else r for r in records]


def delete_photo(caller: Caller, record_id: uuid.UUID, photo_id: uuid.UUID) -> None:
    """One photo: its row and every S3 version of its object, in one go (S3 fails: nothing deleted)."""
    with caller.store.transaction() as tx:
        key = tx.photos.delete(record_id, photo_id)
        if key is None:
            raise NotFound("no such photo")
        object_store.of(caller.services).delete_everything(key)


def delete_with_record(caller: Caller, tx: Tables, record_id: uuid.UUID) -> None:
    """Inside the transaction that deletes a record: its photos, rows and every S3 version of their
    objects. S3 fails: the transaction, record included, is undone."""
    if not caller.settings.image_bucket:
        return  # no bucket, no photo was ever asked for
    for key in tx.photos.delete_of_record(record_id):
        object_store.of(caller.services).delete_everything(key)


def purge_abandoned(services: Services, store: BoundStore, limit: int) -> int:
    """The retention sweep's: pending photos past their upload window (as diary_retention, which sees
    only those). One whose object arrived after all is kept, stored; the others' rows are deleted,
    with any object under their keys, inside the transaction (S3 fails: nothing is deleted). How
    many were looked at."""
    with store.transaction() as tx:
        abandoned = tx.photos.abandoned(limit)
        objects = object_store.of(services)
        arrived = [photo_id for photo_id, key in abandoned if objects.exists(key)]
        gone = [(photo_id, key) for photo_id, key in abandoned if photo_id not in arrived]
        for _, key in gone:
            objects.delete_everything(key)
        tx.photos.settle_abandoned(arrived, [photo_id for photo_id, _ in gone])
    return len(abandoned)


def purge_leftovers(services: Services, store: BoundStore, limit: int) -> int:
    """The retention sweep's: every S3 version under the keys of photos deleted while their forms were
    valid, now that they have expired, then the keys; how many."""
    with store.transaction() as tx:
        keys = tx.photos.due_leftovers(limit)
        for key in keys:
            object_store.of(services).delete_everything(key)
        tx.photos.forget_leftovers(keys)
    return len(keys)


def _arrived(caller: Caller, photos: list[StoredPhoto]) -> list[StoredPhoto]:
    """The photos, those pending whose objects are in the bucket now marked stored. A HEAD that fails
    leaves its photo pending for now (the list is still answered)."""
    objects = object_store.of(caller.services)
    arrived: set[uuid.UUID] = set()
    for photo in photos:
        if photo.status != "pending":
            continue
        try:
            if objects.exists(photo.s3_key):
                arrived.add(photo.id)
        except AwsUnavailable:
            logger.warning("a pending photo could not be checked; it stays pending for now", exc_info=True)
    if arrived:
        caller.store.photos.mark_stored(sorted(arrived))
    return [dataclasses.replace(p, status="stored") if p.id in arrived else p for p in photos]


def _shown(caller: Caller, stored: StoredPhoto) -> Photo:
    signed = object_store.of(caller.services).presigned_url(stored.s3_key) if stored.status == "stored" else None
    return Photo(
        id=stored.id,
        record_id=stored.record_id,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        status=stored.status,
        url=signed and signed.url,
        url_expires_at=signed and signed.expires_at,
        created_at=stored.created_at,
    )
