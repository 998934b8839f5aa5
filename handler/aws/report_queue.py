"""The report queue (SQS): the API enqueues a report, the same function's worker runs it."""

from __future__ import annotations

import json
import uuid

from botocore.exceptions import BotoCoreError, ClientError

from handler.aws import client
from handler.errors import AwsUnavailable


def send(queue_url: str, user_id: str, report_id: uuid.UUID) -> None:
    try:
        client("sqs").send_message(
            QueueUrl=queue_url, MessageBody=json.dumps({"report_id": str(report_id), "user_id": user_id})
        )
    except (BotoCoreError, ClientError) as exc:
        raise AwsUnavailable("the report queue failed; retry later") from exc
