"""The API checked against its own OpenAPI document by a client nobody on the project wrote:
schemathesis, over HTTP, against `make dev`'s server (handler/local/dev_server.py) started as a
process of its own on the tests' database.

Every check schemathesis has, but two (and a 413 counted as the rejection it is), in every
phase (examples, coverage, fuzzing, and the stateful phase, which follows the document's links: a
record created, then edited and deleted through the id the creation answered):

- `positive_data_acceptance` is left out: a request the document allows may still be refused
  for what is stored, not for its shape (a diary of a day without records is 422 `no_records`, a
  record of another user is 404), and that check counts those as failures.
- `ignored_auth` is left out: the document declares no security scheme (the authorizer sits in
  front of the function in AWS); identity here is the local-only `X-User-Id` header.

Bounded: CONTRACT_MAX_EXAMPLES per operation (default 30) and CONTRACT_MAX_TIME seconds (120).
The summary goes to the run's tallies.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid

import pytest

from tests import tally
from tests.support import limits
from tests.support.dev_server import dev_server
from tests.support.requests import ROOT

MAX_EXAMPLES = os.environ.get("CONTRACT_MAX_EXAMPLES", "30")
MAX_TIME = os.environ.get("CONTRACT_MAX_TIME", "120")
EXCLUDED_CHECKS = ("positive_data_acceptance", "ignored_auth")
# A body over MAX_BODY_BYTES is refused with 413 before anything reads it: a rejection as well
# (schemathesis' default list for a schema-violating request lacks 413, and counts 5xx in).
# DELETE /me erases everything of its caller, so it acts for a user of its own: in the stateful
# phase it would otherwise erase the records other steps just created, and schemathesis, which
# links a 404 after a DELETE only to the deleted resource's own path, reports the record as lost.
CONFIG = """
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "404", "405", "409", "413", "415", "422"]

[[operations]]
include-name = "DELETE /me"
headers = {{ "X-User-Id" = "{eraser}" }}
"""


@pytest.fixture(scope="module")
def dev_api(test_database):
    # One user sends every generated case, many to routes that call a model: the limits per user
    # (tested in test_quotas.py) out of the way.
    with dev_server(test_database, **dict.fromkeys(limits.LIMITS, limits.GENEROUS)) as url:
        yield url


def test_schemathesis_finds_nothing_the_document_does_not_say(dev_api, tmp_path):
    user = f"contract-{uuid.uuid4()}"
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(eraser=f"{user}-eraser"))
    run = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "st") if (ROOT / ".venv" / "bin" / "st").exists() else "st",
            "--config-file",
            str(config),
            "run",
            f"{dev_api}/openapi.json",
            "--checks",
            "all",
            "--exclude-checks",
            ",".join(EXCLUDED_CHECKS),
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            MAX_EXAMPLES,
            "--max-time",
            MAX_TIME,
            "--header",
            f"X-User-Id: {user}",
            "--workers",
            "1",
            "--seed",
            "20261202",
            "--no-color",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=int(MAX_TIME) + 600,
    )
    summary = _summary(run.stdout)
    for name, value in summary.items():
        tally.put("schemathesis", name, value)
    failures = run.stdout.partition("= FAILURES =")[2].partition("= WARNINGS =")[0]
    # Bodies of a failing example can be long: each line is cut short.
    shown = "\n".join(line[:300] for line in (failures or run.stdout[-4000:]).splitlines()[:200])
    assert run.returncode == 0, shown + run.stderr[-2000:]


def _summary(output: str) -> dict[str, str]:
    """What schemathesis' summary says: operations tested, cases generated, failures, phases run."""
    found = {}
    for name, pattern in (
        ("operations tested", r"Tested:\s*(\d+)"),
        ("cases generated", r"(\d+) generated"),
        ("unique failures", r"(\d+) unique failures?"),
    ):
        match = re.search(pattern, output)
        found[name] = match.group(1) if match else "0"
    summary = output.rpartition("= SUMMARY =")[2]
    phases = re.findall(r"(✅|❌|🚫|⏭)\s+(Examples|Coverage|Fuzzing|Stateful)", summary)
    found["phases passed"] = "/".join(name for mark, name in phases if mark == "✅")
    return found
