"""SQL for the reports table: a report's life from pending to completed or failed."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass

from psycopg2.extras import Json

from handler.dal.repository import Repository
from handler.models import Report

_COLUMNS = (
    "id AS report_id, start_date, end_date, status, daily_scores, average_score::float AS average_score, themes,"
    " patterns, feedback_points, feedback, missing_days, left_out, failure, model, created_at, updated_at"
)


@dataclass(frozen=True)
class WrittenReport:
    """What a completed report stores of the model's answer (JSON columns as plain data)."""

    daily_scores: list[dict]
    average_score: float
    themes: list
    patterns: list
    feedback_points: list
    feedback: str
    missing_days: list[str]
    left_out: dict
    model: str


# The columns of WrittenReport stored as JSON.
_JSON = ("daily_scores", "themes", "patterns", "feedback_points", "missing_days", "left_out")


def _report(row: dict | None) -> Report | None:
    return None if row is None else Report.model_validate(row)


class Reports(Repository):
    def insert(self, report_id: uuid.UUID, start: dt.date, end: dt.date) -> Report:
        with self._unit() as cur:
            cur.execute(
                f"INSERT INTO reports (id, user_id, start_date, end_date) VALUES (%s, %s, %s, %s) RETURNING {_COLUMNS}",
                (str(report_id), self._user_id, start, end),
            )
            return Report.model_validate(cur.fetchone())

    def get(self, report_id: uuid.UUID) -> Report | None:
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM reports WHERE id = %s AND user_id = %s", (str(report_id), self._user_id)
            )
            return _report(cur.fetchone())

    def list_recent(self, limit: int) -> list[Report]:
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM reports WHERE user_id = %s ORDER BY created_at DESC, id LIMIT %s",
                (self._user_id, limit),
            )
            return [Report.model_validate(row) for row in cur.fetchall()]

    def claim(self, report_id: uuid.UUID) -> Report | None:
        """Mark a pending (or retried running) report as running; None when it is already finished."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE reports SET status = 'running', attempts = attempts + 1, updated_at = now()"
                " WHERE id = %s AND user_id = %s AND status IN ('pending', 'running')"
                f" RETURNING {_COLUMNS}",
                (str(report_id), self._user_id),
            )
            return _report(cur.fetchone())

    def complete(self, report_id: uuid.UUID, written: WrittenReport) -> None:
        values = asdict(written)
        with self._unit() as cur:
            cur.execute(
                "UPDATE reports SET status = 'completed', daily_scores = %(daily_scores)s,"
                " average_score = %(average_score)s, themes = %(themes)s, patterns = %(patterns)s,"
                " feedback_points = %(feedback_points)s, feedback = %(feedback)s, missing_days = %(missing_days)s,"
                " left_out = %(left_out)s, model = %(model)s, failure = NULL,"
                " updated_at = now() WHERE id = %(id)s AND user_id = %(user_id)s",
                {
                    **values,
                    **{key: Json(values[key]) for key in _JSON},
                    "id": str(report_id),
                    "user_id": self._user_id,
                },
            )

    def fail(self, report_id: uuid.UUID, reason: str) -> None:
        with self._unit() as cur:
            cur.execute(
                "UPDATE reports SET status = 'failed', failure = %s, updated_at = now() WHERE id = %s AND user_id = %s",
                (reason, str(report_id), self._user_id),
            )

    def delete(self, report_id: uuid.UUID) -> bool:
        with self._unit() as cur:
            cur.execute("DELETE FROM reports WHERE id = %s AND user_id = %s", (str(report_id), self._user_id))
            return cur.rowcount == 1

    def of_user(self) -> list[Report]:
        """Every report of the owner, oldest first (the export)."""
        with self._unit() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM reports WHERE user_id = %s ORDER BY created_at, id", (self._user_id,))
            return [Report.model_validate(row) for row in cur.fetchall()]

    def held(self, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Which of `ids` are the owner's reports."""
        with self._unit() as cur:
            cur.execute("SELECT id FROM reports WHERE user_id = %s AND id = ANY(%s::uuid[])", (self._user_id, ids))
            return {row["id"] for row in cur.fetchall()}

    def insert_absent(self, report: Report) -> bool:
        """Store a finished report of an export document as it was (POST /me/import), unless a report
        of anyone holds its id already; whether it was stored."""
        values = report.model_dump(mode="json")
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO reports (id, user_id, start_date, end_date, status, daily_scores, average_score, themes,"
                " patterns, feedback_points, feedback, missing_days, left_out, failure, model, created_at, updated_at)"
                " VALUES (%(report_id)s, %(user_id)s, %(start_date)s, %(end_date)s, %(status)s, %(daily_scores)s,"
                " %(average_score)s, %(themes)s, %(patterns)s, %(feedback_points)s, %(feedback)s, %(missing_days)s,"
                " %(left_out)s, %(failure)s, %(model)s, %(created_at)s, %(updated_at)s)"
                " ON CONFLICT (id) DO NOTHING",
                {
                    **values,
                    # JSON columns hold JSON null for nothing, as complete() writes them: SQL NULL here.
                    **{key: None if values[key] is None else Json(values[key]) for key in _JSON},
                    "user_id": self._user_id,
                },
            )
            return cur.rowcount == 1

    def erase(self) -> int:
        """Every report of the owner."""
        with self._unit() as cur:
            cur.execute("DELETE FROM reports WHERE user_id = %s", (self._user_id,))
            return cur.rowcount
