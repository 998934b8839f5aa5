"""What every step of `make bench` shares: where the checkout is, how buildah is called, the base
image, the database, the tags of the images measured, and the log and run helpers.

The images are tagged diary-bench:* so that `--skip-build` can measure the ones an earlier run built.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from handler.local.embedded_postgres import database_url

ROOT = Path(__file__).resolve().parents[1]
BUILDAH = ["buildah", "--storage-driver", "vfs"]
BASE_REF = "docker.io/library/python:3.11-slim"
# The embedded PostgreSQL (with pgvector, which the schema requires; on 127.0.0.1, where the images
# reach it) unless BENCH_DATABASE_URL names another. The run of 2026-12-02 used the machine's
# PostgreSQL 15 (without pgvector), which the schema no longer runs on.
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or database_url()
TAGS = {
    "project": "diary-bench:project",
    "untrimmed": "diary-bench:untrimmed",
    "stdlib-src": "diary-bench:stdlib-src",
    "baseline": "diary-bench:baseline",
    "floor": "diary-bench:floor",
    "raw-function": "diary-bench:raw-function",
    "project-changed": "diary-bench:project-changed",
}
# Every image runs as Lambda runs it (tests/support/lambda_image/engine.py: a user of Lambda's, a
# read-only root) but the baseline: the seed's recipe installs into /root/.local, which only root
# can read, so on Lambda it would not start at all. It runs as root here, to be measured.
RUN_AS = {TAGS["baseline"]: "0:0"}
# The images measured side by side (project-changed only for its layers).
IMAGES = ("floor", "baseline", "untrimmed", "stdlib-src", "project")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result
