"""`make bench`: build and measure the project's image, the seed document's baseline and the floor.

One run, one machine, the same handler/ and the same pinned requirements.txt for every image:

  project     Dockerfile (built with .ci/build-image, as CI and the README build it)
  untrimmed   Dockerfile with --build-arg TRIM=0 (nothing removed from the dependencies)
  stdlib-src  Dockerfile with --build-arg STDLIB_PYC=0 (the base's standard library left without
              bytecode, as python:3.11-slim ships it)
  baseline    benchmarks/baseline.Dockerfile (pip --user, libpq5 apt layer, no bytecode)
  floor       benchmarks/floor/ (the same base, awslambdaric, a handler that imports nothing)
  raw-function  benchmarks/floor/ with psycopg2 and raw_insert.py: one INSERT in a bare function

Measured, in this order (each module's docstring says how and why):
  - benchmarks/images.py: the compressed size of every layer, and of the layers above the base;
  - benchmarks/cold_start.py: cold starts of GET /health and POST /agent through the Runtime API
    emulator, the images taking turns, and `python -X importtime` of the project's start;
  - benchmarks/warm.py: warm POST /records against a raw psycopg2 INSERT, a bare INSERT function
    and the floor, taking turns; one insert by each way of talking to PostgreSQL;
  - benchmarks/images.py: the layers a one-line change to handler/ has to push, and the rebuild;
  - benchmarks/report.py: the goals, and the table printed and stored with the results.

Needs root (buildah with vfs storage and chroot isolation; .ci/build-image installs buildah and makes
the base stand-in when needed), PostgreSQL with pgvector over TCP (the embedded one, or
BENCH_DATABASE_URL) and the dev dependencies (moto, psycopg2). The sources are copied to a snapshot
folder first, so edits made while the benchmark runs do not mix into it. Writes
benchmarks/results/bench-<UTC time>.json and a copy in benchmarks/latest.json.

  python -m benchmarks.bench [--starts 5] [--warm 50] [--skip-build]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The checkout first on sys.path (also when run as `python benchmarks/bench.py`): benchmarks/, the
# test harness it drives (tests/support/lambda_image/) and handler/ are imported from it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import cold_start, images, report, warm
from benchmarks.common import BASE_REF, DATABASE_URL, IMAGES, ROOT, TAGS, log, run

RESULTS = ROOT / "benchmarks" / "results"
LATEST = ROOT / "benchmarks" / "latest.json"
# How each figure is taken, stored with the results.
METHOD = {
    "compressed": "buildah push --compression-format gzip <image> oci:<dir>; blob sizes from the OCI manifest",
    "cold_start": "monotonic time from Popen(buildah run ... ENTRYPOINT CMD) to the first response posted "
    "to the Runtime API emulator; fresh container per start (buildah from not timed); median",
    "warm": "project, bare INSERT function, floor and raw psycopg2 INSERT taking turns one by one, "
    "after 5 warm-ups; queue -> answer: event queued in the emulator -> answer back in the bench; "
    "duration: event's bytes out to the runtime -> the runtime's answer arriving, as Lambda "
    "reports an invocation's duration",
    "raw_insert": "psycopg2 on the host: INSERT ... RETURNING + COMMIT on one open connection, "
    "same table, same database",
    "code_change": f"one comment line appended to {images.CHANGED_FILE}, rebuilt with .ci/build-image; "
    "layers compared by uncompressed digest (diff_id)",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--starts", type=int, default=int(os.environ.get("BENCH_STARTS", 5)), help="cold starts per image and route"
    )
    parser.add_argument(
        "--warm", type=int, default=int(os.environ.get("BENCH_WARM", 50)), help="warm POST /records invocations"
    )
    parser.add_argument("--skip-build", action="store_true", help="measure the images already tagged diary-bench:*")
    return parser.parse_args()


def write(results: dict[str, Any], started_wall: float) -> None:
    """benchmarks/results/bench-<UTC start>.json, and the same in benchmarks/latest.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(started_wall))}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    shutil.copy2(out, LATEST)
    log(f"wrote {out} and {LATEST} ({results['duration_s']:.0f} s)")


def main() -> int:
    args = parse_args()
    if os.geteuid() != 0:
        print("make bench builds and runs images with buildah (vfs, chroot): run it as root", file=sys.stderr)
        return 2

    started_wall = time.time()
    results: dict[str, Any] = {
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_wall)),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs",
        "starts": args.starts,
        "warm": args.warm,
        "method": METHOD,
        "images": {},
    }
    workdir = Path(tempfile.mkdtemp(prefix="bench-", dir="/var/tmp"))
    try:
        ctx = workdir / "ctx"
        ctx.mkdir()
        images.snapshot(ctx)
        results["base"] = BASE_REF
        build_s: dict[str, float] = {} if args.skip_build else images.build_all(ctx)

        n_base = images.base_layer_count()
        for name in IMAGES:
            log(f"layers of {name}")
            results["images"][name] = {
                **images.summarise(images.image_layers(TAGS[name], workdir), n_base),
                "build_s": build_s.get(name, 0.0),
            }

        log("migrations")
        run([sys.executable, "-m", "handler.migrate"], cwd=ROOT, env={**os.environ, "DATABASE_URL": DATABASE_URL})

        cold = cold_start.every_route(args.starts, workdir)
        for name in IMAGES:
            results["images"][name].update({f"cold_{key}": starts[name] for key, starts in cold.items()})
        results["project_without_pyc"] = {
            "env": cold_start.NO_PYC,
            **{f"cold_{key}": starts[cold_start.PYC_IGNORED] for key, starts in cold.items()},
        }
        results["snap_start"] = cold_start.snap_starts(args.starts, workdir)
        cold_start.remove_agent_records(since=started_wall)

        log(f"warm: {', '.join(warm.WARM_LANES)} in turn, {args.warm} each")
        results["warm_turns"] = warm.warm_turns(args.warm, workdir)
        log("one insert, each way of talking to PostgreSQL")
        results["insert_paths_ms"] = warm.insert_paths(max(args.warm, 200))

        log(f"code-only change: one line appended to {images.CHANGED_FILE}, rebuild")
        results["code_change"] = images.code_change(ctx, workdir, before=results["images"]["project"]["layers"])

        results["goals"] = report.goals(results)
        results["duration_s"] = round(time.time() - started_wall, 1)
        text = report.table(results)
        results["table"] = text
        print(text)
        write(results, started_wall)
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
