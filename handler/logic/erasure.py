"""DELETE /me: an erasure that cannot be lost, and a user it cannot leave half-admitted.

Asking records the erasure in the erasures table first (migration 0011), then queues it on the
erasure queue, its own (ERASURE_QUEUE_URL), so that no backlog of reports or exports delays it.
The table is what cannot be lost: SQS deletes a message when its retention ends, in the dead-letter
queue too, counted from when it was first sent ("the expiration of a message is always based on its
original enqueue timestamp",
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html),
so a scheduled job (`redrive`) sends every erasure still pending again, and reports those past
ERASURE_DEADLINE_HOURS to the operator (the OverdueErasures metric, and its alarm).

From the moment it is asked for, the user's requests are refused (410, `account_erasing`, then
`account_erased`): their tokens stay valid until they expire. DELETE /me alone is still answered,
with where the erasure stands, as a repeated DELETE should be.

The erasure itself (`run`): every object and row of the user (handler.logic.user_data.erase), then
the user in the stack's Cognito user pool, signed out and deleted; then the record becomes its
proof: the pseudonym, when it was asked for and completed, and how many of each thing went. Each
step is safe to repeat, so a worker cut off half way leaves the message, or the schedule, to finish.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from handler.aws import user_pool
from handler.composition import Caller, Services
from handler.errors import AccountErased, AwsUnavailable
from handler.logic import jobs, user_data
from handler.models import Erasure

logger = Logger(child=True)
metrics = Metrics()

ERASE = "erase"
REDRIVE = "redrive_erasures"
# The metric the stack's OverdueErasuresAlarm watches.
OVERDUE_METRIC = "OverdueErasures"
# A pending erasure is sent again when it was last sent this long ago: longer than a delivery and
# its retries take (the queue's visibility timeout, 174 s, times JOB_MAX_RECEIVES).
RESEND_AFTER = dt.timedelta(minutes=15)
RESEND_BATCH = 100


def subject_of(user_id: str) -> str:
    """The pseudonym an erasure is kept under: SHA-256 of the user's id. A Cognito `sub` is a random
    UUID, so the hash does not give it back; whoever holds the id can find its erasure."""
    return hashlib.sha256(f"diary-erasure:{user_id}".encode()).hexdigest()


def refuse_if_erased(caller: Caller) -> None:
    """Raise AccountErased when the user's erasure was asked for or is done."""
    state = caller.services.store.as_service().erasures.status(subject_of(caller.user_id))
    if state == "pending":
        raise AccountErased("this account is being erased", code="account_erasing")
    if state == "done":
        raise AccountErased("this account was erased")


def request(caller: Caller) -> Erasure:
    """Record the erasure, then queue it (or run it, without a queue). Once recorded it cannot be lost:
    a send that fails is left to the schedule, and the caller is still told `erasing`."""
    state = caller.services.store.as_service().erasures.ask(subject_of(caller.user_id), caller.user_id)
    queue_url = caller.settings.erasure_queue_url
    try:
        queued = _submit(queue_url, caller)
    except AwsUnavailable:
        if not queue_url:
            raise
        logger.warning("an erasure could not be queued; the schedule sends it again", exc_info=True)
        queued = True
    # Asked again after it was done: run again all the same (it finds nothing), and say so.
    return Erasure(status="erasing" if queued and state == "pending" else "erased")


def _submit(queue_url: str | None, caller: Caller) -> bool:
    return jobs.submit(caller.services.aws, queue_url, ERASE, lambda _: run(caller), user_id=caller.user_id)


def run(caller: Caller) -> None:
    """The erasure job. It never fails for good: a fault raises, the queue delivers it again, and
    after the dead-letter queue the schedule does."""
    erasures = caller.services.store.as_service().erasures
    subject = subject_of(caller.user_id)
    # Recorded already, unless the message was queued by the release before the table (on the
    # job queue, which the worker still reads): then from now on it is refused and re-driven too.
    erasures.ask(subject, caller.user_id)
    erased = user_data.erase(caller)
    pool_id = caller.settings.user_pool_id
    if pool_id:
        erased["accounts"] = user_pool.sign_out_and_delete(caller.services.aws, pool_id, caller.user_id)
    else:
        logger.info("no user pool configured: no account to delete")
    erasures.complete(subject, erased)
    logger.info("erased a user's data", extra=erased)


def redrive(services: Services) -> dict[str, int]:
    """The schedule's job: send again every erasure pending since RESEND_AFTER, and count those past
    the deadline (OverdueErasures, always emitted, so that its alarm sees a value on every run)."""
    settings = services.settings
    erasures = services.store.as_service().erasures
    unsent = erasures.take_unsent(RESEND_AFTER, RESEND_BATCH)
    for pending in unsent:
        _submit(settings.erasure_queue_url, services.acting_for(pending.user_id))
    overdue = erasures.overdue(dt.timedelta(hours=settings.erasure_deadline_hours))
    metrics.add_metric(name=OVERDUE_METRIC, unit=MetricUnit.Count, value=overdue)
    done = {"sent_again": len(unsent), "overdue": overdue}
    (logger.error if overdue else logger.info)("erasures re-driven", extra=done)
    return done
