"""Answering a question about the past from the caller's own records.

Retrieval happens in code, bound to the caller's id, then one model call answers from what was
found. The dates the question names (resolved against the user's today; vague recency is the last
QUESTION_RECENT_DAYS days; in `POST /agent` the routing model's period when code resolves none)
bound the search; its words and its meaning rank the records (one embedding call for the question;
by words alone when the embedding model fails). A question that names no date and matches nothing is
answered from the caller's most recent records. "Nothing found", with no model call, only when
the caller has no records at all in the window searched.

What the model is handed is bounded: at most MAX_RECORDS records (MAX_UNDATED without a date), and
within PROMPT_TOKENS_ANSWER tokens with the diaries (handler.logic.prompt_fit: long texts shortened
first, then the lowest ranked records and diaries spread over the period left out); `left_out` says
what. `model_calls` counts text-model round trips, as everywhere; the embedding call is counted by
the ModelCalls metric (task "embedding").
"""

from __future__ import annotations

import datetime as dt

from handler import date_phrases, search_terms
from handler.agents.question_answerer import agent as question_answerer
from handler.composition import Caller
from handler.language import has_hangul
from handler.logic import calendar, embedding_index, prompt_fit, quotas
from handler.models import Diary, LeftOut, QuestionAnswer, Record
from handler.settings import Settings

MAX_RECORDS = 40
MAX_UNDATED = 20
# Diaries nearest in meaning handed along with an undated question's records.
NEAREST_DIARIES = 3
NOTHING_FOUND = {"ko": "그 질문에 답할 기록을 찾지 못했어요.", "en": "I couldn't find any records that answer that."}

Period = tuple[dt.date, dt.date]


def answer_question(
    caller: Caller, question: str, current_date: dt.date | None = None, routed_period: Period | None = None
) -> QuestionAnswer:
    today = current_date or calendar.today(caller.settings.timezone)
    period = date_phrases.resolve(question, today, caller.settings.question_recent_days) or routed_period
    terms = search_terms.query(question)
    # Nothing at all to read: said at once, with no embedding and no model call.
    if not caller.store.records.exists(period):
        language = "ko" if has_hangul(question) else "en"
        return QuestionAnswer(answer=NOTHING_FOUND[language], sources=[], model=None, model_calls=0, period=period)
    # Reserved before the embedding call too: a refused question calls no model at all.
    with quotas.spending(caller, calls=1):
        return _answer_from_records(caller, question, today, period, terms)


def _answer_from_records(
    caller: Caller, question: str, today: dt.date, period: Period | None, terms: list[str]
) -> QuestionAnswer:
    meaning = embedding_index.for_question(caller.services, question)
    with caller.store.transaction() as tx:
        limit = MAX_RECORDS if period else MAX_UNDATED
        records = tx.records.search(terms, period, limit, meaning)
        if not records and period is None:
            records = tx.records.latest(MAX_UNDATED)  # nothing matched: the latest
        if period:
            diaries = tx.diaries.list_between(*period)
        else:
            diaries = tx.diaries.nearest(meaning, NEAREST_DIARIES) if meaning else []
    record_lines, diary_lines, shown, left_out = _within_budget(
        caller.settings, question, today, records, diaries, ranked=not period
    )

    # The model cites short refs, which it copies more reliably than UUIDs; code maps them back.
    # Best first: the order is the ranking.
    refs = {ref: records[i] for ref, i in shown.items()}
    draft = question_answerer.answer(caller.services, question, today, record_lines, diary_lines)
    # Only refs that were offered can come back: a model cannot point at anyone else's record.
    sources = [refs[ref].id for ref in dict.fromkeys(draft.output.used_records) if ref in refs]
    return QuestionAnswer(
        answer=draft.output.answer, sources=sources, model=draft.model, model_calls=1, period=period, left_out=left_out
    )


def _within_budget(
    settings: Settings, question: str, today: dt.date, records: list[Record], diaries: list[Diary], ranked: bool
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]], dict[str, int], LeftOut]:
    """The record and diary lines the model is shown, within PROMPT_TOKENS_ANSWER; which record each
    ref names (its index in `records`); and what was left out. Records are ranked (the best kept);
    diaries are ranked when found by meaning, or spread over the question's period."""
    whens = [f"{r.record_date} {calendar.local_time(r.created_at, settings.timezone)}" for r in records]

    def lines(kept: prompt_fit.Kept) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
        record_lines = [(f"r{n}", whens[i], text) for n, (i, text) in enumerate(kept[0], start=1)]
        diary_lines = [(diaries[i].date.isoformat(), text) for i, text in kept[1]]
        return record_lines, diary_lines

    fitted = prompt_fit.fit(
        [
            prompt_fit.Group([r.content for r in records], ranked=True),
            prompt_fit.Group([d.content for d in diaries], kind="diaries", ranked=ranked),
        ],
        lambda kept: question_answerer.prompt_tokens(question, today, *lines(kept)),
        settings.prompt_tokens_answer,
    )
    shown = {f"r{n}": i for n, (i, _) in enumerate(fitted.kept[0], start=1)}
    return *lines(fitted.kept), shown, fitted.left_out
