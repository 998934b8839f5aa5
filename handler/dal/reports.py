"""SQL for the reports table: a report's life from pending to completed or failed."""

from __future__ import annotations

import datetime as dt
import uuid

from psycopg2.extras import Json

from handler.models import Report

_COLUMNS = (
    "id AS report_id, start_date, end_date, status, daily_scores, average_score::float AS average_score, themes,"
    " patterns, feedback_points, feedback, missing_days, left_out, failure, model, created_at, updated_at"
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


def complete(cur, user_id: str, report_id: uuid.UUID, written: dict, model: str) -> None:
    """`written`: daily_scores, average_score, themes, patterns, feedback_points, feedback, missing_days,
    left_out."""
    cur.execute(
        "UPDATE reports SET status = 'completed', daily_scores = %(daily_scores)s, average_score = %(average_score)s,"
        " themes = %(themes)s, patterns = %(patterns)s, feedback_points = %(feedback_points)s,"
        " feedback = %(feedback)s, missing_days = %(missing_days)s, left_out = %(left_out)s, model = %(model)s,"
        " failure = NULL,"
        " updated_at = now() WHERE id = %(id)s AND user_id = %(user_id)s",
        {
            **{
                key: Json(written[key])
                for key in ("daily_scores", "themes", "patterns", "feedback_points", "missing_days", "left_out")
            },
            "average_score": written["average_score"],
            "feedback": written["feedback"],
            "model": model,
            "id": str(report_id),
            "user_id": user_id,
        },
    )


def fail(cur, user_id: str, report_id: uuid.UUID, reason: str) -> None:
    cur.execute(
        "UPDATE reports SET status = 'failed', failure = %s, updated_at = now() WHERE id = %s AND user_id = %s",
        (reason, str(report_id), user_id),
    )


def delete(cur, user_id: str, report_id: uuid.UUID) -> bool:
    cur.execute("DELETE FROM reports WHERE id = %s AND user_id = %s", (str(report_id), user_id))
    return cur.rowcount == 1


def of_user(cur, user_id: str) -> list[Report]:
    """Every report of the owner, oldest first (the export)."""
    cur.execute(f"SELECT {_COLUMNS} FROM reports WHERE user_id = %s ORDER BY created_at, id", (user_id,))
    return [Report.model_validate(row) for row in cur.fetchall()]


def erase_user(cur, user_id: str) -> int:
    cur.execute("DELETE FROM reports WHERE user_id = %s", (user_id,))
    return cur.rowcount
