"""What a cold start imports, by route: a heavy import that creeps back into the path of a request
that does not need it fails here (issue 29; docs/image.md has what each one costs).

Each case is a fresh Python process, as a cold start is: it imports handler.app (the function's
init), answers one sample event with the session's database, and reports the modules it holds
after each step. Counted in modules, never timed: the machines that run this are shared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events" / "http-api"

# Imported by no request that makes no model call and names no holiday: the model stack (Strands,
# its OpenTelemetry), boto3 (Powertools' idempotency package imports it with its DynamoDB layer;
# the database secret and the AWS clients are made on first use), the holiday tables.
HEAVY = ("strands", "opentelemetry", "boto3", "s3transfer", "holidays", "korean_lunar_calendar", "yaml", "jsonschema")
# Modules held after init, and after a first request: a budget with some room over what the
# service held when it was set (in the test virtualenv: 517 after init and 519 after each of these
# requests; 532 and 534 with the photo, import, insights and voice-note routes; 725 and up to 1,031
# before issue 29): room for the modules of a few more routes, not for a library.
INIT_BUDGET = 560
REQUEST_BUDGET = 565

_PROBE = r"""
import json, sys
def held():
    return sorted(sys.modules)
import handler.app
steps = {"init": held()}

class Context:
    function_name = "diary"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:diary"
    aws_request_id = "import-budget"
    def get_remaining_time_in_millis(self):
        return 30000

response = handler.app.lambda_handler(json.loads(sys.argv[1]), Context())
steps["request"] = held()
print(json.dumps({"status": response["statusCode"], "steps": steps}))
"""


def _cold_start(event_file: str) -> dict:
    event = json.loads((EVENTS / event_file).read_text())
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(event)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _heavy(modules: list[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules if m.split(".")[0] in HEAVY})


@pytest.mark.parametrize(
    ("event_file", "status"), [("health.json", 200), ("records-create.json", 201), ("agent-data.json", 200)]
)
def test_a_request_imports_only_what_it_uses(event_file: str, status: int) -> None:
    started = _cold_start(event_file)
    assert started["status"] == status
    init, request = started["steps"]["init"], started["steps"]["request"]
    assert _heavy(init) == [], "imported at init"
    assert len(init) <= INIT_BUDGET, f"init imports {len(init)} modules, over its budget of {INIT_BUDGET}"
    assert _heavy(request) == [], f"imported by the first {event_file}"
    assert len(request) <= REQUEST_BUDGET, (
        f"the first {event_file} leaves {len(request)} modules, over its budget of {REQUEST_BUDGET}"
    )


def test_the_budget_sees_a_heavy_import() -> None:
    """The check itself: a module of the model stack in the list is seen."""
    assert _heavy(["json", "strands.agent.agent", "holidays.countries"]) == ["holidays", "strands"]
