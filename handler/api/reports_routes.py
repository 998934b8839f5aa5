"""POST /reports, GET /reports, GET and DELETE /reports/{id}."""

import uuid
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from handler.api.errors import LIMITED_FAILURES, READ_FAILURES, documented, links_to
from handler.api.idempotency import idempotent
from handler.api.identity import Caller
from handler.api.limits import limited
from handler.api.schemas import NewReport
from handler.logic import reports
from handler.models import Report, ReportList

router = Router()


@router.post(
    "/reports",
    summary="Ask for an emotion report over a period; the worker writes it",
    responses=documented(
        202,
        "The report, pending; poll GET /reports/{report_id}",
        *LIMITED_FAILURES,
        links=links_to("/reports/{report_id}", ("GET", "DELETE"), "report_id", "/report_id"),
    ),
    middlewares=[idempotent, limited],
)
def create_report(body: NewReport, caller: Caller) -> Response[Report]:
    report = reports.request_report(caller, body.start_date, body.end_date)
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=report)


@router.get(
    "/reports", summary="The caller's most recent reports", responses=documented(200, "Newest first", *READ_FAILURES)
)
def list_reports(caller: Caller) -> ReportList:
    return ReportList(items=reports.list_reports(caller))


@router.get(
    "/reports/<report_id>",
    summary="One report and its status",
    responses=documented(200, "The report", 404, *READ_FAILURES),
)
def get_report(report_id: Annotated[uuid.UUID, Path()], caller: Caller) -> Report:
    return reports.get_report(caller, report_id)


@router.delete(
    "/reports/<report_id>",
    summary="Delete one of the caller's reports",
    responses=documented(204, "Deleted; no body", 404, *READ_FAILURES),
)
def delete_report(report_id: Annotated[uuid.UUID, Path()], caller: Caller) -> Response[None]:
    reports.delete_report(caller, report_id)
    return Response(status_code=204, content_type=None, body=None)
