"""The worker: the same function, invoked with a batch of job messages from SQS.

Two jobs travel through the queue: a report (`{"report_id", "user_id"}`, enqueued by POST /reports)
and the embedding backfill (`{"job": "backfill_embeddings"}`, enqueued by the stack's schedule).
Each message is processed on its own; the ones that hit a transient fault are returned as batch
item failures so SQS redelivers only those.
"""

from __future__ import annotations

import json
import uuid

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from handler.logic import embedding_index, reports
from handler.settings import get_settings

logger = Logger(child=True)
# A batch whose every message failed is still answered item by item rather than as an error, so
# SQS counts each delivery the same way and the final-attempt rule holds.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
BACKFILL = "backfill_embeddings"


def _run(record: SQSRecord) -> None:
    try:
        message = json.loads(record.body)
        backfill = isinstance(message, dict) and message.get("job") == BACKFILL
        if not backfill:
            user_id, report_id = str(message["user_id"]), uuid.UUID(message["report_id"])
    except (ValueError, KeyError, TypeError):
        # Retrying cannot fix a message that is not ours; drop it loudly instead of poisoning the queue.
        logger.error("dropped a malformed job message", extra={"message_id": record.message_id})
        return
    if backfill:
        embedding_index.backfill()
        return
    receives = int(record.attributes.approximate_receive_count or 1)
    reports.run_report(user_id, report_id, final_attempt=receives >= get_settings().report_max_receives)


def handle_batch(event: dict, context: LambdaContext) -> dict:
    return dict(process_partial_response(event=event, record_handler=_run, processor=processor, context=context))
