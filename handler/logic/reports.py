"""Emotion reports: requested by the API, written by the worker with one structured model call.

A report goes pending -> running -> completed | failed. A malformed model answer is retried once,
then the report fails with the reason. An answer that is only imperfect is kept: a score for a day
without records is dropped, and a day with records the model left unscored is listed in
`missing_days`; only an answer that scores none of the days is malformed. A transient fault
(model or database unavailable) raises, so the queue retries the message; the last allowed
attempt fails the report instead, so that no report stays running forever (handler.logic.jobs).
"""

from __future__ import annotations

import datetime as dt
import uuid

from handler.agents.reporter import agent as reporter
from handler.agents.reporter.schema import ReportDraft
from handler.composition import Caller
from handler.dal.idempotency import resource
from handler.dal.reports import WrittenReport
from handler.errors import ModelAnswerMalformed, ModelUnavailable, NotFound, Unprocessable
from handler.logic import calendar, jobs, prompt_fit, quotas
from handler.models import DayScore, Diary, LeftOut, Record, Report
from handler.settings import Settings

REPORT = "report"
# Records of a period read for its report at most, the same number from each day, spread over the
# day; the token budget (PROMPT_TOKENS_REPORT) decides how many the model is shown.
MAX_RECORDS = 1000
RECENT_REPORTS = 50


def request_report(caller: Caller, start: dt.date, end: dt.date) -> Report:
    settings = caller.settings
    if end < start:
        raise Unprocessable("`end_date` must not be before `start_date`", code="invalid_range")
    if (end - start).days + 1 > settings.report_max_days:
        raise Unprocessable(f"a report covers at most {settings.report_max_days} days", code="range_too_long")
    report_id = uuid.uuid4()
    # Fails fast: a period without records needs no worker and no model call.
    if not caller.store.records.list_between(start, end, limit=1):
        raise Unprocessable(f"there are no records between {start} and {end}", code="no_records")
    # The report's one model call, charged now: the worker writes it `prepaid`.
    quotas.charge(caller, calls=1)
    report = caller.store.reports.insert(report_id, start, end)
    queued = jobs.submit(
        caller.services.aws,
        settings.job_queue_url,
        REPORT,
        lambda last_try: run_report(caller, report_id, last_try),
        # No worker will ever see it: fail it now rather than leave it pending.
        unqueued=lambda: _fail(caller, report_id, "the report could not be queued; request it again"),
        user_id=caller.user_id,
        report_id=str(report_id),
    )
    return report if queued else get_report(caller, report_id)


def get_report(caller: Caller, report_id: uuid.UUID) -> Report:
    report = caller.store.reports.get(report_id)
    if report is None:
        raise NotFound("no such report")
    return report


def list_reports(caller: Caller) -> list[Report]:
    return caller.store.reports.list_recent(RECENT_REPORTS)


def delete_report(caller: Caller, report_id: uuid.UUID) -> None:
    """A report still being written is deleted too: the worker's completion then updates no row.
    A remembered POST /reports answer is forgotten with it."""
    with caller.store.transaction() as tx:
        if not tx.reports.delete(report_id):
            raise NotFound("no such report")
        tx.remembered.forget(resource("reports", report_id))


