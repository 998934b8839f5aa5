"""`make bench`: build and measure the project's image, the seed document's baseline and the floor.

One run, one machine, the same handler/ and the same pinned requirements.txt for every image:

  project     Dockerfile (built with .ci/build-image, as CI and the README build it)
  untrimmed   Dockerfile with --build-arg TRIM=0 (nothing removed from the dependencies)
  stdlib-src  Dockerfile with --build-arg STDLIB_PYC=0 (the base's standard library left without
              bytecode, as python:3.11-slim ships it)
  baseline    benchmarks/baseline.Dockerfile (pip --user, libpq5 apt layer, no bytecode)
  floor       benchmarks/floor/ (the same base, awslambdaric, a handler that imports nothing)
  raw-function  benchmarks/floor/ with psycopg2 and raw_insert.py: one INSERT in a bare function

Measured:
  - compressed size of every layer (`buildah push <image> oci:<dir>`, gzip, as a registry would
    receive them: the blob sizes in the pushed OCI manifest), and of the layers above the base;
  - cold start: from starting the image's own entry point (`buildah run`, ENTRYPOINT + CMD) to the
    first response posted to the Runtime API emulator (tests/support/lambda_image/runtime_api.py), for
    GET /health and POST /agent (agent-data event, MODEL_PROVIDER=bedrock against the fake
    Bedrock, one Converse call); median of N starts, a fresh container each time (its creation is
    not timed), the images taking turns start by start so that a slow spell of the machine falls
    on all of them. Also the project's image with its .pyc files ignored, to show what they buy;
  - warm POST /records against a raw psycopg2 INSERT on the same database, and against the same
    INSERT in a bare function and the floor through the same emulator, taking turns one by one;
    both the round trip through the emulator and the duration Lambda would report (event out to
    the runtime -> answer in);
  - after a one-line change to one file in handler/: the layers whose content differs (compared by
    uncompressed digest), their compressed size, and the rebuild time;
  - `python -X importtime` of the cold starts: the top-level imports that dominate.

Needs root (buildah with vfs storage and chroot isolation; .ci/build-image installs buildah and makes
the base stand-in when needed), PostgreSQL on 127.0.0.1:5432 (BENCH_DATABASE_URL) and the dev
dependencies (moto, psycopg2). The sources are copied to a snapshot folder first, so edits made
while the benchmark runs do not mix into it.

  python -m benchmarks.bench [--starts 5] [--warm 50] [--skip-build]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.lambda_image.engine import BuildahEngine, function_environment  # noqa: E402
from tests.support.lambda_image.routes import AwsFakes, load_event  # noqa: E402
from tests.support.lambda_image.runtime_api import RuntimeAPI  # noqa: E402

BUILDAH = ["buildah", "--storage-driver", "vfs"]
BASE_REF = "docker.io/library/python:3.11-slim"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
RESULTS = ROOT / "benchmarks" / "results"
LATEST = ROOT / "benchmarks" / "latest.json"
TAGS = {
    "project": "diary-bench:project",
    "untrimmed": "diary-bench:untrimmed",
    "stdlib-src": "diary-bench:stdlib-src",
    "baseline": "diary-bench:baseline",
    "floor": "diary-bench:floor",
    "raw-function": "diary-bench:raw-function",
    "project-changed": "diary-bench:project-changed",
}
# The images measured side by side (project-changed only for its layers).
IMAGES = ("floor", "baseline", "untrimmed", "stdlib-src", "project")
CHANGED_FILE = "handler/app.py"
# Goals of the issue (figures of the same run).
GOALS = {
    "added_vs_baseline": 0.6,
    "health_vs_floor": 2.0,
    "agent_vs_floor": 4.0,
    "records_vs_raw": 3.0,
    "code_change_mb": 1.0,
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


# ------------------------------------------------------------------------------------ builds
def snapshot(dest: Path) -> None:
    """What the builds need, copied once: every image is built from the same files."""
    for name in ("Dockerfile", ".dockerignore", "requirements.txt"):
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "handler", dest / "handler", ignore=ignore)
    shutil.copytree(ROOT / ".ci", dest / ".ci")
    (dest / "benchmarks").mkdir()
    shutil.copy2(ROOT / "benchmarks" / "baseline.Dockerfile", dest / "benchmarks" / "baseline.Dockerfile")
    shutil.copytree(ROOT / "benchmarks" / "floor", dest / "benchmarks" / "floor", ignore=ignore)


def build_env() -> dict[str, str]:
    env = {**os.environ, "BUILD_ENGINE": "buildah"}
    if not env.get("SSL_CERT_FILE") and Path("/etc/ssl/certs/ca-certificates.crt").exists():
        env["SSL_CERT_FILE"] = "/etc/ssl/certs/ca-certificates.crt"
    return env


def build_with_script(ctx: Path, tag: str) -> float:
    """.ci/build-image: the project's own build (also makes the base stand-in if needed)."""
    started = time.monotonic()
    run([str(ctx / ".ci" / "build-image"), tag], cwd=ctx, env={**build_env(), "BASE_IMAGE": BASE_REF})
    return time.monotonic() - started


