"""The worker: the same function, invoked with a batch of job messages from SQS.

Each message is `{"job": ..., ...}`. On the job queue: a report (`report_id`, `user_id`; POST
/reports; a message without `job` is a report too, as they were first written), an export
(`export_id`, `user_id`; GET /me/export of a large account), an import (`import_id`, `user_id`; POST
/me/import of a large document), a voice note's transcription (`voice_note_id`, `user_id`; POST
/voice-notes/{id}/transcribe), the retention sweep (`purge_expired`,
from the stack's hourly schedule). On the erasure queue: an erasure (`user_id`; DELETE /me) and the
re-drive of pending erasures (from the stack's schedule). The embedding backfill is a function of
its own (handler.backfill), with a login of its own. Each message is processed on its own; the ones
that hit a transient fault are returned as batch item failures so SQS redelivers only those, and
the last delivery (JOB_MAX_RECEIVES) is the job's last try (handler.logic.jobs). An erasure never
fails for good: the re-drive sends it again until it is done (handler.logic.erasure).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from handler.composition import Services
from handler.logic import data_import, erasure, reports, retention, user_data, voice_notes

logger = Logger(child=True)
# A batch whose every message failed is still answered item by item rather than as an error, so
# SQS counts each delivery the same way and the last-try rule holds.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def _job(message: dict, last_try: bool, services: Services) -> Callable[[], object]:
    """What to run for a message; KeyError, TypeError or ValueError for one that is not ours."""
    job = message.get("job", reports.REPORT)
    if job == retention.JOB:
        return lambda: retention.purge(services)
    if job == erasure.REDRIVE:
        return lambda: erasure.redrive(services)
    user_id = message["user_id"]
    if not isinstance(user_id, str) or not user_id:
        raise TypeError("user_id")
    caller = services.acting_for(user_id)
    if job == reports.REPORT:
        report_id = uuid.UUID(message["report_id"])
        return lambda: reports.run_report(caller, report_id, last_try)
    if job == user_data.EXPORT:
        export_id = uuid.UUID(message["export_id"])
        return lambda: user_data.run_export(caller, export_id, last_try)
    if job == data_import.IMPORT:
        import_id = uuid.UUID(message["import_id"])
        return lambda: data_import.run_import(caller, import_id, last_try)
    if job == voice_notes.TRANSCRIBE:
        note_id = uuid.UUID(message["voice_note_id"])
        return lambda: voice_notes.run_transcription(caller, note_id, last_try)
    if job == erasure.ERASE:
        return lambda: erasure.run(caller)
    raise ValueError(f"unknown job {job!r}")


def _run(record: SQSRecord, services: Services) -> None:
    # Every line a job logs names it by its message id (an erasure has no other id, and its user's
    # id is not to be logged); the Lambda request id is on every line already (handler.app).
    with logger.append_context_keys(message_id=record.message_id):
        _run_job(record, services)


def _run_job(record: SQSRecord, services: Services) -> None:
    receives = int(record.attributes.approximate_receive_count or 1)
    try:
        message = json.loads(record.body)
        if not isinstance(message, dict):
            raise TypeError("not an object")
        run = _job(message, last_try=receives >= services.settings.job_max_receives, services=services)
    except (ValueError, KeyError, TypeError):
        # Retrying cannot fix a message that is not ours; drop it loudly instead of poisoning the queue.
        logger.error("dropped a malformed job message")
        return
    run()


def handle_batch(event: dict, context: LambdaContext, services: Services) -> dict:
    return dict(
        process_partial_response(
            event=event, record_handler=lambda record: _run(record, services), processor=processor, context=context
        )
    )
