"""The erasure's log line as Lambda keeps it, under both of Lambda's log formats: the scenario and
its checks, shared by the in-process runtime test (tests/integration/test_lambda_log_formats.py)
and the image's (tests/image/test_log_formats.py).

Lambda sets AWS_LAMBDA_LOG_FORMAT (and, for JSON, AWS_LAMBDA_LOG_LEVEL from ApplicationLogLevel)
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html). Under Text,
awslambdaric leaves the root logger at WARNING, so a standard `logging` INFO line never reaches
stdout; under JSON its own handler would print such a line without the request's keys.

The line checked is the erasure's (handler.logic.erasure.run), once inline (DELETE /me on a
deployment without a queue) and once as the worker's job (an SQS message). It must come out once
each, as Powertools' JSON: its level and an RFC 3339 timestamp (without a valid one Lambda takes
the line as INFO, whatever its level: monitoring-cloudwatchlogs-log-level.html), its counts, the
Lambda request id, and the API request id or the job's message id; and nothing the process prints
may name the user or repeat their words.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from handler.local.aws_stand_ins import sqs_event
from tests.support.requests import http_event, jot

ERASED = "erased a user's data"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# What Lambda sets for each log format; in Text format it sets no level.
LAMBDA_LOG_VARIABLES = {
    "Text": {"AWS_LAMBDA_LOG_FORMAT": "Text"},
    "JSON": {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO"},
}
# Settings the runtime must not get from the test's own environment: no queue or bucket (the
# erasure runs inline), and no level but Lambda's.
UNSET_FOR_THE_RUNTIME = (
    "REPORT_QUEUE_URL", "JOB_QUEUE_URL", "ERASURE_QUEUE_URL", "IMAGE_BUCKET", "LOG_LEVEL", "POWERTOOLS_LOG_LEVEL",
    "AWS_LAMBDA_LOG_LEVEL", "AWS_LAMBDA_INITIALIZATION_TYPE",
)  # fmt: skip


@dataclass(frozen=True)
class ErasureScenario:
    """Two users with a record each: one erased by DELETE /me, one by the worker's job."""

    inline_user: str
    queued_user: str
    words: str
    delete_me: dict[str, Any]
    erase_job: dict[str, Any]
    message_id: str

    @property
    def events(self) -> list[dict[str, Any]]:
        return [self.delete_me, self.erase_job]


def erasure_scenario() -> ErasureScenario:
    inline_user, queued_user = str(uuid.uuid4()), str(uuid.uuid4())
    words = f"지울 기록 {uuid.uuid4().hex}"
    jot(inline_user, "2026-11-25", words)
    jot(queued_user, "2026-11-25", words)
    message_id = str(uuid.uuid4())
    job = {"job": "erase", "user_id": queued_user}
    erase_job = sqs_event(
        [{"MessageId": message_id, "ReceiptHandle": "handle", "Body": json.dumps(job), "MD5OfBody": "-"}]
    )
    delete_me = http_event("DELETE", "/me", user=inline_user)
    return ErasureScenario(inline_user, queued_user, words, delete_me, erase_job, message_id)


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            lines.append(value)
    return lines


def check_erasure_lines(
    scenario: ErasureScenario, answers: list[Any], request_ids: list[str], printed: str, service: str
) -> None:
    """The answers, and the erasure's two lines in everything the runtime printed."""
    reply, batch = answers
    assert reply["statusCode"] == 202 and json.loads(reply["body"]) == {"status": "erased"}
    assert batch == {"batchItemFailures": []}
    erased = [line for line in _json_lines(printed) if line.get("message") == ERASED]
    assert len(erased) == 2, printed[-3000:]
    inline, queued = erased
    for line, request_id in ((inline, request_ids[0]), (queued, request_ids[1])):
        assert line["level"] == "INFO"
        assert RFC3339.fullmatch(line["timestamp"]), line["timestamp"]
        assert line["service"] == service
        assert line["function_request_id"] == request_id
        assert (line["records"], line["objects"]) == (1, 0)
    assert inline["correlation_id"] == scenario.delete_me["requestContext"]["requestId"]
    assert queued["message_id"] == scenario.message_id
    for secret in (scenario.inline_user, scenario.queued_user, scenario.words):
        assert secret not in printed
