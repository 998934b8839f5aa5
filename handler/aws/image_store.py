"""Images in S3: one object per picture under the owner's own prefix, shared by presigned GET URLs."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from handler.aws import client
from handler.errors import AwsUnavailable, NotConfigured
from handler.settings import get_settings


def key_for(user_id: str, image_id: uuid.UUID) -> str:
    # Quoted so that no user id can reach into another user's prefix ("a/b" is not under "a/").
    return f"users/{quote(user_id, safe='')}/images/{image_id}.png"


def _bucket() -> str:
    bucket = get_settings().image_bucket
    if not bucket:
        raise NotConfigured("image storage is not configured (IMAGE_BUCKET)")
    return bucket


def put_png(key: str, png: bytes) -> None:
    try:
        client("s3").put_object(Bucket=_bucket(), Key=key, Body=png, ContentType="image/png")
    except (BotoCoreError, ClientError) as exc:
        raise AwsUnavailable("image storage failed; retry later") from exc


def presigned_url(key: str) -> str:
    try:
        return client("s3").generate_presigned_url(
            "get_object", Params={"Bucket": _bucket(), "Key": key}, ExpiresIn=get_settings().image_url_expiry_s
        )
    except (BotoCoreError, ClientError) as exc:
        raise AwsUnavailable("image storage failed; retry later") from exc