def run_report(caller: Caller, report_id: uuid.UUID, last_try: bool) -> None:
    """The report job (handler.logic.jobs): on its last try a fault fails the report with the reason
    instead of leaving it running."""
    with caller.store.transaction() as tx:
        report = tx.reports.claim(report_id)
        if report is None:
            return  # unknown, or finished by an earlier delivery of the same message
        days = (report.end_date - report.start_date).days + 1
        records, total = tx.records.spread_between(report.start_date, report.end_date, max(1, -(-MAX_RECORDS // days)))
        diaries = tx.diaries.list_between(report.start_date, report.end_date)

    def fail(exc: Exception) -> None:
        reason = "the model was unavailable" if isinstance(exc, ModelUnavailable) else "the report could not be written"
        _fail(caller, report_id, reason)

    def write() -> None:
        # The report's one model call was charged when it was requested: only its tokens are added.
        with quotas.prepaid(caller):
            _write(caller, report_id, report, records, diaries, unread=total - len(records))

    jobs.attempt(write, fail, last_try, report_id=str(report_id))


def _write(
    caller: Caller, report_id: uuid.UUID, report: Report, records: list[Record], diaries: list[Diary], unread: int
) -> None:
    if not records:
        _fail(caller, report_id, "there are no records in the period")
        return
    days_with_records = {r.record_date for r in records}
    record_lines, diary_lines, left_out = _within_budget(caller.settings, report, records, diaries)
    left_out += LeftOut(omitted_records=unread)
    problem = ""
    for _ in range(2):  # a malformed answer is retried once
        try:
            answer = reporter.write(caller.services, report.start_date, report.end_date, record_lines, diary_lines)
        except ModelAnswerMalformed:
            problem = "the model's answer did not match the report format"
            continue
        written = _kept(answer.output, days_with_records, left_out, answer.model)
        if written is None:
            problem = "the model scored none of the days that have records"
            continue
        caller.store.reports.complete(report_id, written)
        return
    _fail(caller, report_id, f"{problem} (after a retry)")


def _within_budget(
    settings: Settings, report: Report, records: list[Record], diaries: list[Diary]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], LeftOut]:
    """The record and diary lines the reporter is shown, within PROMPT_TOKENS_REPORT: each day's
    records a group and each diary one, so that trimming gives every day the same share and no day
    disappears (handler.logic.prompt_fit); and what was left out."""
    by_day: dict[dt.date, list[Record]] = {}
    for record in records:
        by_day.setdefault(record.record_date, []).append(record)
    days = list(by_day.values())
    whens = [[f"{r.record_date} {calendar.local_time(r.created_at, settings.timezone)}" for r in day] for day in days]
    groups = [prompt_fit.Group([r.content for r in day]) for day in days]
    groups += [prompt_fit.Group([d.content], kind="diaries") for d in diaries]

    def lines(kept: prompt_fit.Kept) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        record_lines = [(whens[g][i], text) for g in range(len(days)) for i, text in kept[g]]
        diary_lines = [
            (d.date.isoformat(), text) for d, shown in zip(diaries, kept[len(days) :], strict=True) for _, text in shown
        ]
        return record_lines, diary_lines

    fitted = prompt_fit.fit(
        groups,
        lambda kept: reporter.prompt_tokens(report.start_date, report.end_date, *lines(kept)),
        settings.prompt_tokens_report,
    )
    return *lines(fitted.kept), fitted.left_out


def _kept(draft: ReportDraft, days_with_records: set[dt.date], left_out: LeftOut, model: str) -> WrittenReport | None:
    """What is stored of an answer: the scores of days that have records (the first, for a day
    scored twice) and the days it missed; None when no day with records was scored."""
    scores: dict[dt.date, DayScore] = {}
    for day in draft.daily_scores:
        if day.date in days_with_records and day.date not in scores:
            scores[day.date] = DayScore(**day.model_dump())
    if not scores:
        return None
    kept = [scores[day] for day in sorted(scores)]
    return WrittenReport(
        daily_scores=[day.model_dump(mode="json") for day in kept],
        average_score=round(sum(day.score for day in kept) / len(kept), 2),
        themes=draft.themes,
        patterns=draft.patterns,
        feedback_points=draft.feedback_points,
        feedback=draft.overall,
        missing_days=[day.isoformat() for day in sorted(days_with_records - scores.keys())],
        left_out=left_out.model_dump(),
        model=model,
    )


def _fail(caller: Caller, report_id: uuid.UUID, reason: str) -> None:
    caller.store.reports.fail(report_id, reason)
