"""The erasure's log line, kept with its fields, when the image runs under each of Lambda's log
formats: the image's own ENTRYPOINT + CMD (awslambdaric as the image has it), Lambda's user, a
read-only root. What is checked, and why: tests/support/erasure_log.py."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.support.erasure_log import LAMBDA_LOG_VARIABLES, UNSET_FOR_THE_RUNTIME, check_erasure_lines, erasure_scenario
from tests.support.lambda_image.engine import START_TIMEOUT_S, function_environment, tail
from tests.support.lambda_image.runtime_api import RuntimeAPI

pytestmark = pytest.mark.image


@pytest.mark.parametrize("log_format", sorted(LAMBDA_LOG_VARIABLES))
def test_the_image_keeps_the_erasure_line_under_both_log_formats(
    log_format, image_engine, image_config, image_database_url
) -> None:
    scenario = erasure_scenario()
    argv = [*image_config.entrypoint, *image_config.cmd]
    with tempfile.TemporaryDirectory(prefix="image-log-formats-") as tmp, RuntimeAPI() as api:
        env = function_environment(api.address, image_database_url, image_config.cmd[-1])
        env = {key: value for key, value in env.items() if key not in UNSET_FOR_THE_RUNTIME}
        env.update(LAMBDA_LOG_VARIABLES[log_format])
        log_path = Path(tmp) / "function.log"
        with log_path.open("wb") as log:
            image_engine.prepare()
            process = image_engine.start(argv, env, log)
            try:
                assert api.wait_for_poll(timeout=START_TIMEOUT_S), tail(log_path.read_text(errors="replace"))
                answers = [api.invoke(event, timeout=60) for event in scenario.events]
            finally:
                image_engine.stop(process)
        printed = log_path.read_text(encoding="utf-8", errors="replace")
    check_erasure_lines(scenario, answers, api.request_ids, printed, env["POWERTOOLS_SERVICE_NAME"])
