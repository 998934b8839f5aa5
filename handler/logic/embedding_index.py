"""Keeping records and diaries findable by meaning: the embedding stored with each text, and the
backfill that embeds whatever has none yet (a write whose embedding failed, rows from before).

Only where the database keeps embeddings (pgvector, migration 0005); elsewhere nothing is embedded
and questions are answered by words. An embedding never stops a write: when the model fails, the
text is stored without one, and the backfill (a scheduled job through the worker's queue, or
`python -m handler.local.backfill`) embeds it later.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from handler.dal import connection
from handler.dal import diaries as diaries_dal
from handler.dal import records as records_dal
from handler.deadline import seconds_left
from handler.errors import DeadlineExceeded
from handler.inference import embeddings

logger = Logger(child=True)

BATCH = 100
# Time kept back, per row, for its embedding call and its update.
ROW_MARGIN_S = 5.0


def for_storage(text: str) -> list[float] | None:
    """The embedding to store with a new or edited text, or None (none kept, or the model failed)."""
    return embeddings.embed(text, "document") if connection.stores_embeddings() else None


def for_question(question: str) -> list[float] | None:
    return embeddings.embed(question, "query") if connection.stores_embeddings() else None


def backfill(batch: int = BATCH) -> dict[str, int]:
    """Embed up to `batch` records and `batch` diaries that have no embedding, while time lasts.
    A row whose embedding fails again stays as it is, for the next run."""
    done = {"records": 0, "diaries": 0, "failed": 0}
    if not connection.stores_embeddings():
        return done
    with connection.statement(None, role=connection.BACKFILL_ROLE) as cur:
        records = records_dal.without_embedding(cur, batch)
    with connection.statement(None, role=connection.BACKFILL_ROLE) as cur:
        diaries = diaries_dal.without_embedding(cur, batch)
    try:
        for record_id, content in records:
            seconds_left(ROW_MARGIN_S)
            vector = embeddings.embed(content, "document")
            if vector is None:
                done["failed"] += 1
                continue
            with connection.statement(None, role=connection.BACKFILL_ROLE) as cur:
                records_dal.set_embedding(cur, record_id, vector)
            done["records"] += 1
        for user_id, day, text in diaries:
            seconds_left(ROW_MARGIN_S)
            vector = embeddings.embed(text, "document")
            if vector is None:
                done["failed"] += 1
                continue
            with connection.statement(None, role=connection.BACKFILL_ROLE) as cur:
                diaries_dal.set_embedding(cur, user_id, day, vector)
            done["diaries"] += 1
    except DeadlineExceeded:
        logger.info("backfill stopped for time; the next run goes on", extra=done)
    logger.info("embedding backfill", extra=done)
    return done
