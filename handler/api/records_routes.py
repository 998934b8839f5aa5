"""POST /records, GET /records (the latest, a day, a range, or a search), PATCH and DELETE /records/{id}."""

import datetime as dt
import uuid
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from handler.api.errors import READ_FAILURES, WRITE_FAILURES, documented, links_to
from handler.api.idempotency import idempotent
from handler.api.identity import Caller
from handler.api.schemas import NewRecord, RecordEdit
from handler.errors import InvalidRequest
from handler.logic import records
from handler.models import IsoDate, Record, RecordPage

router = Router()

DEFAULT_PAGE = 50
MAX_PAGE = 200


@router.post(
    "/records",
    summary="Store a record",
    responses=documented(
        201,
        "The stored record",
        *WRITE_FAILURES,
        links=links_to("/records/{record_id}", ("PATCH", "DELETE"), "record_id", "/id"),
    ),
    middlewares=[idempotent],
)
def create_record(body: NewRecord, caller: Caller) -> Response[Record]:
    record = records.add_record(caller, body.content, body.record_date)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=record)


@router.get(
    "/records",
    summary="List the latest records, those of a day (`date`) or a range (`from`, `to`), or search them (`q`)",
    description="Without `q`: the day's or range's records, oldest first; with no `date`, `from` or `to`, the "
    "caller's latest records, newest first (a day's last jotted first). Page by page: pass `next_cursor` back as "
    f"`cursor` with the same parameters. A range: `to` not before `from`, at most {records.MAX_RANGE_DAYS} days "
    "(rules across parameters, which the schema cannot say: a 422 `invalid_range` or `range_too_long`). "
    "With `q`: the records holding any of its words (within `date` or `from`-`to` when given), most matching "
    "first, then newest, at most `limit`, on one page. A `q` whose words are all question or stop words "
    '("what did I do", "뭐 했지") narrows nothing: the answer is then the latest records (within the period), '
    "newest first.",
    responses=documented(200, "A page of records and the cursor of the next", 422, *READ_FAILURES),
)
def list_records(
    caller: Caller,
    date: Annotated[IsoDate | None, Query()] = None,
    date_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> RecordPage:
    if q is not None:
        if cursor is not None:
            raise InvalidRequest("a search has one page: `cursor` does not go with `q`")
        period = _period(date, date_from, date_to) if (date or date_from or date_to) else None
        return records.search_records(caller, q, period, limit)
    if not (date or date_from or date_to):
        return records.latest_records(caller, limit, cursor)
    first, last = _period(date, date_from, date_to)
    return records.list_records(caller, first, last, limit, cursor)


@router.patch(
    "/records/<record_id>",
    summary="Correct one of the caller's records: its `content`, its `record_date`, or both",
    responses=documented(200, "The record as it is now", 404, *WRITE_FAILURES),
    middlewares=[idempotent],
)
def edit_record(record_id: Annotated[uuid.UUID, Path()], body: RecordEdit, caller: Caller) -> Record:
    return records.edit_record(caller, record_id, body.content, body.record_date)


@router.delete(
    "/records/<record_id>",
    summary="Delete one of the caller's records",
    responses=documented(204, "Deleted; no body", 404, *READ_FAILURES),
)
def delete_record(record_id: Annotated[uuid.UUID, Path()], caller: Caller) -> Response[None]:
    records.delete_record(caller, record_id)
    return Response(status_code=204, content_type=None, body=None)


def _period(day: dt.date | None, first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    if day and not (first or last):
        return day, day
    if first and last and not day:
        return first, last
    raise InvalidRequest("give either `date`, or both `from` and `to`")
