"""POST /diaries, GET /diaries, GET, PUT and DELETE /diaries/{date}."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from handler.api.errors import LIMITED_FAILURES, READ_FAILURES, WRITE_FAILURES, another_success, documented, links_to
from handler.api.idempotency import idempotent
from handler.api.identity import Caller
from handler.api.limits import limited
from handler.api.schemas import DiaryEdit, NewDiary, Tag
from handler.logic import diaries
from handler.models import Diary, DiaryPage, IsoDate

router = Router()

DEFAULT_PAGE = 31
MAX_PAGE = 100


@router.post(
    "/diaries",
    summary="Write (or rewrite) the diary of a day from its records",
    description="A diary the user wrote or edited (PUT) is kept: 409 `diary_edited`, unless `overwrite` is true.",
    responses=documented(201, "The diary, as stored", *LIMITED_FAILURES),
    middlewares=[idempotent, limited],
)
def create_diary(body: NewDiary, caller: Caller) -> Response[Diary]:
    diary = diaries.write_diary(caller, body.date, body.temperature, body.overwrite)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=diary)


@router.get(
    "/diaries",
    summary="The caller's diaries, oldest first, from `from` to `to` (each optional), with `tag`",
    responses=documented(200, "A page of diaries and the cursor of the next", 422, *READ_FAILURES),
)
def list_diaries(
    caller: Caller,
    date_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to")] = None,
    tag: Annotated[Tag | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> DiaryPage:
    return diaries.list_diaries(caller, date_from, date_to, tag, limit, cursor)


@router.get(
    "/diaries/<date>", summary="The diary of a day", responses=documented(200, "The diary", 404, *READ_FAILURES)
)
def get_diary(date: Annotated[IsoDate, Path()], caller: Caller) -> Diary:
    return diaries.get_diary(caller, date)


@router.put(
    "/diaries/<date>",
    summary="The user's own diary of a day: title, content and tags, marked `edited`",
    responses={
        **documented(
            200,
            "Replaced the day's diary",
            404,
            *WRITE_FAILURES,
            links=links_to("/diaries/{date}", ("GET", "DELETE"), "date", "/date"),
        ),
        201: another_success("Created the day's diary", Diary),
    },
    middlewares=[idempotent],
)
def put_diary(date: Annotated[IsoDate, Path()], body: DiaryEdit, caller: Caller) -> Response[Diary]:
    diary, created = diaries.put_diary(caller, date, body.title, body.content, body.tags)
    return Response(status_code=201 if created else 200, content_type=content_types.APPLICATION_JSON, body=diary)


@router.delete(
    "/diaries/<date>",
    summary="Delete the diary of a day, and its pictures",
    responses=documented(204, "Deleted; no body", 404, *READ_FAILURES),
)
def delete_diary(date: Annotated[IsoDate, Path()], caller: Caller) -> Response[None]:
    diaries.delete_diary(caller, date)
    return Response(status_code=204, content_type=None, body=None)
