"""What each model call cost, in Bedrock's own token counts, and for whom: a metric and a log line.

Converse answers with `usage` (input, output, cache read and cache write tokens); Strands hands it
on in the final event of the call. Each call emits one CloudWatch EMF record with the task and the
model as dimensions, so the cost of routing, diaries, answers, reports and image prompts can be
read apart, and logs the same figures beside the model id.

Both carry the caller as a pseudonym (`caller`: an HMAC of the user's id under the deployment's
CALLER_ID_SALT, never the id itself), so spend can be attributed to a user without naming them.
In the metric it is EMF metadata, not a dimension: a dimension would make a custom metric of every
user (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).

While model work runs for a user (`tally_for`, opened by handler.logic.quotas), each call is also
added to that user's tally: text model calls, pictures and tokens, which the quotas settle.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

logger = Logger(child=True)

# Converse's usage fields, each with the metric it becomes.
USAGE_METRICS = {
    "inputTokens": "InputTokens",
    "outputTokens": "OutputTokens",
    "cacheReadInputTokens": "CacheReadInputTokens",
    "cacheWriteInputTokens": "CacheWriteInputTokens",
}


# Hex digits of the pseudonym kept: 64 bits, no collision among any realistic number of users.
PSEUDONYM_CHARS = 16
# Tasks that are not a user's model work to limit: embeddings index what users write, at about a
# hundredth of a text call's price, and never stop a write (handler.inference.embeddings).
UNCOUNTED_TASKS = {"embedding"}
PICTURE_TASK = "image"


@dataclass
class Tally:
    """What one piece of model work for one user spent so far."""

    caller: str
    model_calls: int = 0
    pictures: int = 0
    tokens: int = 0


_tally: contextvars.ContextVar[Tally | None] = contextvars.ContextVar("model_work_tally", default=None)
# Whom the model calls of the request being served are for (the entry point sets it): embeddings,
# which no tally counts, are attributed too.
_caller: contextvars.ContextVar[str | None] = contextvars.ContextVar("model_work_caller", default=None)


def pseudonym(user_id: str, salt: str | None) -> str:
    """The same user gives the same pseudonym within a deployment (`salt`: its CALLER_ID_SALT);
    without the salt, it gives nothing back."""
    key = (salt or "").encode()
    return hmac.new(key, user_id.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_CHARS]


@contextlib.contextmanager
def calls_for(user_id: str | None, salt: str | None) -> Iterator[None]:
    """Attribute the model calls made inside the block to `user_id` (None: the service's own)."""
    token = _caller.set(pseudonym(user_id, salt) if user_id else None)
    try:
        yield
    finally:
        _caller.reset(token)


@contextlib.contextmanager
def tally_for(user_id: str, salt: str | None) -> Iterator[Tally]:
    """Count the model calls made inside the block as `user_id`'s."""
    tally = Tally(caller=pseudonym(user_id, salt))
    token = _tally.set(tally)
    try:
        yield tally
    finally:
        _tally.reset(token)


def count_call(task: str) -> None:
    """One model round trip of `task` was made (handler.inference.model_call calls this for each)."""
    tally = _tally.get()
    if tally is None or task in UNCOUNTED_TASKS:
        return
    if task == PICTURE_TASK:
        tally.pictures += 1
    else:
        tally.model_calls += 1


def record(task: str, model_id: str, usage: Mapping[str, int], namespace: str) -> None:
    """One call's usage line, and its metrics in `namespace` (POWERTOOLS_METRICS_NAMESPACE's setting)."""
    counts = {field: int(usage.get(field) or 0) for field in USAGE_METRICS}
    tally = _tally.get()
    caller = tally.caller if tally else _caller.get()
    if tally is not None and task not in UNCOUNTED_TASKS:
        tally.tokens += sum(counts.values())
    logger.info("model call", extra={"task": task, "model": model_id, "caller": caller, **counts})
    # Ephemeral: dimensions of its own (the entry point's metric set has none per task), flushed now.
    metrics = EphemeralMetrics(namespace=namespace)
    metrics.add_dimension(name="task", value=task)
    metrics.add_dimension(name="model", value=model_id)
    if caller:
        metrics.add_metadata(key="caller", value=caller)
    if task == PICTURE_TASK:
        # Image models bill per picture and report no tokens.
        metrics.add_metric(name="Pictures", unit=MetricUnit.Count, value=1)
    else:
        for field, name in USAGE_METRICS.items():
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=counts[field])
    metrics.flush_metrics()
