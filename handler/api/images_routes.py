"""POST /images."""

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from handler.api.errors import WRITE_FAILURES, documented
from handler.api.idempotency import idempotent
from handler.api.identity import Caller
from handler.api.schemas import NewImage
from handler.logic import images
from handler.models import Image

router = Router()


@router.post(
    "/images",
    summary="Draw a picture for a diary (`date`) or a text",
    responses=documented(201, "The picture: a presigned URL and the prompt it was drawn from", *WRITE_FAILURES),
    middlewares=[idempotent],
)
def create_image(body: NewImage, user_id: Caller) -> Response[Image]:
    image = images.create_image(user_id, body.date, body.text)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=image)
