"""Lambda entry point of the embedding backfill: `handler.backfill.lambda_handler`, the CMD of the
stack's BackfillFunction, which the stack's schedule invokes (template.yaml, EmbeddingBackfillSchedule).
Each run also gives the diaries written before diaries had a mood their mood and themes
(handler.logic.insights.backfill_moods: read from their words in code, no model call).

A function of its own because of whom it logs in as: diary_backfill_login (its DB_SECRET_ARN), the
one login that may act as diary_backfill, whose policy shows every user's texts to embed them. The
API function and the worker log in as diary_app_login, which cannot become diary_backfill
(handler/migrations/0008_login_roles.sql), and may read only the app login's secret.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from handler import deadline
from handler.composition import Services
from handler.function_logger import function_logger
from handler.logic import embedding_index, insights

logger = function_logger()
# Built once, at init: a bad setting stops the container at start, with its name.
services = Services.from_environment()


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict[str, int]:
    """One run: up to a batch of records and of diaries, while the invocation's time lasts."""
    deadline.start(context.get_remaining_time_in_millis())
    try:
        # Moods first: a few milliseconds a diary, where an embedding is a model call.
        moods = insights.backfill_moods(services)
        return {**embedding_index.backfill(services), **moods}
    finally:
        # Runs every few hours at most: no reason to hold a connection to the proxy in between.
        services.store.close()
