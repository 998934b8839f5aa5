"""How fast GET /insights is on years of data: `make insights-bench` (python -m benchmarks.insights).

A throwaway embedded PostgreSQL (pgvector, as production), migrated; one user with five years of
daily records (RECORDS_PER_DAY a day) and a diary every day with a mood and themes, ending today in
DEFAULT_TIMEZONE (so the current streak runs back five years), among OTHER_USERS users with a year
each. VACUUM ANALYZE, as autovacuum leaves a table that is read more than written.

For each period (the default 30 days, a year, the 3-year maximum), in the same run and on the same
connection (the function's Store, acting for the user as diary_app under row-level security):
- `days`: the statement that reads the period and the previous one (handler.dal.insights.days);
- `run`: the statement that finds the current streak (last_run);
- `use case`: the whole of handler.logic.insights.insights (both statements and the counting);
- `count(*)`: a plain count of the same records and diaries (the same days), the floor any reading
  of those rows pays;
each the median of REPEATS after WARMUP, in milliseconds, and the ratio to count(*). Also the plan
nodes of the `days` statement, to show the indexes at work. Prints a table; no file is written.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

YEARS = 5
RECORDS_PER_DAY = 3
OTHER_USERS = 20
WARMUP, REPEATS = 5, 30
USER = "bench-insights-user"
THEMES = ["일", "운동", "친구", "가족", "영화", "독서", "여행", "산책", "공부", "요리"]


def _median_ms(work: Callable[[], Any]) -> float:
    for _ in range(WARMUP):
        work()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _fill(cur: Any, user: str, first: dt.date, last: dt.date) -> None:
    """Records and diaries of every day from `first` to `last`, in a few statements."""
    cur.execute(
        "INSERT INTO records (id, user_id, content, record_date, created_at)"
        " SELECT gen_random_uuid(), %(user)s, '오늘 기록 ' || n || ' of ' || d::date, d::date,"
        " d + make_interval(hours => 9 + n * 4)"
        " FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d,"
        " generate_series(0, %(per_day)s - 1) n",
        {"user": user, "first": first, "last": last, "per_day": RECORDS_PER_DAY},
    )
    cur.execute(
        "INSERT INTO diaries (user_id, diary_date, title, content, model, record_ids, mood, themes)"
        " SELECT %(user)s, d::date, d::date || ' 일기', repeat('하루를 적었다. ', 40), 'offline', '{}',"
        " 1 + (extract(doy FROM d)::int * 7) %% 10,"
        " ARRAY[(%(themes)s::text[])[1 + extract(doy FROM d)::int %% 10],"
        " (%(themes)s::text[])[1 + extract(dow FROM d)::int]]"
        " FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d",
        {"user": user, "first": first, "last": last, "themes": THEMES},
    )


def main() -> int:
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import psycopg2

    from handler import migrate
    from handler.composition import Services
    from handler.logic import insights
    from handler.settings import Settings
    from tests.throwaway_postgres import throwaway_server

    with throwaway_server() as server:
        url = server.get_uri()
        settings = Settings(database_url=url, model_provider="offline")
        services = Services(settings=settings)
        migrate.migrate(services.store, settings)
        today = dt.datetime.now(settings.timezone).date()
        first = today - dt.timedelta(days=YEARS * 365 + 1)
        started = time.perf_counter()
        admin = psycopg2.connect(url)
        admin.autocommit = True
        with admin.cursor() as cur:
            _fill(cur, USER, first, today)
            for n in range(OTHER_USERS):
                _fill(cur, f"bench-other-{n}", today - dt.timedelta(days=364), today)
            cur.execute("VACUUM ANALYZE records")
            cur.execute("VACUUM ANALYZE diaries")
            cur.execute("SELECT count(*) FROM records WHERE user_id = %s", (USER,))
            (mine,) = cur.fetchone()
            cur.execute("SELECT count(*) FROM records")
            (everyone,) = cur.fetchone()
        admin.close()
        print(
            f"data: {mine} records and {(today - first).days + 1} diaries of the user ({YEARS} years, ending"
            f" {today}), {everyone} records in all ({OTHER_USERS} other users); filled in"
            f" {time.perf_counter() - started:.1f} s. Median of {REPEATS} after {WARMUP}, milliseconds.\n"
        )

        caller = services.acting_for(USER)
        reader = caller.store.insights
        print(
            "| period | rows read (records + diaries, with the previous period) | days | run | use case |"
            " count(*) of the same rows | days / count | use case / count |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for label, length in (("30 days (default)", 30), ("1 year", 365), ("3 years (maximum)", insights.MAX_DAYS)):
            start = today - dt.timedelta(days=length - 1)
            before = start - dt.timedelta(days=length)
            rows = reader.count_rows(before, today)
            days_ms = _median_ms(lambda: reader.days(before, today))  # noqa: B023 - run at once
            run_ms = _median_ms(lambda: reader.last_run(today))
            case_ms = _median_ms(lambda: insights.insights(caller, start, today))  # noqa: B023
            count_ms = _median_ms(lambda: reader.count_rows(before, today))  # noqa: B023
            print(
                f"| {label} | {rows} | {days_ms:.2f} | {run_ms:.2f} | {case_ms:.2f} | {count_ms:.2f} |"
                f" {days_ms / count_ms:.2f} | {case_ms / count_ms:.2f} |"
            )
        result = insights.insights(caller, today - dt.timedelta(days=29), today)
        print(f"\ncurrent streak {result.streaks.current.days} days; 30-day mood average {result.mood.average}")
        _plan(url, today)
        services.store.close()
    return 0


def _plan(url: str, today: dt.date) -> None:
    """The plan nodes of the `days` statement over the longest period, as diary_app for the user."""
    import psycopg2

    from handler.dal.insights import InsightsReader

    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT diary_act_for(%s, '5000', 'diary_app')", (USER,))
        captured: list[str] = []

        class Capture:
            def execute(self, query: str, params: Any) -> None:
                captured.append(cur.mogrify(query, params).decode())

            def fetchone(self) -> None:
                return None

        import contextlib

        first = today - dt.timedelta(days=2 * 1098 - 1)
        with contextlib.suppress(RuntimeError):  # the capture returns no row
            InsightsReader(lambda: contextlib.nullcontext(Capture()), USER).days(first, today)
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + captured[0])
        plan = [line[0] for line in cur.fetchall()]
        nodes = [line.strip() for line in plan if "Scan using" in line or "Heap Fetches" in line or "Execution" in line]
    conn.close()
    print("plan of `days` over 2 x 3 years:\n  " + "\n  ".join(nodes))


if __name__ == "__main__":
    sys.exit(main())
