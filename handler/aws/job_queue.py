"""The worker's queue (SQS): the API enqueues a job (a report, an export, an erasure), the same
function's worker runs it (handler.worker)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from handler.aws import Clients
from handler.errors import AwsUnavailable


def send(clients: Clients, queue_url: str, job: str, **fields: Any) -> None:
    try:
        clients.client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps({"job": job, **fields}))
    except (BotoCoreError, ClientError) as exc:
        raise AwsUnavailable("the job queue failed; retry later") from exc
