"""POST /diaries, GET /diaries/{date}."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from handler.api.errors import READ_FAILURES, WRITE_FAILURES, documented
from handler.api.idempotency import idempotent
from handler.api.identity import Caller
from handler.api.schemas import NewDiary
from handler.logic import diaries
from handler.models import Diary, IsoDate

router = Router()


@router.post(
    "/diaries",
    summary="Write (or rewrite) the diary of a day from its records",
    responses=documented(201, "The diary, as stored", *WRITE_FAILURES),
    middlewares=[idempotent],
)
def create_diary(body: NewDiary, user_id: Caller) -> Response[Diary]:
    diary = diaries.write_diary(user_id, body.date, body.temperature)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=diary)


@router.get(
    "/diaries/<date>", summary="The diary of a day", responses=documented(200, "The diary", 404, *READ_FAILURES)
)
def get_diary(date: Annotated[IsoDate, Path()], user_id: Caller) -> Diary:
    return diaries.get_diary(user_id, date)
