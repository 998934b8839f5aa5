"""POST /records/{id}/photos (a presigned upload) and DELETE /records/{id}/photos/{photo_id}."""

import uuid
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from handler.api.errors import READ_FAILURES, WRITE_FAILURES, documented
from handler.api.idempotency import idempotent
from handler.api.identity import Caller
from handler.api.schemas import NewPhoto
from handler.logic import photos
from handler.models import PhotoUpload

router = Router()


@router.post(
    "/records/<record_id>/photos",
    summary="Put a photo on one of the caller's records: a presigned S3 upload for it",
    description="Answers a pending photo and an HTML form upload (POST `upload.url` as multipart/form-data with "
    "every one of `upload.fields`, then the file as `file`, last) that S3 accepts only for this photo's key, "
    "with exactly the `content_type` and `size_bytes` asked for, until `upload.expires_at`. The photo is listed "
    "with its record (GET /records) as `pending`, then `stored` once its upload is seen; one never uploaded "
    "is not listed after `upload.expires_at` and is deleted. 404 for a record that is not the caller's; 409 "
    "`too_many_photos` past PHOTOS_PER_RECORD; 422 `photo_too_large` past PHOTO_MAX_BYTES; 429 "
    "`quota_exceeded` (`photos` or `photo_bytes`) past the day's PHOTOS_PER_DAY or PHOTO_BYTES_PER_DAY. "
    "With an `Idempotency-Key`, a retry gets the same photo and form, counted once.",
    responses=documented(201, "The pending photo and its upload form", 404, 429, *WRITE_FAILURES),
    middlewares=[idempotent],
)
def ask_photo_upload(record_id: Annotated[uuid.UUID, Path()], body: NewPhoto, caller: Caller) -> Response[PhotoUpload]:
    upload = photos.ask_upload(caller, record_id, body.content_type, body.size_bytes)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=upload)


@router.delete(
    "/records/<record_id>/photos/<photo_id>",
    summary="Delete one photo of one of the caller's records (every stored version of it)",
    responses=documented(204, "Deleted; no body", 404, *READ_FAILURES),
)
def delete_photo(
    record_id: Annotated[uuid.UUID, Path()], photo_id: Annotated[uuid.UUID, Path()], caller: Caller
) -> Response[None]:
    photos.delete_photo(caller, record_id, photo_id)
    return Response(status_code=204, content_type=None, body=None)
