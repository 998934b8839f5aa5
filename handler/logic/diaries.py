"""Writing a day's diary from its records, and reading it back."""

from __future__ import annotations

import datetime as dt

from handler.agents.diary_writer import agent as diary_writer
from handler.dal import connection
from handler.dal import diaries as diaries_dal
from handler.errors import NotFound, Unprocessable
from handler.logic import calendar, embedding_index
from handler.logic.records import records_of_day
from handler.models import Diary

DEFAULT_TEMPERATURE = 0.7


def write_diary(user_id: str, day: dt.date, temperature: float | None = None) -> Diary:
    """One model call over the day's records; writing again replaces the day's diary."""
    records = records_of_day(user_id, day)
    if not records:
        raise Unprocessable(f"there are no records on {day.isoformat()} to write a diary from", code="no_records")
    answer = diary_writer.write(
        day,
        [(calendar.local_time(r.created_at), r.content) for r in records],
        DEFAULT_TEMPERATURE if temperature is None else temperature,
    )
    embedding = embedding_index.for_storage(f"{answer.output.title}\n{answer.output.content}")
    with connection.statement(user_id) as cur:
        return diaries_dal.upsert(
            cur,
            user_id,
            day,
            answer.output.title,
            answer.output.content,
            answer.model,
            [r.id for r in records],
            embedding,
            stores_embeddings=connection.stores_embeddings(),
        )


def get_diary(user_id: str, day: dt.date) -> Diary:
    with connection.statement(user_id) as cur:
        diary = diaries_dal.get(cur, user_id, day)
    if diary is None:
        raise NotFound(f"no diary for {day.isoformat()}")
    return diary
