"""The user's objects in S3, under the owner's own prefix: pictures, photos, and exports of their data.

Shared by presigned GET URLs. Photos are uploaded by the client itself, with a presigned POST whose
policy S3 enforces (`presigned_post`). The bucket is versioned (a mistaken overwrite can be undone), so a
delete here removes every version of the object and its delete markers: when a user deletes a
picture, or erases their account, nothing of it stays behind in the bucket's history.

`of(services)`: the object store of the function's Services (handler.composition), from its clients
and settings (IMAGE_BUCKET, IMAGE_URL_EXPIRY_S).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from handler.aws import Clients
from handler.errors import AwsUnavailable, NotConfigured
from handler.settings import Settings

if TYPE_CHECKING:
    from handler.composition import Services

# S3's DeleteObjects takes at most 1,000 keys a call.
_DELETE_BATCH = 1000


def prefix_for(user_id: str) -> str:
    # Quoted so that no user id can reach into another user's prefix ("a/b" is not under "a/").
    return f"users/{quote(user_id, safe='')}/"


def key_for(user_id: str, image_id: uuid.UUID) -> str:
    return f"{prefix_for(user_id)}images/{image_id}.png"


# A photo's key ends in its type's usual extension, so that a downloaded file opens as what it is.
PHOTO_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/heic": ".heic", "image/webp": ".webp"}


def photo_key_for(user_id: str, record_id: uuid.UUID, photo_id: uuid.UUID, content_type: str) -> str:
    return f"{prefix_for(user_id)}photos/{record_id}/{photo_id}{PHOTO_EXTENSIONS[content_type]}"


def voice_note_prefix_for(user_id: str, note_id: uuid.UUID) -> str:
    """Everything of one voice note: its audio and Transcribe's transcript of it."""
    return f"{prefix_for(user_id)}voice-notes/{note_id}/"


def voice_note_key_for(user_id: str, note_id: uuid.UUID) -> str:
    return f"{voice_note_prefix_for(user_id, note_id)}audio"


def transcript_key_for(user_id: str, note_id: uuid.UUID) -> str:
    return f"{voice_note_prefix_for(user_id, note_id)}transcript.json"


def export_key_for(user_id: str, export_id: uuid.UUID) -> str:
    return f"{prefix_for(user_id)}exports/{export_id}.json"


def import_key_for(user_id: str, import_id: uuid.UUID) -> str:
    return f"{prefix_for(user_id)}imports/{import_id}.json"


# Exports carry this tag: the stack's lifecycle rule expires them after EXPORT_RETENTION_DAYS, a
# backstop to the retention sweep, which deletes them with their rows (handler.logic.retention).
EXPORT_TAG = "kind=export"


# The tag of an export as a POST policy's `tagging` field spells it (an XML tag set).
_TAGGING = "<Tagging><TagSet><Tag><Key>kind</Key><Value>export</Value></Tag></TagSet></Tagging>"


@dataclasses.dataclass(frozen=True)
class PresignedUpload:
    url: str
    # The form fields to send with the file (the file last), as S3's POST Object takes them.
    fields: dict[str, str]
    # When the policy stops taking the upload (the credentials' expiry not counted, see PresignedUrl).
    expires_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class PresignedUrl:
    url: str
    # When the URL stops working: IMAGE_URL_EXPIRY_S after it was signed at the latest, sooner when
    # the credentials that signed it expire first (handler.aws.credentials_expiry).
    expires_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class PresignedPost:
    """An HTML form POST to S3: `url`, and the `fields` to send before the file (the policy, its
    signature, the key and the Content-Type). `expires_at`: the policy's expiration."""

    url: str
    fields: dict[str, str]
    expires_at: dt.datetime


# The policy's own format for its expiration (botocore.auth.ISO8601).
_POLICY_TIME = "%Y-%m-%dT%H:%M:%SZ"


