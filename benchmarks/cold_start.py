"""Cold starts: how long each image takes from starting to its first answer, and what the time goes on.

Measured:
  - cold start: from starting the image's own entry point (`buildah run`, ENTRYPOINT + CMD) to the
    first response posted to the Runtime API emulator (tests/support/lambda_image/runtime_api.py), for
    GET /health and POST /agent (agent-data event, MODEL_PROVIDER=bedrock against the fake
    Bedrock, one Converse call); median of N starts, a fresh container each time (its creation is
    not timed), the images taking turns start by start so that a slow spell of the machine falls
    on all of them. Also the project's image with its .pyc files ignored, to show what they buy;
  - `python -X importtime` of the cold starts: the top-level imports that dominate.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any

from benchmarks.common import DATABASE_URL, IMAGES, TAGS, log
from benchmarks.function import Function, check
from tests.support.lambda_image.routes import AwsFakes, load_event

HEALTH_EVENT = "http-api/health.json"
AGENT_EVENT = "http-api/agent-data.json"
# Ignores every .pyc in the image: Python compiles from source, as without bytecode in the image.
NO_PYC = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": "/nonexistent-pycache"}
PYC_IGNORED = "project, .pyc ignored"


def importtime_top(log: str, top: int = 12) -> list[dict[str, Any]]:
    """Imports at the top of -X importtime's tree (not nested in another import), by cumulative time."""
    rows = []
    for line in log.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if m and not m.group(3):  # not indented: not imported by another import
            rows.append({"module": m.group(4), "cumulative_ms": round(int(m.group(2)) / 1000, 1)})
    rows.sort(key=lambda r: r["cumulative_ms"], reverse=True)
    return rows[:top]


def starters() -> dict[str, tuple[str, dict[str, str]]]:
    """What the cold starts compare: a name, and the image and extra environment it starts with."""
    return {**{name: (TAGS[name], {}) for name in IMAGES}, PYC_IGNORED: (TAGS["project"], NO_PYC)}


def one_start(
    tag: str, event_name: str, env: dict[str, str], log_path: Path, fakes: AwsFakes | None, snap_start: bool = False
) -> Any:
    """A cold start's seconds; with `snap_start`, (init to the snapshot point, restore to the first
    response) in seconds instead."""
    run_env = dict(env)
    if fakes is not None:
        run_env.update(fakes.environment())
        run_env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
        fakes.bedrock.reset()
        fakes.bedrock.answer("RouteDecision", {"type": "data"})
    fn = Function(tag, run_env, log_path)
    try:
        if snap_start:
            init_s, restore_s, response = fn.snap_start(load_event(event_name), {})
            elapsed: Any = (init_s, restore_s)
        else:
            elapsed, response = fn.cold_start(load_event(event_name), {})
    finally:
        fn.stop()
    check(f"{tag} {event_name}", response, {200})
    if fakes is not None and tag != TAGS["floor"]:
        calls = fakes.bedrock.converse_calls()
        if len(calls) != 1:
            raise RuntimeError(f"{tag}: expected one Converse call, saw {len(calls)}")
    return elapsed


def cold_starts(event_name: str, n: int, workdir: Path, fakes: AwsFakes | None) -> dict[str, dict[str, Any]]:
    """n starts of every starter, taking turns; then one more of the project under -X importtime."""
    times: dict[str, list[float]] = {name: [] for name in starters()}
    for i in range(n):
        for name, (tag, env) in starters().items():
            log_path = workdir / f"{name.replace(' ', '_').replace(',', '')}-{event_name.replace('/', '_')}-{i}.log"
            times[name].append(one_start(tag, event_name, env, log_path, fakes))
    result: dict[str, dict[str, Any]] = {
        name: {"median_s": round(statistics.median(ts), 3), "runs_s": [round(t, 3) for t in ts]}
        for name, ts in times.items()
    }
    log_path = workdir / f"project-{event_name.replace('/', '_')}-importtime.log"
    one_start(TAGS["project"], event_name, {"PYTHONPROFILEIMPORTTIME": "1"}, log_path, fakes)
    result["project"]["importtime_top"] = importtime_top(log_path.read_text(errors="replace"))
    return result


def both_routes(n: int, workdir: Path) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The cold starts of GET /health, then of POST /agent (against the fake Bedrock and moto)."""
    with AwsFakes() as fakes:
        log(f"cold starts, GET /health: {', '.join(starters())} in turn, {n} each")
        health = cold_starts(HEALTH_EVENT, n, workdir, None)
        log(f"cold starts, POST /agent: {', '.join(starters())} in turn, {n} each")
        agent = cold_starts(AGENT_EVENT, n, workdir, fakes)
    return health, agent


def remove_agent_records(since: float) -> None:
    """The agent-data starts each stored a record: remove them (only those, only from this run)."""
    import psycopg2

    agent_event = load_event(AGENT_EVENT)
    with psycopg2.connect(DATABASE_URL) as conn, conn.cursor() as cur:
        cur.execute(
            "DELETE FROM records WHERE user_id = %s AND content = %s AND created_at >= to_timestamp(%s)",
            (
                agent_event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"],
                json.loads(agent_event["body"])["content"],
                since,
            ),
        )


SNAP_START_IMAGES = ("floor", "project")


def snap_starts(n: int, workdir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """SnapStart's two halves for the project and the floor, GET /health and POST /agent, n each,
    taking turns: init to the snapshot point, and restore to the first response."""
    result: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in SNAP_START_IMAGES}
    with AwsFakes() as fakes:
        for route, event_name, route_fakes in (("health", HEALTH_EVENT, None), ("agent", AGENT_EVENT, fakes)):
            log(f"SnapStart, {event_name}: {', '.join(SNAP_START_IMAGES)} in turn, {n} each")
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in SNAP_START_IMAGES}
            for i in range(n):
                for name in SNAP_START_IMAGES:
                    log_path = workdir / f"snap-{name}-{route}-{i}.log"
                    runs[name].append(one_start(TAGS[name], event_name, {}, log_path, route_fakes, snap_start=True))
            for name, pairs in runs.items():
                result[name][route] = {
                    "init_to_snapshot_median_s": round(statistics.median(p[0] for p in pairs), 3),
                    "restore_to_first_response_median_s": round(statistics.median(p[1] for p in pairs), 3),
                    "runs_s": [[round(a, 3), round(b, 3)] for a, b in pairs],
                }
    return result
