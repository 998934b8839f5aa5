"""Answering a question about the past from the caller's own records.

Retrieval happens in code, bound to the caller's id, then one model call answers from what was
found. The dates the question names (resolved against the user's today; vague recency is the last
QUESTION_RECENT_DAYS days; in `POST /agent` the routing model's period when code resolves none)
bound the search; its words and its meaning rank the records (one embedding call for the question;
by words alone when the embedding model fails). A question that names no date and matches nothing is
answered from the caller's most recent records. "Nothing found", with no model call, only when
the caller has no records at all in the window searched.

What the model is handed is bounded: at most MAX_RECORDS records (MAX_UNDATED without a date) and
MAX_CONTEXT_CHARS characters of them, best first. `model_calls` counts text-model round trips, as
everywhere; the embedding call is counted by the ModelCalls metric (task "embedding").
"""

from __future__ import annotations

import datetime as dt

from handler import search_terms
from handler.agents.question_answerer import agent as question_answerer
from handler.dal import connection
from handler.dal import diaries as diaries_dal
from handler.dal import records as records_dal
from handler.language import has_hangul
from handler.logic import calendar, date_phrases, embedding_index, quotas
from handler.models import QuestionAnswer, Record
from handler.settings import get_settings

MAX_RECORDS = 40
MAX_UNDATED = 20
MAX_CONTEXT_CHARS = 16_000
# Diaries nearest in meaning handed along with an undated question's records.
NEAREST_DIARIES = 3
NOTHING_FOUND = {"ko": "그 질문에 답할 기록을 찾지 못했어요.", "en": "I couldn't find any records that answer that."}

Period = tuple[dt.date, dt.date]


def answer_question(
    user_id: str, question: str, current_date: dt.date | None = None, routed_period: Period | None = None
) -> QuestionAnswer:
    today = current_date or calendar.today()
    period = date_phrases.resolve(question, today, get_settings().question_recent_days) or routed_period
    terms = search_terms.query(question)
    # Nothing at all to read: said at once, with no embedding and no model call.
    with connection.statement(user_id) as cur:
        if not records_dal.exists(cur, user_id, period):
            language = "ko" if has_hangul(question) else "en"
            return QuestionAnswer(answer=NOTHING_FOUND[language], sources=[], model=None, model_calls=0, period=period)
    # Reserved before the embedding call too: a refused question calls no model at all.
    with quotas.spending(user_id, calls=1):
        return _answer_from_records(user_id, question, today, period, terms)


def _answer_from_records(
    user_id: str, question: str, today: dt.date, period: Period | None, terms: list[str]
) -> QuestionAnswer:
    meaning = embedding_index.for_question(question)
    with connection.transaction(user_id) as cur:
        limit = MAX_RECORDS if period else MAX_UNDATED
        records = records_dal.search(cur, user_id, terms, period, limit, meaning)
        if not records and period is None:
            records = records_dal.latest(cur, user_id, MAX_UNDATED)  # nothing matched: the latest
        if period:
            diaries = diaries_dal.list_between(cur, user_id, *period)
        else:
            diaries = diaries_dal.nearest(cur, user_id, meaning, NEAREST_DIARIES) if meaning else []
    records = _within_budget(records)

    # The model cites short refs, which it copies more reliably than UUIDs; code maps them back.
    # Best first: the order is the ranking.
    refs = {f"r{i}": record for i, record in enumerate(records, start=1)}
    draft = question_answerer.answer(
        question,
        today,
        [
            (ref, f"{record.record_date} {calendar.local_time(record.created_at)}", record.content)
            for ref, record in refs.items()
        ],
        [(d.date.isoformat(), d.content) for d in diaries],
    )
    # Only refs that were offered can come back: a model cannot point at anyone else's record.
    sources = [refs[ref].id for ref in dict.fromkeys(draft.output.used_records) if ref in refs]
    return QuestionAnswer(answer=draft.output.answer, sources=sources, model=draft.model, model_calls=1, period=period)


def _within_budget(records: list[Record]) -> list[Record]:
    kept: list[Record] = []
    chars = 0
    for record in records:
        chars += len(record.content)
        if kept and chars > MAX_CONTEXT_CHARS:
            break
        kept.append(record)
    return kept
