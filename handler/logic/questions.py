"""Answering a question about the past from the caller's own records.

Retrieval happens in code, bound to the caller's id: the dates the question names (resolved
against the user's today) and its words select the records; then one model call answers from them.
Nothing found: the answer says so, and no model is called.
"""

from __future__ import annotations

import datetime as dt

from handler.agents.question_answerer import agent as question_answerer
from handler.dal import connection
from handler.dal import diaries as diaries_dal
from handler.dal import records as records_dal
from handler.language import has_hangul
from handler.logic import calendar, date_phrases, search_terms
from handler.models import QuestionAnswer

MAX_RECORDS = 40
NOTHING_FOUND = {"ko": "그 질문에 답할 기록을 찾지 못했어요.", "en": "I couldn't find any records that answer that."}


def answer_question(user_id: str, question: str, current_date: dt.date | None = None) -> QuestionAnswer:
    today = current_date or calendar.today()
    period = date_phrases.resolve(question, today)
    terms = search_terms.query(question)
    with connection.transaction(user_id) as cur:
        records = records_dal.search(cur, user_id, terms, period, MAX_RECORDS)
        diaries = diaries_dal.list_between(cur, user_id, *period) if period else []
    if not records:
        language = "ko" if has_hangul(question) else "en"
        return QuestionAnswer(answer=NOTHING_FOUND[language], sources=[], model=None, model_calls=0, period=period)

    # The model cites short refs, which it copies more reliably than UUIDs; code maps them back.
    refs = {f"r{i}": record for i, record in enumerate(sorted(records, key=lambda r: r.created_at), start=1)}
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