class ObjectStore:
    def __init__(self, clients: Clients, settings: Settings) -> None:
        self._clients = clients
        self._bucket_name = settings.image_bucket
        self._url_expiry_s = settings.image_url_expiry_s

    def _bucket(self) -> str:
        if not self._bucket_name:
            raise NotConfigured("image storage is not configured (IMAGE_BUCKET)")
        return self._bucket_name

    def _put(self, key: str, body: bytes, content_type: str, **extra: str) -> None:
        try:
            s3 = self._clients.client("s3")
            s3.put_object(Bucket=self._bucket(), Key=key, Body=body, ContentType=content_type, **extra)
        except (BotoCoreError, ClientError) as exc:
            raise AwsUnavailable("image storage failed; retry later") from exc

    def put_png(self, key: str, png: bytes) -> None:
        self._put(key, png, "image/png")

    def put_export(self, key: str, document: bytes) -> None:
        self._put(key, document, "application/json", Tagging=EXPORT_TAG)

    def put_import(self, key: str, document: bytes) -> None:
        """A document to import (POST /me/import), kept until the worker has imported it. Tagged as an
        export is: the same lifecycle rule expires one a failed job left behind."""
        self._put(key, document, "application/json", Tagging=EXPORT_TAG)

    def read(self, key: str) -> bytes:
        """An object's bytes (a document to import, a transcript Transcribe wrote)."""
        try:
            return self._clients.client("s3").get_object(Bucket=self._bucket(), Key=key)["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise AwsUnavailable("storage failed; retry later") from exc

    def _expires_in(self, now: dt.datetime) -> tuple[int, dt.datetime | None]:
        """IMAGE_URL_EXPIRY_S, or less when the signing credentials expire first; and their expiry."""
        expiry = self._clients.credentials_expiry(now)
        expires_in = self._url_expiry_s
        if expiry is not None:
            expires_in = max(1, min(expires_in, int((expiry - now).total_seconds())))
        return expires_in, expiry

    def presigned_upload(self, key: str, content_type: str, max_bytes: int) -> PresignedUpload:
        """An S3 POST policy for one object at `key`: that content type, 1 to `max_bytes` bytes, tagged
        as an export is (the lifecycle rule expires what is left; the form's `tagging` field,
        https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html), until the policy expires
        (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html)."""
        bucket = self._bucket()
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        fields = {"Content-Type": content_type, "tagging": _TAGGING}
        conditions: list = [
            ["content-length-range", 1, max_bytes],
            {"Content-Type": content_type},
            {"tagging": _TAGGING},
        ]
        try:
            s3 = self._clients.client("s3")
            expires_in, expiry = self._expires_in(now)
            post = s3.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in)
        except (BotoCoreError, ClientError) as exc:
            raise AwsUnavailable("image storage failed; retry later") from exc
        until = now + dt.timedelta(seconds=expires_in)
        return PresignedUpload(post["url"], post["fields"], until if expiry is None else min(until, expiry))

    def size(self, key: str) -> int | None:
        """The object's size in bytes; None when there is none."""
        try:
            return int(self._clients.client("s3").head_object(Bucket=self._bucket(), Key=key)["ContentLength"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise AwsUnavailable("image storage failed; retry later") from exc
        except BotoCoreError as exc:
            raise AwsUnavailable("image storage failed; retry later") from exc

    def presigned_url(self, key: str) -> PresignedUrl:
        bucket = self._bucket()
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        try:
            s3 = self._clients.client("s3")
            expires_in, expiry = self._expires_in(now)
            url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in)
        except (BotoCoreError, ClientError) as exc:
            raise AwsUnavailable("image storage failed; retry later") from exc
        # The URL's window starts at its X-Amz-Date, the signing time, which can be a second after `now`.
        signed_at = dt.datetime.strptime(parse_qs(urlsplit(url).query)["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
        works_until = signed_at.replace(tzinfo=dt.UTC) + dt.timedelta(seconds=expires_in)
        return PresignedUrl(url, works_until if expiry is None else min(works_until, expiry))

    def presigned_post(self, key: str, content_type: str, size_bytes: int, expires_in_s: int) -> PresignedPost:
        """A form upload of exactly one object: `key`, of `content_type`, of exactly `size_bytes`
        bytes, before `expires_in_s` seconds (sooner when the signing credentials expire first).
        S3 itself enforces the policy's conditions: a form whose file is larger or smaller, of another
        type, or for another key is refused with 403 before anything is stored
        (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html). Signed
        here: no S3 round trip."""
        bucket = self._bucket()
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        try:
            s3 = self._clients.client("s3")
            expiry = self._clients.credentials_expiry(now)
            if expiry is not None:
                expires_in_s = max(1, min(expires_in_s, int((expiry - now).total_seconds())))
            post = s3.generate_presigned_post(
                bucket,
                key,
                Fields={"Content-Type": content_type},
                Conditions=[{"Content-Type": content_type}, ["content-length-range", size_bytes, size_bytes]],
                ExpiresIn=expires_in_s,
            )
        except (BotoCoreError, ClientError) as exc:
            raise AwsUnavailable("photo storage failed; retry later") from exc
        policy = json.loads(base64.b64decode(post["fields"]["policy"]))
        expires_at = dt.datetime.strptime(policy["expiration"], _POLICY_TIME).replace(tzinfo=dt.UTC)
        return PresignedPost(post["url"], dict(post["fields"]), expires_at)

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key` (a HEAD: no body is read)."""
        try:
            self._clients.client("s3").head_object(Bucket=self._bucket(), Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise AwsUnavailable("photo storage failed; retry later") from exc
        except BotoCoreError as exc:
            raise AwsUnavailable("photo storage failed; retry later") from exc
        return True

    def delete_everything(self, prefix: str) -> int:
        """Delete every version and delete marker of every object whose key starts with `prefix` (one
        object's key, or a user's whole prefix: it ends in "/", so "users/a/" never reaches "users/ab/");
        how many were deleted. Safe to run again."""
        s3, bucket, deleted = self._clients.client("s3"), self._bucket(), 0
        try:
            pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix)
            versions = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for page in pages
                for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            for start in range(0, len(versions), _DELETE_BATCH):
                batch = versions[start : start + _DELETE_BATCH]
                answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
                if answer.get("Errors"):
                    raise AwsUnavailable("image storage failed to delete; retry later")
                deleted += len(batch)
        except (BotoCoreError, ClientError) as exc:
            raise AwsUnavailable("image storage failed; retry later") from exc
        return deleted


def of(services: Services) -> ObjectStore:
    """Made where it is used rather than held by Services: a function that never touches S3 (the
    embedding backfill) reaches no S3 call through its Services (tests/support/aws_calls.py)."""
    return ObjectStore(services.aws, services.settings)
