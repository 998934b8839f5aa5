"""POST /images, GET /images, GET and DELETE /images/{id}."""

import uuid
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from handler.api.errors import LIMITED_FAILURES, READ_FAILURES, documented, links_to
from handler.api.idempotency import idempotent
from handler.api.identity import Caller
from handler.api.limits import limited
from handler.api.schemas import NewImage
from handler.logic import images
from handler.models import Image, ImagePage

router = Router()

DEFAULT_PAGE = 20
MAX_PAGE = 100


@router.post(
    "/images",
    summary="Draw a picture for a diary (`date`) or a text",
    responses=documented(
        201,
        "The picture: a presigned URL and the prompt it was drawn from",
        *LIMITED_FAILURES,
        links=links_to("/images/{image_id}", ("GET", "DELETE"), "image_id", "/id"),
    ),
    middlewares=[idempotent, limited],
)
def create_image(body: NewImage, caller: Caller) -> Response[Image]:
    image = images.create_image(caller, body.date, body.text)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=image)


@router.get(
    "/images",
    summary="The caller's pictures, newest first, each with a fresh presigned URL",
    responses=documented(200, "A page of pictures and the cursor of the next", 422, *READ_FAILURES),
)
def list_images(
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ImagePage:
    return images.list_images(caller, limit, cursor)


@router.get(
    "/images/<image_id>",
    summary="One of the caller's pictures, with a fresh presigned URL",
    responses=documented(200, "The picture", 404, *READ_FAILURES),
)
def get_image(image_id: Annotated[uuid.UUID, Path()], caller: Caller) -> Image:
    return images.get_image(caller, image_id)


@router.delete(
    "/images/<image_id>",
    summary="Delete one of the caller's pictures, every stored version of it included",
    responses=documented(204, "Deleted; no body", 404, *READ_FAILURES),
)
def delete_image(image_id: Annotated[uuid.UUID, Path()], caller: Caller) -> Response[None]:
    images.delete_image(caller, image_id)
    return Response(status_code=204, content_type=None, body=None)
