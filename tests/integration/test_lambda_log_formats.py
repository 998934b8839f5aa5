"""The function's log lines as Lambda keeps them, under both of Lambda's log formats, in a process
of its own behind awslambdaric's real bootstrap (`python -m awslambdaric
handler.app.lambda_handler`, the image's ENTRYPOINT and CMD) and the Runtime API emulator. What is
checked, and why: tests/support/erasure_log.py. The same run inside the built image:
tests/image/test_log_formats.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.erasure_log import LAMBDA_LOG_VARIABLES, UNSET_FOR_THE_RUNTIME, check_erasure_lines, erasure_scenario
from tests.support.lambda_image.runtime_api import RuntimeAPI
from tests.support.requests import ROOT


def _run_in_lambda_runtime(events: list[dict], log_variables: dict[str, str], out: Path) -> tuple[list[Any], list[str]]:
    """Each event through awslambdaric's bootstrap; the answers, the request ids, and (in `out`)
    everything the process wrote to stdout and stderr."""
    env = {key: value for key, value in os.environ.items() if key not in UNSET_FOR_THE_RUNTIME}
    env.update(log_variables, PYTHONPATH=str(ROOT))
    api = RuntimeAPI().start()
    env["AWS_LAMBDA_RUNTIME_API"] = api.address
    with out.open("w") as sink:
        runtime = subprocess.Popen(
            [sys.executable, "-m", "awslambdaric", "handler.app.lambda_handler"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            answers = [api.invoke(event, timeout=60) for event in events]
        finally:
            api.stop()  # first: the runtime's pending poll is answered, not cut
            runtime.terminate()
            runtime.wait(timeout=30)
    return answers, api.request_ids


@pytest.mark.parametrize("log_format", sorted(LAMBDA_LOG_VARIABLES))
def test_the_erasure_line_is_kept_with_its_fields_under_both_log_formats(log_format, test_database, tmp_path):
    scenario = erasure_scenario()
    out = tmp_path / "runtime.log"
    answers, request_ids = _run_in_lambda_runtime(scenario.events, LAMBDA_LOG_VARIABLES[log_format], out)
    check_erasure_lines(
        scenario, answers, request_ids, out.read_text(encoding="utf-8"), os.environ["POWERTOOLS_SERVICE_NAME"]
    )
