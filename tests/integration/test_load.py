"""Several Lambda containers at once: processes that each import the handler and invoke it in a loop.

PROCESSES x REQUESTS requests from a few users, interleaved across processes: writes (some sent
twice with the same Idempotency-Key, as a client retrying after a timeout would) and reads. Then:
every acknowledged write (201) is in the database exactly once, nothing unacknowledged was
stored, retries stored nothing twice, and each process used one PostgreSQL connection for all its
requests (its own report of backend pids, and pg_stat_activity sampled while they ran). Requests,
errors and p50/p95 latency go to the run's summary; there is no timing assertion.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import psycopg2

from tests import tally
from tests.support.requests import ROOT

PROCESSES = int(os.environ.get("LOAD_PROCESSES", "4"))
REQUESTS = int(os.environ.get("LOAD_REQUESTS", "100"))
SECTION = "load"

_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from handler.app import lambda_handler
    from handler.dal import connection
    from tests.support.requests import FakeContext, http_event

    index, users, requests = int(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
    start_at, out = float(sys.argv[4]), sys.argv[5]
    while time.time() < start_at:
        time.sleep(0.001)
    results, backends = [], set()
    for n in range(requests):
        user = users[(index + n) % len(users)]
        day = f"2026-11-{20 + n % 5:02d}"
        if n % 3 == 2:
            kind, events = "read", [http_event("GET", "/records", user=user, query={"date": day, "limit": "20"})]
        else:
            content = f"load p{index} n{n}"
            kind = "write"
            headers = {"idempotency-key": f"load-{index}-{n}"} if n % 5 == 0 else {}
            event = http_event("POST", "/records", {"content": content, "record_date": day}, user=user, headers=headers)
            # Every fifth write is sent twice with its key: a client retrying after a timeout.
            events = [event, event] if headers else [event]
        for attempt, event in enumerate(events):
            started = time.perf_counter()
            try:
                response = lambda_handler(event, FakeContext())
                status, body = response["statusCode"], json.loads(response["body"] or "null")
            except Exception as exc:  # a crash of the function itself, not an HTTP error
                status, body = 0, {"crash": repr(exc)}
            elapsed_ms = (time.perf_counter() - started) * 1000
            if connection._connection is not None and not connection._connection.closed:
                backends.add(connection._connection.get_backend_pid())
            results.append({"kind": kind if attempt == 0 else "retry", "user": user, "status": status,
                            "ms": elapsed_ms, "id": (body or {}).get("id") if status == 201 else None,
                            "content": json.loads(event["body"])["content"] if kind == "write" else None})
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"results": results, "backends": sorted(backends)}, f)
    """
)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def test_concurrent_processes_lose_and_duplicate_nothing(test_database, db, tmp_path):
    from handler.dal import connection

    users = [f"load-{uuid.uuid4()}" for _ in range(3)]
    dbname = psycopg2.extensions.parse_dsn(test_database)["dbname"]
    connection.close()  # this process's own handler connection would blur pg_stat_activity
    env = {**os.environ, "DATABASE_URL": test_database, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}

    # Sample the service's connections to this database while the children run.
    peak = {"connections": 0, "samples": 0}
    stop = threading.Event()

    def sample() -> None:
        watcher = psycopg2.connect(test_database)
        watcher.autocommit = True
        with watcher.cursor() as cur:
            while not stop.is_set():
                cur.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'diary-orchestrator'"
                    " AND datname = %s",
                    (dbname,),
                )
                peak["connections"] = max(peak["connections"], cur.fetchone()[0])
                peak["samples"] += 1
                stop.wait(0.05)
        watcher.close()

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    start_at = time.time() + 4  # after every process has imported the handler
    outputs = [tmp_path / f"child-{i}.json" for i in range(PROCESSES)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(i), json.dumps(users), str(REQUESTS), str(start_at), str(outputs[i])],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    try:
        errors = [child.communicate(timeout=300)[1] for child in children]
    finally:
        stop.set()
        watcher.join(timeout=5)
        for child in children:
            if child.poll() is None:
                child.kill()
    assert [child.returncode for child in children] == [0] * PROCESSES, errors

    reports = [json.loads(path.read_text(encoding="utf-8")) for path in outputs]
    results = [r for report in reports for r in report["results"]]
    writes = [r for r in results if r["kind"] == "write"]
    retries = [r for r in results if r["kind"] == "retry"]
    acknowledged = {r["content"]: r["id"] for r in writes if r["status"] == 201}

    db.execute("SELECT id::text AS id, content FROM records WHERE user_id = ANY(%s)", (users,))
    stored = db.fetchall()
    stored_by_content: dict[str, list[str]] = {}
    for row in stored:
        stored_by_content.setdefault(row["content"], []).append(row["id"])
    lost = [c for c, rid in acknowledged.items() if stored_by_content.get(c) != [rid]]
    duplicated = [c for c, ids in stored_by_content.items() if len(ids) > 1]
    unacknowledged = [c for c in stored_by_content if c not in acknowledged]
    retried_differently = [r for r in retries if r["status"] == 201 and acknowledged.get(r["content"]) != r["id"]]
    errors_seen = [r for r in results if r["status"] >= 400 or r["status"] == 0]
    connections_per_process = [len(report["backends"]) for report in reports]

    latencies = [r["ms"] for r in results]
    tally.put(SECTION, "processes", PROCESSES)
    tally.put(SECTION, "requests", len(results))
    tally.put(SECTION, "writes acknowledged", len(acknowledged))
    tally.put(SECTION, "retries", len(retries))
    tally.put(SECTION, "errors", len(errors_seen))
    tally.put(SECTION, "lost", len(lost))
    tally.put(SECTION, "duplicated", len(duplicated))
    tally.put(SECTION, "connections per process", "/".join(map(str, connections_per_process)))
    tally.put(SECTION, "peak connections (pg_stat_activity)", peak["connections"])
    tally.put(SECTION, "p50 ms", round(statistics.median(latencies), 1))
    tally.put(SECTION, "p95 ms", round(_percentile(latencies, 0.95), 1))
    for kind in ("write", "read"):
        of_kind = [r["ms"] for r in results if r["kind"] == kind]
        tally.put(SECTION, f"{kind} p50/p95 ms", f"{statistics.median(of_kind):.1f}/{_percentile(of_kind, 0.95):.1f}")

    assert not errors_seen, errors_seen[:5]
    assert len(acknowledged) == len(writes), "every write was acknowledged"
    assert not lost, lost[:5]
    assert not duplicated, duplicated[:5]
    assert not unacknowledged, unacknowledged[:5]
    assert not retried_differently, retried_differently[:5]
    assert len(stored) == len(acknowledged)
    assert connections_per_process == [1] * PROCESSES, connections_per_process
    assert peak["samples"] > 0 and peak["connections"] <= PROCESSES, peak