def bud(ctx: Path, tag: str, dockerfile: str, context: str = ".", build_args: dict[str, str] | None = None) -> float:
    """buildah bud with the flags .ci/build-image uses."""
    cmd = [
        *BUILDAH,
        "bud",
        "--isolation",
        "chroot",
        "--layers",
        "--force-rm",
        "--pull=never",
        "--build-arg",
        f"BASE_IMAGE={BASE_REF}",
    ]
    for key, value in (build_args or {}).items():
        cmd += ["--build-arg", f"{key}={value}"]
    cert = build_env().get("SSL_CERT_FILE")
    if cert and Path(cert).is_file():
        cmd += ["--secret", f"id=cacert,src={cert}"]
    started = time.monotonic()
    run([*cmd, "-t", tag, "-f", dockerfile, context], cwd=ctx)
    return time.monotonic() - started


# ------------------------------------------------------------------------------------ layers
def image_layers(tag: str, workdir: Path) -> list[dict[str, Any]]:
    """Every layer: its command, uncompressed digest and gzip-compressed size as pushed."""
    dest = workdir / f"oci-{uuid.uuid4().hex[:8]}"
    run([*BUILDAH, "push", "--quiet", "--compression-format", "gzip", tag, f"oci:{dest}"])
    index = json.loads((dest / "index.json").read_text())
    manifest_digest = index["manifests"][0]["digest"].split(":", 1)[1]
    manifest = json.loads((dest / "blobs" / "sha256" / manifest_digest).read_text())
    config = json.loads((dest / "blobs" / "sha256" / manifest["config"]["digest"].split(":", 1)[1]).read_text())
    diff_ids = config["rootfs"]["diff_ids"]
    history = [h for h in config.get("history", []) if not h.get("empty_layer")]
    layers = []
    for i, layer in enumerate(manifest["layers"]):
        created_by = history[i].get("created_by", "") if i < len(history) else ""
        layers.append(
            {
                "created_by": re.sub(r"\s+", " ", created_by.replace("/bin/sh -c #(nop) ", "")).strip()[:160],
                "diff_id": diff_ids[i],
                "compressed_bytes": layer["size"],
            }
        )
    shutil.rmtree(dest, ignore_errors=True)
    return layers


def base_layer_count() -> int:
    out = run([*BUILDAH, "inspect", "--type", "image", BASE_REF]).stdout
    return len(json.loads(out)["OCIv1"]["rootfs"]["diff_ids"])


