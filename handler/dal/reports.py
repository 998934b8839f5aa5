"""SQL for the reports table: a report's life from pending to completed or failed."""

from __future__ import annotations

import datetime as dt
import uuid

from psycopg2.extras import Json

from handler.models import Report

_COLUMNS = (
    "id AS report_id, start_date, end_date, status, daily_scores, average_score::float AS average_score, themes,"
    " feedback, failure, model, created_at, updated_at"
)


def _report(row: dict | None) -> Report | None:
    return None if row is None else Report.model_validate(row)


def insert(cur, report_id: uuid.UUID, user_id: str, start: dt.date, end: dt.date) -> Report:
    cur.execute(
        f"INSERT INTO reports (id, user_id, start_date, end_date) VALUES (%s, %s, %s, %s) RETURNING {_COLUMNS}",
        (str(report_id), user_id, start, end),
    )
    return Report.model_validate(cur.fetchone())


def get(cur, user_id: str, report_id: uuid.UUID) -> Report | None:
    cur.execute(f"SELECT {_COLUMNS} FROM reports WHERE id = %s AND user_id = %s", (str(report_id), user_id))
    return _report(cur.fetchone())


def list_recent(cur, user_id: str, limit: int) -> list[Report]:
    cur.execute(
        f"SELECT {_COLUMNS} FROM reports WHERE user_id = %s ORDER BY created_at DESC, id LIMIT %s", (user_id, limit)
    )
    return [Report.model_validate(row) for row in cur.fetchall()]


def claim(cur, user_id: str, report_id: uuid.UUID) -> Report | None:
    """Mark a pending (or retried running) report as running; None when it is already finished."""
    cur.execute(
        "UPDATE reports SET status = 'running', attempts = attempts + 1, updated_at = now()"
        " WHERE id = %s AND user_id = %s AND status IN ('pending', 'running')"
        f" RETURNING {_COLUMNS}",
        (str(report_id), user_id),
    )
    return _report(cur.fetchone())


def complete(
    cur, user_id: str, report_id: uuid.UUID, daily_scores: list[dict], average: float, themes: list[str],
    feedback: str, model: str,
) -> None:
    cur.execute(
        "UPDATE reports SET status = 'completed', daily_scores = %s, average_score = %s, themes = %s,"
        " feedback = %s, model = %s, failure = NULL, updated_at = now() WHERE id = %s AND user_id = %s",
        (Json(daily_scores), average, Json(themes), feedback, model, str(report_id), user_id),
    )


def fail(cur, user_id: str, report_id: uuid.UUID, reason: str) -> None:
    cur.execute(
        "UPDATE reports SET status = 'failed', failure = %s, updated_at = now() WHERE id = %s AND user_id = %s",
        (reason, str(report_id), user_id),
    )
