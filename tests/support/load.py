"""Several Lambda containers at once: processes that each import the handler and invoke it in a loop.

Used by tests/integration/test_load.py (straight to PostgreSQL) and test_pooler.py (through
PgBouncer in transaction mode). Requests from a few users, interleaved across processes: writes
(every fifth sent twice with the same Idempotency-Key, as a client retrying after a timeout would)
and reads. `run` checks what was stored against what was acknowledged and returns the figures;
the callers assert on them and put them in the run's summary. There is no timing assertion.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.requests import ROOT

_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from handler.app import lambda_handler
    from tests.support import services
    from tests.support.requests import FakeContext, http_event

    index, users, requests = int(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
    start_at, out, seconds = float(sys.argv[4]), sys.argv[5], float(sys.argv[6])
    while time.time() < start_at:
        time.sleep(0.001)
    results, backends = [], set()
    n = -1
    while True:  # `requests` requests, or as many as fit in `seconds` when it is given
        n += 1
        if (n >= requests) if not seconds else (time.time() >= start_at + seconds):
            break
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
            if services.current().store._connection is not None and not services.current().store._connection.closed:
                backends.add(services.current().store._connection.get_backend_pid())
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


def run(
    database_url: str,
    db: Any,
    out_dir: Path,
    processes: int,
    *,
    requests: int = 0,
    seconds: float = 0,
    connections: Callable[[], int],
) -> dict[str, Any]:
    """Run the processes against `database_url`; `connections()` is sampled while they run (the
    server connections the service holds). What was stored is read back with `db`."""
    users = [f"load-{uuid.uuid4()}" for _ in range(3)]
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    peak = {"connections": 0, "samples": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak["connections"] = max(peak["connections"], connections())
            peak["samples"] += 1
            stop.wait(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    start_at = time.time() + 4  # after every process has imported the handler
    outputs = [out_dir / f"child-{i}.json" for i in range(processes)]
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _CHILD,
                str(i),
                json.dumps(users),
                str(requests),
                str(start_at),
                str(outputs[i]),
                str(seconds),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(processes)
    ]
    try:
        errors = [child.communicate(timeout=300 + seconds)[1] for child in children]
    finally:
        stop.set()
        watcher.join(timeout=5)
        for child in children:
            if child.poll() is None:
                child.kill()
    assert [child.returncode for child in children] == [0] * processes, errors

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
    latencies = [r["ms"] for r in results]
    by_kind = {kind: [r["ms"] for r in results if r["kind"] == kind] for kind in ("write", "read")}
    return {
        "processes": processes,
        "requests": len(results),
        "writes": len(writes),
        "writes acknowledged": len(acknowledged),
        "retries": len(retries),
        "errors": [r for r in results if r["status"] >= 400 or r["status"] == 0],
        "lost": [c for c, rid in acknowledged.items() if stored_by_content.get(c) != [rid]],
        "duplicated": [c for c, ids in stored_by_content.items() if len(ids) > 1],
        "unacknowledged": [c for c in stored_by_content if c not in acknowledged],
        "retried differently": [r for r in retries if r["status"] == 201 and acknowledged.get(r["content"]) != r["id"]],
        "stored": len(stored),
        "connections per process": [len(report["backends"]) for report in reports],
        "peak connections": peak["connections"],
        "samples": peak["samples"],
        "p50 ms": round(statistics.median(latencies), 1),
        "p95 ms": round(_percentile(latencies, 0.95), 1),
        **{
            f"{kind} p50/p95 ms": f"{statistics.median(ms):.1f}/{_percentile(ms, 0.95):.1f}"
            for kind, ms in by_kind.items()
        },
    }


def assert_nothing_lost(figures: dict[str, Any]) -> None:
    """Every acknowledged write stored once, nothing else stored, no error, one connection each."""
    for name in ("errors", "lost", "duplicated", "unacknowledged", "retried differently"):
        assert not figures[name], (name, figures[name][:5])
    assert figures["writes acknowledged"] == figures["writes"], "every write was acknowledged"
    assert figures["stored"] == figures["writes acknowledged"]
    assert figures["connections per process"] == [1] * figures["processes"], figures["connections per process"]
    assert figures["samples"] > 0


def tally_figures(section: str, figures: dict[str, Any]) -> None:
    from tests import tally

    for name in ("processes", "requests", "writes acknowledged", "retries"):
        tally.put(section, name, figures[name])
    for name in ("errors", "lost", "duplicated"):
        tally.put(section, name, len(figures[name]))
    tally.put(section, "connections per process", "/".join(map(str, figures["connections per process"])))
    tally.put(section, "peak server connections", figures["peak connections"])
    for name in ("p50 ms", "p95 ms", "write p50/p95 ms", "read p50/p95 ms"):
        tally.put(section, name, figures[name])
