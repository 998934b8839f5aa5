"""SQL for GET /insights: a user's days (records per day, the diary's mood and themes) over a
period, and the run of days written that ends at a day. Read-only, from records and diaries.

Both are index scans of "this user, these days": records_user_date_idx (0001) and
diaries_user_date_mood_idx (0014) cover every column read, so PostgreSQL answers from the indexes
(an index-only scan where the visibility map allows), never from the rows' text
(benchmarks/insights.py measures it on five years of daily records).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handler.dal.repository import Repository, one_row


@dataclass(frozen=True)
class WrittenDay:
    """One day with a record or a diary: how many records, and the diary's mood and themes (None:
    no diary, or one without them)."""

    day: dt.date
    records: int
    mood: int | None
    themes: list[str] | None


@dataclass(frozen=True)
class Run:
    """Consecutive days written: the last run ending on or before a day."""

    start: dt.date
    end: dt.date
    days: int


# The days as one row of arrays (the themes as JSON: arrays of arrays of unequal length are not
# PostgreSQL arrays): a row per day costs more to send and to read (psycopg2 makes a dictionary of
# each) than the statement costs to run, about three times as much for years of days
# (benchmarks/insights.py).
_DAYS = """
WITH r AS (
    SELECT record_date AS day, count(*)::int AS n FROM records
    WHERE user_id = %(user)s AND record_date BETWEEN %(first)s AND %(last)s GROUP BY record_date
), d AS (
    SELECT diary_date AS day, mood, themes FROM diaries
    WHERE user_id = %(user)s AND diary_date BETWEEN %(first)s AND %(last)s
), days AS (
    SELECT coalesce(r.day, d.day) AS day, coalesce(r.n, 0) AS records, d.mood, d.themes
    FROM r FULL JOIN d ON d.day = r.day
)
SELECT array_agg(day ORDER BY day) AS days, array_agg(records ORDER BY day) AS records,
    array_agg(mood ORDER BY day) AS moods, json_agg(themes ORDER BY day) AS themes
FROM days
"""


class InsightsReader(Repository):
    def days(self, first: dt.date, last: dt.date) -> list[WrittenDay]:
        """Every day from `first` to `last` with a record or a diary, oldest first."""
        with self._unit() as cur:
            cur.execute(_DAYS, {"user": self._user_id, "first": first, "last": last})
            row = one_row(cur)
        if row["days"] is None:
            return []
        return [WrittenDay(*day) for day in zip(row["days"], row["records"], row["moods"], row["themes"], strict=True)]

    def last_run(self, until: dt.date) -> Run | None:
        """The run of consecutive days written whose last day is the latest day written on or before
        `until`; None when nothing was. Days in a run, counted back from its end, each get the same
        `day + n` (gaps and islands), so one pass over the user's days finds it."""
        with self._unit() as cur:
            cur.execute(
                "SELECT min(day) AS start, max(day) AS end, count(*)::int AS days FROM ("
                " SELECT day, day + (row_number() OVER (ORDER BY day DESC))::int AS island FROM ("
                " SELECT record_date AS day FROM records WHERE user_id = %(user)s AND record_date <= %(until)s"
                " UNION SELECT diary_date FROM diaries WHERE user_id = %(user)s AND diary_date <= %(until)s"
                " ) written) numbered"
                " GROUP BY island ORDER BY max(day) DESC LIMIT 1",
                {"user": self._user_id, "until": until},
            )
            row = cur.fetchone()
        return None if row is None else Run(**row)

    def count_rows(self, first: dt.date, last: dt.date) -> int:
        """The records and diaries of the days: the plain count benchmarks/insights.py sets `days` against."""
        with self._unit() as cur:
            cur.execute(
                "SELECT (SELECT count(*) FROM records WHERE user_id = %(user)s"
                " AND record_date BETWEEN %(first)s AND %(last)s)"
                " + (SELECT count(*) FROM diaries WHERE user_id = %(user)s"
                " AND diary_date BETWEEN %(first)s AND %(last)s) AS n",
                {"user": self._user_id, "first": first, "last": last},
            )
            return int(one_row(cur)["n"])
