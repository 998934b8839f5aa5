"""The function's log lines as Lambda keeps them, under both of Lambda's log formats.

The function runs in a process of its own behind awslambdaric's real bootstrap (`python -m
awslambdaric handler.app.lambda_handler`, the image's ENTRYPOINT and CMD) and the Runtime API
emulator, with the variables Lambda sets for each format
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html):
AWS_LAMBDA_LOG_FORMAT=Text, where awslambdaric leaves the root logger at WARNING, so a standard
`logging` INFO line never reaches stdout; and AWS_LAMBDA_LOG_FORMAT=JSON with
AWS_LAMBDA_LOG_LEVEL=INFO (the template's ApplicationLogLevel), where awslambdaric's own JSON
handler on the root logger would print a standard `logging` line without the request's keys.

The line checked is the erasure's (handler.logic.user_data.erase), once inline (DELETE /me on a
deployment without a queue) and once as the worker's job (an SQS message). It must come out once,
as Powertools' JSON: its level and an RFC 3339 timestamp (without a valid one Lambda takes the
line as INFO, whatever its level: monitoring-cloudwatchlogs-log-level.html), its counts, the
Lambda request id, and the API request id or the job's message id; and nothing the process
prints may name the user or repeat their words.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from handler.local.aws_stand_ins import sqs_event
from tests.support.lambda_image.runtime_api import RuntimeAPI
from tests.support.requests import ROOT, http_event, jot

ERASED = "erased a user's data"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# What Lambda sets for each log format; in Text format it sets no level.
LAMBDA_LOG_VARIABLES = {
    "Text": {"AWS_LAMBDA_LOG_FORMAT": "Text"},
    "JSON": {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO"},
}


def _run_in_lambda_runtime(events: list[dict], log_variables: dict[str, str], out: Path) -> tuple[list, list[str]]:
    """Each event through awslambdaric's bootstrap; the answers, the request ids, and (in `out`)
    everything the process wrote to stdout and stderr."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # A deployment without a queue or a bucket erases inline; the level is Lambda's alone.
    for name in (
        "JOB_QUEUE_URL",
        "ERASURE_QUEUE_URL",
        "IMAGE_BUCKET",
        "LOG_LEVEL",
        "POWERTOOLS_LOG_LEVEL",
        "AWS_LAMBDA_LOG_LEVEL",
    ):
        env.pop(name, None)
    env.pop("AWS_LAMBDA_INITIALIZATION_TYPE", None)
    env.update(log_variables)
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


def _json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            lines.append(value)
    return lines


@pytest.mark.parametrize("log_format", sorted(LAMBDA_LOG_VARIABLES))
def test_the_erasure_line_is_kept_with_its_fields_under_both_log_formats(log_format, test_database, tmp_path):
    inline_user, queued_user = str(uuid.uuid4()), str(uuid.uuid4())
    words = f"지울 기록 {uuid.uuid4().hex}"
    jot(inline_user, "2026-11-25", words)
    jot(queued_user, "2026-11-25", words)
    delete_me = http_event("DELETE", "/me", user=inline_user)
    message_id = str(uuid.uuid4())
    erase_job = sqs_event(
        [
            {
                "MessageId": message_id,
                "ReceiptHandle": "handle",
                "Body": json.dumps({"job": "erase", "user_id": queued_user}),
                "MD5OfBody": "-",
            }
        ]
    )

    out = tmp_path / "runtime.log"
    (reply, batch), request_ids = _run_in_lambda_runtime([delete_me, erase_job], LAMBDA_LOG_VARIABLES[log_format], out)

    assert reply["statusCode"] == 202 and json.loads(reply["body"]) == {"status": "erased"}
    assert batch == {"batchItemFailures": []}
    printed = out.read_text(encoding="utf-8")
    erased = [line for line in _json_lines(printed) if line.get("message") == ERASED]
    assert len(erased) == 2, printed[-3000:]
    inline, queued = erased
    for line, request_id in ((inline, request_ids[0]), (queued, request_ids[1])):
        assert line["level"] == "INFO"
        assert RFC3339.fullmatch(line["timestamp"]), line["timestamp"]
        assert line["service"] == os.environ["POWERTOOLS_SERVICE_NAME"]
        assert line["function_request_id"] == request_id
        assert (line["records"], line["objects"]) == (1, 0)
    assert inline["correlation_id"] == delete_me["requestContext"]["requestId"]
    assert queued["message_id"] == message_id
    for secret in (inline_user, queued_user, words):
        assert secret not in printed
