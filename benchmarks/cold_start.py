"""Cold starts: how long each image takes from starting to its first answer, and what the time goes on.

Measured:
  - cold start: from starting the image's own entry point (`buildah run`, ENTRYPOINT + CMD) to the
    first response posted to the Runtime API emulator (tests/support/lambda_image/runtime_api.py), for
    each of ROUTES: GET /health; POST /agent with a statement the front door's rules leave to the
    model (MODEL_PROVIDER=bedrock against the fake Bedrock, one Converse call: the goal's route);
    POST /agent with the agent-data sample, which the rules route in code (no model call, but still
    an /agent request); median of N starts, a fresh container each time (its creation is
    not timed), the images taking turns start by start so that a slow spell of the machine falls
    on all of them. Also the project's image with its .pyc files ignored, to show what they buy;
  - `python -X importtime` of the cold starts: the top-level imports that dominate.
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import DATABASE_URL, IMAGES, TAGS, log
from benchmarks.function import Function, check
from tests.support.lambda_image.routes import AwsFakes, load_event

HEALTH_EVENT = "http-api/health.json"
AGENT_EVENT = "http-api/agent-data.json"
# A statement that names a diary: handler.agents.router.rules leaves it to the model
# (tests/data/routing_set.tsv labels it `data`), so the start pays for Strands and one Converse call.
MODEL_ROUTED = "오늘 일기장 샀어"


@dataclass(frozen=True)
class ColdRoute:
    """A request measured cold: its sample event, the content it is sent with (None: as in the
    sample) and the Converse calls it must make (with the fake Bedrock and moto when above 0)."""

    event_name: str
    content: str | None
    converse_calls: int

    def event(self) -> dict[str, Any]:
        event = load_event(self.event_name)
        if self.content is not None:
            body = json.loads(event["body"])
            event["body"] = json.dumps({**body, "content": self.content}, ensure_ascii=False)
        return event


# Result keys (cold_<key>) and what they measure; `agent` is the goal's route.
ROUTES = {
    "health": ColdRoute(HEALTH_EVENT, None, 0),
    "agent": ColdRoute(AGENT_EVENT, MODEL_ROUTED, 1),
    "agent_in_code": ColdRoute(AGENT_EVENT, None, 0),
}
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
    tag: str, route: ColdRoute, env: dict[str, str], log_path: Path, fakes: AwsFakes, snap_start: bool = False
) -> Any:
    """A cold start's seconds; with `snap_start`, (init to the snapshot point, restore to the first
    response) in seconds instead. A route that makes no model call starts without the fakes' settings."""
    run_env = dict(env)
    if route.converse_calls:
        run_env.update(fakes.environment())
        run_env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
        fakes.bedrock.reset()
        fakes.bedrock.answer("RouteDecision", {"type": "data"})
    fn = Function(tag, run_env, log_path)
    try:
        if snap_start:
            init_s, restore_s, response = fn.snap_start(route.event(), {})
            elapsed: Any = (init_s, restore_s)
        else:
            elapsed, response = fn.cold_start(route.event(), {})
    finally:
        fn.stop()
    check(f"{tag} {route.event_name}", response, {200})
    if route.converse_calls and tag != TAGS["floor"]:
        calls = fakes.bedrock.converse_calls()
        if len(calls) != route.converse_calls:
            raise RuntimeError(f"{tag}: expected {route.converse_calls} Converse call(s), saw {len(calls)}")
    return elapsed


def cold_starts(key: str, n: int, workdir: Path, fakes: AwsFakes) -> dict[str, dict[str, Any]]:
    """n starts of every starter, taking turns; then one more of the project under -X importtime,
    whose whole log is kept (docs/image.md's table is read from it)."""
    route = ROUTES[key]
    times: dict[str, list[float]] = {name: [] for name in starters()}
    for i in range(n):
        for name, (tag, env) in starters().items():
            log_path = workdir / f"{name.replace(' ', '_').replace(',', '')}-{key}-{i}.log"
            times[name].append(one_start(tag, route, env, log_path, fakes))
    result: dict[str, dict[str, Any]] = {
        name: {"median_s": round(statistics.median(ts), 3), "runs_s": [round(t, 3) for t in ts]}
        for name, ts in times.items()
    }
    log_path = workdir / f"project-{key}-importtime.log"
    one_start(TAGS["project"], route, {"PYTHONPROFILEIMPORTTIME": "1"}, log_path, fakes)
    importtime = log_path.read_text(errors="replace")
    result["project"]["importtime_top"] = importtime_top(importtime)
    result["project"]["importtime_log"] = [line for line in importtime.splitlines() if line.startswith("import time:")]
    return result


def every_route(n: int, workdir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """The cold starts of each of ROUTES in turn (the model's through the fake Bedrock and moto)."""
    with AwsFakes() as fakes:
        results = {}
        for key, route in ROUTES.items():
            log(f"cold starts, {key} ({route.event_name}): {', '.join(starters())} in turn, {n} each")
            results[key] = cold_starts(key, n, workdir, fakes)
    return results


def remove_agent_records(since: float) -> None:
    """The /agent starts each stored a record: remove them (only those, only from this run)."""
    import psycopg2

    with psycopg2.connect(DATABASE_URL) as conn, conn.cursor() as cur:
        for route in ROUTES.values():
            if route.event_name != AGENT_EVENT:
                continue
            event = route.event()
            cur.execute(
                "DELETE FROM records WHERE user_id = %s AND content = %s AND created_at >= to_timestamp(%s)",
                (
                    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"],
                    json.loads(event["body"])["content"],
                    since,
                ),
            )


SNAP_START_IMAGES = ("floor", "project")


def snap_starts(n: int, workdir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """SnapStart's two halves for the project and the floor, GET /health and POST /agent, n each,
    taking turns: init to the snapshot point, and restore to the first response."""
    result: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in SNAP_START_IMAGES}
    with AwsFakes() as fakes:
        for route in ("health", "agent"):
            log(f"SnapStart, {route}: {', '.join(SNAP_START_IMAGES)} in turn, {n} each")
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in SNAP_START_IMAGES}
            for i in range(n):
                for name in SNAP_START_IMAGES:
                    log_path = workdir / f"snap-{name}-{route}-{i}.log"
                    runs[name].append(one_start(TAGS[name], ROUTES[route], {}, log_path, fakes, snap_start=True))
            for name, pairs in runs.items():
                result[name][route] = {
                    "init_to_snapshot_median_s": round(statistics.median(p[0] for p in pairs), 3),
                    "restore_to_first_response_median_s": round(statistics.median(p[1] for p in pairs), 3),
                    "runs_s": [[round(a, 3), round(b, 3)] for a, b in pairs],
                }
    return result
