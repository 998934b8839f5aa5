"""What a cold start spends outside imports: init, then the first and second invocation of a route.

Each sample event runs in a fresh Python process (a cold start, on this machine, without the image):
the time to import handler.app (init), to answer the first event (first use: the resolver built,
validation's models made for the route, the connection opened, lazily imported modules) and to
answer the same event again (warm), and the modules held after each. Medians of `--runs` processes.
The embedded PostgreSQL (or BENCH_DATABASE_URL), the offline model; no AWS.

  python -m benchmarks.first_request [--runs 5] [events/http-api/health.json ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import DATABASE_URL  # noqa: E402

DEFAULT_EVENTS = ("health.json", "records-create.json", "agent-data.json", "questions-ask.json")
_PROBE = r"""
import json, sys, time
started = time.perf_counter()
import handler.app
init = time.perf_counter()
held_init = len(sys.modules)

class Context:
    function_name = "diary"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:diary"
    aws_request_id = "first-request"
    def get_remaining_time_in_millis(self):
        return 30000

event = json.loads(sys.argv[1])
first = handler.app.lambda_handler(json.loads(json.dumps(event)), Context())
answered = time.perf_counter()
held_first = len(sys.modules)
handler.app.lambda_handler(json.loads(json.dumps(event)), Context())
again = time.perf_counter()
print(json.dumps({"status": first["statusCode"], "init_ms": (init - started) * 1000,
                  "first_ms": (answered - init) * 1000, "warm_ms": (again - answered) * 1000,
                  "modules_init": held_init, "modules_first": held_first}))
"""


def one(event: dict) -> dict:
    """One cold start, as a user of its own (a shared one would meet its daily limits)."""
    event = json.loads(json.dumps(event))
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = f"first-request-{uuid.uuid4()}"
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "MODEL_PROVIDER": "offline",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(event)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("events", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    subprocess.run(
        [sys.executable, "-m", "handler.migrate"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "DATABASE_URL": DATABASE_URL},
    )
    paths = args.events or [ROOT / "events" / "http-api" / name for name in DEFAULT_EVENTS]
    print(
        "| event | status | init (import handler.app) | first invocation | second invocation "
        "| modules after init | after the first |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path in paths:
        event = json.loads(path.read_text())
        runs = [one(event) for _ in range(args.runs)]
        med = {key: statistics.median(r[key] for r in runs) for key in ("init_ms", "first_ms", "warm_ms")}
        print(
            f"| {path.name} | {runs[0]['status']} | {med['init_ms']:.0f} ms | {med['first_ms']:.0f} ms "
            f"| {med['warm_ms']:.1f} ms | {runs[0]['modules_init']} | {runs[0]['modules_first']} |"
        )


if __name__ == "__main__":
    main()