# ------------------------------------------------------------------------------------ runs
class Function:
    """One start of an image's own entry point against a fresh Runtime API emulator."""

    def __init__(self, tag: str, env: dict[str, str], log_path: Path, argv: list[str] | None = None):
        self.engine = BuildahEngine(tag)
        self.config = self.engine.config()
        self.argv = argv or [*self.config.entrypoint, *self.config.cmd]
        self.env = env
        self.log_path = log_path
        self.api = RuntimeAPI()
        # A stopped function drops its long poll: not worth a traceback on the console.
        self.api._server.handle_error = lambda request, client_address: None  # noqa: SLF001
        self.api.start()
        self.process: subprocess.Popen | None = None

    def cold_start(self, event: dict[str, Any], extra_env: dict[str, str]) -> tuple[float, Any]:
        """Seconds from starting the entry point to the first response posted."""
        self.engine.prepare()  # `buildah from` copies the root file system: not part of the start
        handler = self.config.cmd[-1]
        env = {**function_environment(self.api.address, DATABASE_URL, handler), **extra_env, **self.env}
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        started = time.monotonic()
        self.process = self.engine.start(self.argv, env, self._log)
        response = self.api.invoke(event, timeout=120)
        return time.monotonic() - started, response

    def invoke(self, event: dict[str, Any]) -> tuple[float, float, Any]:
        """Seconds from queueing the event to holding the answer, the invocation's duration as
        Lambda reports it (RuntimeAPI.invoke_timed), and the answer."""
        started = time.monotonic()
        response, duration = self.api.invoke_timed(event, timeout=60)
        return time.monotonic() - started, duration, response

    def stop(self) -> None:
        if self.process is not None:
            self.engine.stop(self.process)
        self.engine.remove_containers()
        self.api.stop()
        if getattr(self, "_log", None):
            self._log.close()


def check(name: str, response: Any, expected: set[int]) -> None:
    status = response.get("statusCode") if isinstance(response, dict) else None
    if status not in expected:
        raise RuntimeError(f"{name}: unexpected answer {json.dumps(response, ensure_ascii=False)[:500]}")


def importtime_top(log: str, top: int = 12) -> list[dict[str, Any]]:
    """Imports at the top of -X importtime's tree (not nested in another import), by cumulative time."""
    rows = []
    for line in log.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if m and not m.group(3):  # not indented: not imported by another import
            rows.append({"module": m.group(4), "cumulative_ms": round(int(m.group(2)) / 1000, 1)})
    rows.sort(key=lambda r: r["cumulative_ms"], reverse=True)
    return rows[:top]


# Ignores every .pyc in the image: Python compiles from source, as without bytecode in the image.
NO_PYC = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": "/nonexistent-pycache"}
PYC_IGNORED = "project, .pyc ignored"


def starters() -> dict[str, tuple[str, dict[str, str]]]:
    """What the cold starts compare: a name, and the image and extra environment it starts with."""
    return {**{name: (TAGS[name], {}) for name in IMAGES}, PYC_IGNORED: (TAGS["project"], NO_PYC)}


def one_start(tag: str, event_name: str, env: dict[str, str], log_path: Path, fakes: AwsFakes | None) -> float:
    run_env = dict(env)
    if fakes is not None:
        run_env.update(fakes.environment())
        run_env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
        fakes.bedrock.reset()
        fakes.bedrock.answer("RouteDecision", {"type": "data"})
    fn = Function(tag, run_env, log_path)
    try:
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


