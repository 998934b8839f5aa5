"""Warm invocations: what a request costs once the function is up, against a raw INSERT.

Measured:
  - warm POST /records against a raw psycopg2 INSERT on the same database, and against the same
    INSERT in a bare function and the floor through the same emulator, taking turns one by one;
    both the round trip through the emulator and the duration Lambda would report (event out to
    the runtime -> answer in);
  - one insert in this process by each way of talking to PostgreSQL (psycopg2's default, the
    function's former round trips, handler.dal.store's transaction() and a statement of its own): what
    the round trips cost, apart from the function around them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.common import DATABASE_URL, TAGS
from benchmarks.function import Function, check
from tests.support.lambda_image.routes import load_event

RAW_INSERT_USER = "bench-raw-insert"
RECORDS, HEALTH, BARE, FLOOR, RAW = WARM_LANES = (
    "project POST /records",
    "project GET /health",
    "bare function, one INSERT",
    "floor",
    "raw psycopg2 INSERT on the host",
)


def insert_paths(n: int) -> dict[str, float]:
    """One record inserted n times by each way of talking to PostgreSQL, taking turns, in this
    process, on one connection each: what the round trips of handler.dal.store cost against
    psycopg2's default. Median ms per insert, commit included."""
    import psycopg2

    os.environ["DATABASE_URL"] = DATABASE_URL
    from handler.dal.records import RecordDraft
    from handler.dal.store import Store
    from handler.settings import load_settings

    store = Store(load_settings())
    user = "bench-insert-paths"
    content = "오늘 친구랑 영화 봤어"
    settings_sql = (
        "SELECT set_config('app.user_id', %s, true), set_config('statement_timeout', '5000', true),"
        " set_config('role', 'diary_app', true)"
    )
    insert_sql = (
        "INSERT INTO records (id, user_id, content, record_date, search_terms)"
        " VALUES (%s, %s, %s, '2026-11-25', to_tsvector('simple', %s)) RETURNING id, content, record_date, created_at"
    )
    plain = psycopg2.connect(DATABASE_URL)

    def default() -> None:  # psycopg2's own BEGIN, the INSERT, COMMIT: 3 round trips
        with plain.cursor() as cur:
            cur.execute(insert_sql, (str(uuid.uuid4()), user, content, content))
            cur.fetchone()
        plain.commit()

    def before() -> None:  # what the function did before: BEGIN, settings, INSERT, COMMIT: 4
        with plain.cursor() as cur:
            cur.execute(settings_sql, (user,))
            cur.execute(insert_sql, (str(uuid.uuid4()), user, content, content))
            cur.fetchone()
        plain.commit()

    acting = store.for_user(user)

    def draft() -> RecordDraft:
        return RecordDraft(uuid.uuid4(), content, dt.date(2026, 11, 25), content)

    def in_transaction() -> None:  # a transaction(): 2
        with acting.transaction() as tx:
            tx.records.insert(draft())

    def as_statement() -> None:  # a statement of its own: 1
        acting.records.insert(draft())

    paths = {
        "psycopg2 default: BEGIN, INSERT, COMMIT": default,
        "before: BEGIN, settings, INSERT, COMMIT": before,
        "store transaction(): settings+BEGIN+INSERT, COMMIT": in_transaction,
        "store statement: settings+INSERT": as_statement,
    }
    times: dict[str, list[float]] = {name: [] for name in paths}
    try:
        for i in range(n + 5):
            for name, path in paths.items():
                started = time.monotonic()
                path()
                if i >= 5:
                    times[name].append(time.monotonic() - started)
        with plain.cursor() as cur:
            cur.execute("DELETE FROM records WHERE user_id = %s", (user,))
        plain.commit()
    finally:
        plain.close()
        store.close()
    return {name: round(statistics.median(ts) * 1000, 3) for name, ts in times.items()}


def warm_turns(n: int, workdir: Path) -> dict[str, dict[str, float]]:
    """Warm invocations of the project, the bare INSERT function and the floor, and the raw psycopg2
    INSERT on the host, taking turns one by one after 5 warm-ups each, so that a slow spell of the
    machine or of the disk (every INSERT waits for its commit's WAL flush) falls on all of them.

    For a function: `median_ms` from queueing the event to holding the answer, `duration_ms` as
    Lambda reports an invocation's duration (event out to the runtime -> answer in). For the raw
    insert: INSERT ... RETURNING and COMMIT on one open connection (psycopg2's default: BEGIN, the
    INSERT, COMMIT)."""
    import psycopg2

    record, health = load_event("http-api/records-create.json"), load_event("http-api/health.json")
    content = json.loads(record["body"])["content"]
    functions: dict[str, Function] = {}
    created: list[str] = []
    raw = psycopg2.connect(DATABASE_URL)

    def function(name: str, event: dict[str, Any], status: int):
        def lane() -> tuple[float, float | None]:
            elapsed, duration, response = functions[name].invoke(event)
            check(f"warm {name}", response, {status})
            if status == 201:
                created.append(json.loads(response["body"])["id"])
            return elapsed, duration

        return lane

    def raw_insert() -> tuple[float, float | None]:
        started = time.monotonic()
        with raw.cursor() as cur:
            cur.execute(
                "INSERT INTO records (id, user_id, content, record_date, search_terms)"
                " VALUES (%s, %s, %s, %s, to_tsvector('simple', %s)) RETURNING id, content, record_date, created_at",
                (str(uuid.uuid4()), RAW_INSERT_USER, content, "2026-11-25", content),
            )
            cur.fetchone()
        raw.commit()
        return time.monotonic() - started, None

    lanes = {
        RECORDS: function("project", record, 201),
        HEALTH: function("project", health, 200),
        BARE: function("raw-function", record, 201),
        FLOOR: function("floor", health, 200),
        RAW: raw_insert,
    }
    times: dict[str, list[tuple[float, float | None]]] = {name: [] for name in lanes}
    try:
        first_events = {"project": (health, 200), "raw-function": (record, 201), "floor": (health, 200)}
        for name, (event, status) in first_events.items():
            functions[name] = Function(TAGS[name], {}, workdir / f"{name}-warm.log")
            _, first = functions[name].cold_start(event, {})
            check(f"first invocation of {name}", first, {status})
            if status == 201:
                created.append(json.loads(first["body"])["id"])
        for i in range(n + 5):
            for name, lane in lanes.items():
                measured = lane()
                if i >= 5:
                    times[name].append(measured)
    finally:
        for fn in functions.values():
            fn.stop()
        raw.close()
    with psycopg2.connect(DATABASE_URL) as conn, conn.cursor() as cur:  # leave the database as it was
        cur.execute("DELETE FROM records WHERE id = ANY(%s::uuid[])", (created,))
        cur.execute("DELETE FROM records WHERE user_id = %s", (RAW_INSERT_USER,))
    return {name: _latency(measured) for name, measured in times.items()}


def _latency(measured: list[tuple[float, float | None]]) -> dict[str, float]:
    elapsed = sorted(e for e, _ in measured)
    row = {
        "median_ms": round(statistics.median(elapsed) * 1000, 3),
        "p90_ms": round(elapsed[int(0.9 * len(elapsed))] * 1000, 3),
    }
    durations = [d for _, d in measured if d is not None]
    if durations:
        row["duration_ms"] = round(statistics.median(durations) * 1000, 3)
    return row
