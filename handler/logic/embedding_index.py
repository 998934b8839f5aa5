"""Keeping records and diaries findable by meaning: the embedding stored with each text, and the
backfill that embeds whatever has none yet (a write whose embedding failed, rows from before).

An embedding never stops a write: when the model fails or times out, the text is stored without
one (found by its words meanwhile), and the backfill (a scheduled job through the worker's queue, or
`python -m handler.local.backfill`) embeds it later. A question the model cannot embed is answered
by words.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from handler.composition import Services
from handler.deadline import seconds_left
from handler.errors import DeadlineExceeded
from handler.inference import embeddings

logger = Logger(child=True)

BATCH = 100
# Time kept back, per row, for its embedding call and its update.
ROW_MARGIN_S = 5.0


def for_storage(services: Services, text: str) -> list[float] | None:
    """The embedding to store with a new or edited text, or None (the model failed)."""
    return embeddings.embed(services.aws, services.settings, text, "document")


def for_question(services: Services, question: str) -> list[float] | None:
    """The question's embedding, or None (the model failed: retrieval by words only)."""
    return embeddings.embed(services.aws, services.settings, question, "query")


def backfill(services: Services, batch: int = BATCH) -> dict[str, int]:
    """Embed up to `batch` records and `batch` diaries that have no embedding, while time lasts,
    as diary_backfill. A row whose embedding fails again stays as it is, for the next run."""
    done = {"records": 0, "diaries": 0, "failed": 0}
    store = services.store.as_backfill()
    records = store.records.without_embedding(batch)
    diaries = store.diaries.without_embedding(batch)
    try:
        for record in records:
            seconds_left(ROW_MARGIN_S)
            vector = embeddings.embed(services.aws, services.settings, record.content, "document")
            if vector is None:
                done["failed"] += 1
                continue
            store.records.set_embedding(record, vector)
            done["records"] += 1
        for diary in diaries:
            seconds_left(ROW_MARGIN_S)
            vector = embeddings.embed(services.aws, services.settings, diary.text, "document")
            if vector is None:
                done["failed"] += 1
                continue
            store.diaries.set_embedding(diary, vector)
            done["diaries"] += 1
    except DeadlineExceeded:
        logger.info("backfill stopped for time; the next run goes on", extra=done)
    logger.info("embedding backfill", extra=done)
    return done