def insert_paths(n: int) -> dict[str, float]:
    """One record inserted n times by each way of talking to PostgreSQL, taking turns, in this
    process, on one connection each: what the round trips of handler.dal.connection cost against
    psycopg2's default. Median ms per insert, commit included."""
    import psycopg2

    os.environ["DATABASE_URL"] = DATABASE_URL
    from handler.dal import connection
    from handler.dal import records as records_dal
    from handler.settings import get_settings

    get_settings.cache_clear()
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

    def in_transaction() -> None:  # connection.transaction(): 2
        with connection.transaction(user) as cur:
            records_dal.insert(cur, user, uuid.uuid4(), content, dt.date(2026, 11, 25), content)

    def as_statement() -> None:  # connection.statement(): 1
        with connection.statement(user) as cur:
            records_dal.insert(cur, user, uuid.uuid4(), content, dt.date(2026, 11, 25), content)

    paths = {
        "psycopg2 default: BEGIN, INSERT, COMMIT": default,
        "before: BEGIN, settings, INSERT, COMMIT": before,
        "connection.transaction(): settings+BEGIN+INSERT, COMMIT": in_transaction,
        "connection.statement(): settings+INSERT": as_statement,
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
        connection.close()
    return {name: round(statistics.median(ts) * 1000, 3) for name, ts in times.items()}


RAW_INSERT_USER = "bench-raw-insert"
RECORDS, HEALTH, BARE, FLOOR, RAW = WARM_LANES = (
    "project POST /records",
    "project GET /health",
    "bare function, one INSERT",
    "floor",
    "raw psycopg2 INSERT on the host",
)


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


# ------------------------------------------------------------------------------------ report
def mb(n: int | float) -> float:
    return round(n / 1e6, 2)


def summarise(layers: list[dict[str, Any]], n_base: int) -> dict[str, Any]:
    added = layers[n_base:]
    return {
        "layers": layers,
        "base_compressed_bytes": sum(layer["compressed_bytes"] for layer in layers[:n_base]),
        "added_compressed_bytes": sum(layer["compressed_bytes"] for layer in added),
        "total_compressed_bytes": sum(layer["compressed_bytes"] for layer in layers),
    }


def table(results: dict[str, Any]) -> str:
    img = results["images"]
    out = []
    out.append(
        f"make bench  {results['started_utc']}  {results['machine']}  starts={results['starts']} warm={results['warm']}"
    )
    out.append("")
    out.append(
        "| image | layers above base (gzip) | whole image (gzip) | cold start GET /health | cold start POST /agent "
        "| build |"
    )
    out.append("|---|---:|---:|---:|---:|---:|")
    for name in IMAGES:
        i = img.get(name)
        if not i:
            continue
        out.append(
            f"| {name} | {mb(i['added_compressed_bytes'])} MB | {mb(i['total_compressed_bytes'])} MB "
            f"| {i['cold_health']['median_s']:.3f} s | {i['cold_agent']['median_s']:.3f} s | {i['build_s']:.0f} s |"
        )
    nb = results.get("project_without_pyc")
    if nb:
        out.append(
            f"| project, .pyc ignored | (same) | (same) | {nb['cold_health']['median_s']:.3f} s "
            f"| {nb['cold_agent']['median_s']:.3f} s | - |"
        )
    out.append("")
    warm = results["warm_turns"]
    out.append(
        "| warm, taking turns (median) | queue -> answer | duration, as Lambda reports it | p90 queue -> answer |"
    )
    out.append("|---|---:|---:|---:|")
    for name, row in warm.items():
        duration = f"{row['duration_ms']:.3f} ms" if "duration_ms" in row else "-"
        out.append(f"| {name} | {row['median_ms']:.3f} ms | {duration} | {row['p90_ms']:.3f} ms |")
    records, bare, raw = warm[RECORDS], warm[BARE], warm[RAW]
    out.append(
        f"POST /records / the bare function: {records['median_ms'] / bare['median_ms']:.2f}x (queue -> answer), "
        f"{records['duration_ms'] / bare['duration_ms']:.2f}x (duration); "
        f"POST /records duration / raw insert: {records['duration_ms'] / raw['median_ms']:.2f}x "
        "(for comparison, not goals)"
    )
    paths = results.get("insert_paths_ms")
    if paths:
        out.append("")
        out.append("| one insert, in process, back to back (median) | ms |")
        out.append("|---|---:|")
        out.extend(f"| {name} | {ms} |" for name, ms in paths.items())
    c = results["code_change"]
    out.append(
        f"one-line change to {c['file']}: {c['layers_changed']} layer(s) differ "
        f"({', '.join(c['changed_created_by'])}), "
        f"{mb(c['changed_compressed_bytes'])} MB to push, rebuild {c['rebuild_s']:.0f} s"
    )
    out.append("")
    out.append("| goal | measured | limit | met |")
    out.append("|---|---:|---:|---|")
    for row in results["goals"]:
        out.append(f"| {row['goal']} | {row['measured']} | {row['limit']} | {'yes' if row['met'] else 'NO'} |")
    return "\n".join(out)


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    img = results["images"]
    p, b, f = img["project"], img["baseline"], img["floor"]
    rows = []

    def add(goal: str, measured: float, limit: float, unit: str = "x") -> None:
        rows.append(
            {"goal": goal, "measured": f"{measured:.2f}{unit}", "limit": f"{limit}{unit}", "met": measured <= limit}
        )

    add(
        "layers above base, project / baseline",
        p["added_compressed_bytes"] / b["added_compressed_bytes"],
        GOALS["added_vs_baseline"],
    )
    add(
        "cold start GET /health, project / floor",
        p["cold_health"]["median_s"] / f["cold_health"]["median_s"],
        GOALS["health_vs_floor"],
    )
    add(
        "cold start POST /agent, project / floor",
        p["cold_agent"]["median_s"] / f["cold_agent"]["median_s"],
        GOALS["agent_vs_floor"],
    )
    add(
        "warm POST /records / raw psycopg2 insert, taking turns",
        results["warm_turns"][RECORDS]["median_ms"] / results["warm_turns"][RAW]["median_ms"],
        GOALS["records_vs_raw"],
    )
    add(
        "to push after a one-file code change",
        results["code_change"]["changed_compressed_bytes"] / 1e6,
        GOALS["code_change_mb"],
        " MB",
    )
    return rows


# ------------------------------------------------------------------------------------ main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--starts", type=int, default=int(os.environ.get("BENCH_STARTS", 5)), help="cold starts per image and route"
    )
    parser.add_argument(
        "--warm", type=int, default=int(os.environ.get("BENCH_WARM", 50)), help="warm POST /records invocations"
    )
    parser.add_argument("--skip-build", action="store_true", help="measure the images already tagged diary-bench:*")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("make bench builds and runs images with buildah (vfs, chroot): run it as root", file=sys.stderr)
        return 2

    started_wall = time.time()
    results: dict[str, Any] = {
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_wall)),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs",
        "starts": args.starts,
        "warm": args.warm,
        "method": {
            "compressed": "buildah push --compression-format gzip <image> oci:<dir>; blob sizes from the OCI manifest",
            "cold_start": "monotonic time from Popen(buildah run ... ENTRYPOINT CMD) to the first response posted "
            "to the "
            "Runtime API emulator; fresh container per start (buildah from not timed); median",
            "warm": "project, bare INSERT function, floor and raw psycopg2 INSERT taking turns one by one, "
            "after 5 warm-ups; queue -> answer: event queued in the emulator -> answer back in the bench; "
            "duration: event's bytes out to the runtime -> the runtime's answer arriving, as Lambda "
            "reports an invocation's duration",
            "raw_insert": "psycopg2 on the host: INSERT ... RETURNING + COMMIT on one open connection, "
            "same table, same database",
            "code_change": f"one comment line appended to {CHANGED_FILE}, rebuilt with .ci/build-image; "
            "layers compared by uncompressed digest (diff_id)",
        },
        "images": {},
    }
    workdir = Path(tempfile.mkdtemp(prefix="bench-", dir="/var/tmp"))
    try:
        ctx = workdir / "ctx"
        ctx.mkdir()
        snapshot(ctx)
        build_s: dict[str, float] = {}
        results["base"] = BASE_REF
        if not args.skip_build:
            log("building the project's image (.ci/build-image; makes the base stand-in if it is missing)")
            build_s["project"] = build_with_script(ctx, TAGS["project"])
            log("building the untrimmed variant (TRIM=0)")
            build_s["untrimmed"] = bud(ctx, TAGS["untrimmed"], "Dockerfile", build_args={"TRIM": "0"})
            log("building the variant without the standard library's bytecode (STDLIB_PYC=0)")
            build_s["stdlib-src"] = bud(ctx, TAGS["stdlib-src"], "Dockerfile", build_args={"STDLIB_PYC": "0"})
            log("building the baseline (benchmarks/baseline.Dockerfile)")
            build_s["baseline"] = bud(ctx, TAGS["baseline"], "benchmarks/baseline.Dockerfile")
            log("building the floor (benchmarks/floor/)")
            build_s["floor"] = bud(ctx, TAGS["floor"], "benchmarks/floor/Dockerfile", context="benchmarks/floor")
            log("building the bare function with one raw INSERT (benchmarks/floor/, raw_insert.py)")
            bud(
                ctx,
                TAGS["raw-function"],
                "benchmarks/floor/Dockerfile",
                context="benchmarks/floor",
                build_args={"REQUIREMENTS": "requirements-insert.txt", "HANDLER": "raw_insert.py"},
            )

        n_base = base_layer_count()
        for name in IMAGES:
            log(f"layers of {name}")
            results["images"][name] = {
                **summarise(image_layers(TAGS[name], workdir), n_base),
                "build_s": build_s.get(name, 0.0),
            }

        log("migrations")
        run([sys.executable, "-m", "handler.migrate"], cwd=ROOT, env={**os.environ, "DATABASE_URL": DATABASE_URL})

        with AwsFakes() as fakes:
            log(f"cold starts, GET /health: {', '.join(starters())} in turn, {args.starts} each")
            health = cold_starts("http-api/health.json", args.starts, workdir, None)
            log(f"cold starts, POST /agent: {', '.join(starters())} in turn, {args.starts} each")
            agent = cold_starts("http-api/agent-data.json", args.starts, workdir, fakes)
        for name in IMAGES:
            results["images"][name]["cold_health"] = health[name]
            results["images"][name]["cold_agent"] = agent[name]
        results["project_without_pyc"] = {
            "env": NO_PYC,
            "cold_health": health[PYC_IGNORED],
            "cold_agent": agent[PYC_IGNORED],
        }

        # The agent-data starts each stored a record: remove them (only those, only from this run).
        import psycopg2

        agent_event = load_event("http-api/agent-data.json")
        with psycopg2.connect(DATABASE_URL) as conn, conn.cursor() as cur:
            cur.execute(
                "DELETE FROM records WHERE user_id = %s AND content = %s AND created_at >= to_timestamp(%s)",
                (
                    agent_event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"],
                    json.loads(agent_event["body"])["content"],
                    started_wall,
                ),
            )

        log(f"warm: {', '.join(WARM_LANES)} in turn, {args.warm} each")
        results["warm_turns"] = warm_turns(args.warm, workdir)
        log("one insert, each way of talking to PostgreSQL")
        results["insert_paths_ms"] = insert_paths(max(args.warm, 200))

        log(f"code-only change: one line appended to {CHANGED_FILE}, rebuild")
        with open(ctx / CHANGED_FILE, "a", encoding="utf-8") as f:
            f.write(f"\n# make bench: a code-only change {uuid.uuid4().hex}\n")
        rebuild_s = build_with_script(ctx, TAGS["project-changed"])
        before = results["images"]["project"]["layers"]
        after = image_layers(TAGS["project-changed"], workdir)
        changed = [
            layer for i, layer in enumerate(after) if i >= len(before) or before[i]["diff_id"] != layer["diff_id"]
        ]
        results["code_change"] = {
            "file": CHANGED_FILE,
            "rebuild_s": round(rebuild_s, 1),
            "layers_changed": len(changed),
            "changed_created_by": [layer["created_by"][:60] for layer in changed],
            "changed_compressed_bytes": sum(layer["compressed_bytes"] for layer in changed),
        }
        subprocess.run([*BUILDAH, "rmi", TAGS["project-changed"]], capture_output=True, check=False)

        results["goals"] = goals(results)
        results["duration_s"] = round(time.time() - started_wall, 1)
        text = table(results)
        results["table"] = text
        print(text)
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / f"bench-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(started_wall))}.json"
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        shutil.copy2(out, LATEST)
        log(f"wrote {out} and {LATEST} ({results['duration_s']:.0f} s)")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
