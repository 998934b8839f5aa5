"""Emotion reports: requested by the API, written by the worker with one structured model call.

A report goes pending -> running -> completed | failed. A malformed model answer is retried once,
then the report fails with the reason. An answer that is only imperfect is kept: a score for a day
without records is dropped, and a day with records the model left unscored is listed in
`missing_days`; only an answer that scores none of the days is malformed. A transient fault
(model or database unavailable) raises, so the queue retries the message; the last allowed
attempt fails the report instead, so that no report stays running forever.
"""

from __future__ import annotations

import datetime as dt
import uuid

from aws_lambda_powertools import Logger

from handler.agents.reporter import agent as reporter
from handler.agents.reporter.schema import ReportDraft
from handler.aws import job_queue
from handler.dal import connection
from handler.dal import diaries as diaries_dal
from handler.dal import records as records_dal
from handler.dal import reports as reports_dal
from handler.errors import AwsUnavailable, ModelAnswerMalformed, ModelUnavailable, NotFound, Unprocessable
from handler.logic import calendar, quotas
from handler.models import DayScore, Diary, Record, Report
from handler.settings import get_settings

logger = Logger(child=True)

MAX_RECORDS = 1000
RECENT_REPORTS = 50


def request_report(user_id: str, start: dt.date, end: dt.date) -> Report:
    settings = get_settings()
    if end < start:
        raise Unprocessable("`end_date` must not be before `start_date`", code="invalid_range")
    if (end - start).days + 1 > settings.report_max_days:
        raise Unprocessable(f"a report covers at most {settings.report_max_days} days", code="range_too_long")
    report_id = uuid.uuid4()
    with connection.statement(user_id) as cur:
        # Fails fast: a period without records needs no worker and no model call.
        if not records_dal.list_between(cur, user_id, start, end, limit=1):
            raise Unprocessable(f"there are no records between {start} and {end}", code="no_records")
    # The report's one model call, charged now: the worker writes it `prepaid`.
    quotas.charge(user_id, calls=1)
    with connection.statement(user_id) as cur:
        report = reports_dal.insert(cur, report_id, user_id, start, end)
    if settings.report_queue_url:
        try:
            job_queue.send(settings.report_queue_url, "report", user_id=user_id, report_id=str(report_id))
        except AwsUnavailable:
            # No worker will ever see it: fail it now rather than leave it pending.
            _fail(user_id, report_id, "the report could not be queued; request it again")
            raise
        return report
    run_report(user_id, report_id, final_attempt=True)
    return get_report(user_id, report_id)


def get_report(user_id: str, report_id: uuid.UUID) -> Report:
    with connection.statement(user_id) as cur:
        report = reports_dal.get(cur, user_id, report_id)
    if report is None:
        raise NotFound("no such report")
    return report


def list_reports(user_id: str) -> list[Report]:
    with connection.statement(user_id) as cur:
        return reports_dal.list_recent(cur, user_id, RECENT_REPORTS)


def delete_report(user_id: str, report_id: uuid.UUID) -> None:
    """A report still being written is deleted too: the worker's completion then updates no row."""
    with connection.statement(user_id) as cur:
        if not reports_dal.delete(cur, user_id, report_id):
            raise NotFound("no such report")


def run_report(user_id: str, report_id: uuid.UUID, final_attempt: bool) -> None:
    """The worker's job for one message. A fault raises, so the queue redelivers the message, except
    on the final delivery: then the report fails with the reason instead of staying running."""
    with connection.transaction(user_id) as cur:
        report = reports_dal.claim(cur, user_id, report_id)
        if report is None:
            return  # unknown, or finished by an earlier delivery of the same message
        records = records_dal.list_between(cur, user_id, report.start_date, report.end_date, MAX_RECORDS)
        diaries = diaries_dal.list_between(cur, user_id, report.start_date, report.end_date)
    try:
        with quotas.prepaid(user_id):
            _write(user_id, report_id, report, records, diaries)
    except Exception as exc:
        if not final_attempt:
            raise
        logger.exception("report failed on its final delivery", extra={"report_id": str(report_id)})
        reason = "the model was unavailable" if isinstance(exc, ModelUnavailable) else "the report could not be written"
        _fail(user_id, report_id, reason)


def _write(user_id: str, report_id: uuid.UUID, report: Report, records: list[Record], diaries: list[Diary]) -> None:
    if not records:
        _fail(user_id, report_id, "there are no records in the period")
        return
    days_with_records = {r.record_date for r in records}
    record_lines = [(f"{r.record_date} {calendar.local_time(r.created_at)}", r.content) for r in records]
    diary_lines = [(d.date.isoformat(), d.content) for d in diaries]
    problem = ""
    for _ in range(2):  # a malformed answer is retried once
        try:
            answer = reporter.write(report.start_date, report.end_date, record_lines, diary_lines)
        except ModelAnswerMalformed:
            problem = "the model's answer did not match the report format"
            continue
        written = _kept(answer.output, days_with_records)
        if written is None:
            problem = "the model scored none of the days that have records"
            continue
        with connection.statement(user_id) as cur:
            reports_dal.complete(cur, user_id, report_id, written, answer.model)
        return
    _fail(user_id, report_id, f"{problem} (after a retry)")


def _kept(draft: ReportDraft, days_with_records: set[dt.date]) -> dict | None:
    """What is stored of an answer: the scores of days that have records (the first, for a day
    scored twice) and the days it missed; None when no day with records was scored."""
    scores: dict[dt.date, DayScore] = {}
    for day in draft.daily_scores:
        if day.date in days_with_records and day.date not in scores:
            scores[day.date] = DayScore(**day.model_dump())
    if not scores:
        return None
    kept = [scores[day] for day in sorted(scores)]
    return {
        "daily_scores": [day.model_dump(mode="json") for day in kept],
        "average_score": round(sum(day.score for day in kept) / len(kept), 2),
        "themes": draft.themes,
        "patterns": draft.patterns,
        "feedback_points": draft.feedback_points,
        "feedback": draft.overall,
        "missing_days": [day.isoformat() for day in sorted(days_with_records - scores.keys())],
    }


def _fail(user_id: str, report_id: uuid.UUID, reason: str) -> None:
    with connection.statement(user_id) as cur:
        reports_dal.fail(cur, user_id, report_id, reason)
