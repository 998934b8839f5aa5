"""Several Lambda containers at once, straight to PostgreSQL (the harness: tests/support/load.py).

PROCESSES x REQUESTS requests; every acknowledged write (201) is in the database exactly once,
nothing unacknowledged was stored, retries stored nothing twice, and each process used one
PostgreSQL connection for all its requests (its own report of backend pids, and pg_stat_activity
sampled while they ran). Requests, errors and p50/p95 latency go to the run's summary.
"""

from __future__ import annotations

import os

import psycopg2

from handler.dal.login_roles import APP_LOGIN
from handler.local.embedded_postgres import login_url
from tests.support import load

PROCESSES = int(os.environ.get("LOAD_PROCESSES", "4"))
REQUESTS = int(os.environ.get("LOAD_REQUESTS", "100"))


def test_concurrent_processes_lose_and_duplicate_nothing(test_database, db, tmp_path):
    from tests.support import services

    dbname = psycopg2.extensions.parse_dsn(test_database)["dbname"]
    services.current().store.close()  # this process's own handler connection would blur pg_stat_activity
    watcher = psycopg2.connect(test_database)
    watcher.autocommit = True

    def backends() -> set[int]:
        with watcher.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'diary-orchestrator' AND datname = %s",
                (dbname,),
            )
            return {pid for (pid,) in cur.fetchall()}

    # Only the connections the processes open: in a whole run a process of an earlier test may
    # still be holding one of its own (seen in CI: 5 where these 4 processes held 4).
    before = backends()

    def connections() -> int:
        return len(backends() - before)

    try:
        # The processes log in as the function's own login; `watcher` and `db` as the superuser.
        app_url = login_url(test_database, APP_LOGIN)
        figures = load.run(app_url, db, tmp_path, PROCESSES, requests=REQUESTS, connections=connections)
    finally:
        watcher.close()
    load.tally_figures("load", figures)
    load.assert_nothing_lost(figures)
    assert figures["peak connections"] <= PROCESSES, figures["peak connections"]
