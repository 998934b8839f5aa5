"""Work done outside the request that asks for it: reports, exports, erasures, the embedding backfill.

A job is queued when its queue is configured (in AWS) and run inline otherwise (local runs, tests),
always by the same function, so both paths do the same thing. The worker (handler.worker) runs a
queued job; SQS delivers a message again when its job raised, up to the queue's maxReceiveCount
(JOB_MAX_RECEIVES). On the last delivery, and inline where there is no second try, a job that
fails is marked failed with a reason instead of raising, so that nothing stays pending forever.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from handler.aws import Clients, job_queue
from handler.errors import AwsUnavailable

logger = Logger(child=True)

# How long the job queue keeps a message (template.yaml, ReportQueue: SQS's maximum, 14 days): a job
# unfinished for longer was dropped by the queue, and is shown failed rather than pending forever.
QUEUE_RETENTION = dt.timedelta(days=14)

# The job's run: told whether this is its last try (the queue's last delivery, or inline).
Run = Callable[[bool], None]


def submit(
    clients: Clients,
    queue_url: str | None,
    job: str,
    run: Run,
    unqueued: Callable[[], None] | None = None,
    **fields: Any,
) -> bool:
    """Queue `job` with `fields` on `queue_url`; without a queue, run it now, as its last try.
    True when queued. A send that fails calls `unqueued` (no worker will ever see the job) and raises."""
    if not queue_url:
        run(True)
        return False
    try:
        job_queue.send(clients, queue_url, job, **fields)
    except AwsUnavailable:
        if unqueued is not None:
            unqueued()
        raise
    return True


def attempt(work: Callable[[], None], fail: Callable[[Exception], None], last_try: bool, **log: Any) -> None:
    """Run `work`. A fault raises, so the queue delivers the job again, except on the last try: then
    the fault is logged and `fail` marks the job failed instead."""
    try:
        work()
    except Exception as exc:
        if not last_try:
            raise
        logger.exception("a job failed on its last try", extra=log)
        fail(exc)
