"""What each model call cost, in Bedrock's own token counts: a metric per task and a log line.

Converse answers with `usage` (input, output, cache read and cache write tokens); Strands hands it
on in the final event of the call. Each call emits one CloudWatch EMF record with the task and the
model as dimensions, so the cost of routing, diaries, answers, reports and image prompts can be
read apart, and logs the same figures beside the model id.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from handler.settings import get_settings

logger = Logger(child=True)

# Converse's usage fields, each with the metric it becomes.
USAGE_METRICS = {
    "inputTokens": "InputTokens",
    "outputTokens": "OutputTokens",
    "cacheReadInputTokens": "CacheReadInputTokens",
    "cacheWriteInputTokens": "CacheWriteInputTokens",
}


def record(task: str, model_id: str, usage: Mapping[str, int]) -> None:
    counts = {field: int(usage.get(field) or 0) for field in USAGE_METRICS}
    logger.info("model call", extra={"task": task, "model": model_id, **counts})
    # Ephemeral: dimensions of its own (the entry point's metric set has none per task), flushed now.
    metrics = EphemeralMetrics(namespace=get_settings().powertools_metrics_namespace)
    metrics.add_dimension(name="task", value=task)
    metrics.add_dimension(name="model", value=model_id)
    for field, name in USAGE_METRICS.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=counts[field])
    metrics.flush_metrics()
