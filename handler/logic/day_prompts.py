"""GET /prompts/today: one question to write about today, drawn from the user's recent records and
mood, in their language; asked once a day and kept (the day_prompts table), never yesterday's.

One call of the small model (the routing model, BEDROCK_ROUTING_MODEL_ID), counted against the
user's day of model calls like every other (handler.logic.quotas). When the model cannot ask (it
is down, throttled, too slow, answers in an unusable shape) or the user's model calls for the day
are used up, the question comes from the offline model's templates instead of a 503, 504 or 429:
a question to start writing is a nicety of the home screen, and a template question serves the
user better than an error there. That question is kept for the day as well, so the day's question
does not change from one visit to the next, and a model that is down is not asked again on every
visit.
"""

from __future__ import annotations

import datetime as dt

from aws_lambda_powertools import Logger

from handler import language
from handler.composition import Caller
from handler.dal.day_prompts import NewDayPrompt, StoredDayPrompt
from handler.errors import DeadlineExceeded, ModelUnavailable, QuotaExceeded
from handler.logic import insights, quotas
from handler.models import DayPrompt

logger = Logger(child=True)

# What the question is drawn from: the records of the last week, the latest first, each cut short
# (a question needs their gist, not their whole text), and the moods of the week's diaries.
RECENT_DAYS = 7
MAX_RECORDS = 10
RECORD_CHARS = 160
OFFLINE = "offline"


def today_prompt(caller: Caller, accept_language: str | None) -> DayPrompt:
    """The day's question: the one kept, or a new one asked and kept."""
    day = insights.today(caller)
    stored = caller.store.day_prompts.get(day) or caller.store.day_prompts.keep(_ask(caller, day, accept_language))
    return DayPrompt(
        day=stored.day,
        time_zone=caller.settings.default_timezone,
        question=stored.question,
        language=stored.language,
        model=stored.model,
        created_at=stored.created_at,
    )


def _ask(caller: Caller, day: dt.date, accept_language: str | None) -> NewDayPrompt:
    from handler.agents.day_prompter import agent as day_prompter
    from handler.agents.day_prompter import offline

    yesterday = caller.store.day_prompts.get(day - dt.timedelta(days=1))
    asked = yesterday.question if yesterday else None
    week = (day - dt.timedelta(days=RECENT_DAYS - 1), day)
    recent = caller.store.records.latest(MAX_RECORDS, week)
    records = [(r.record_date.isoformat(), r.content[:RECORD_CHARS]) for r in recent]
    moods = [(d.day.isoformat(), d.mood) for d in caller.store.insights.days(*week) if d.mood]
    in_language = language.of_request(accept_language, " ".join(r.content for r in recent) or _language_of(yesterday))
    # The oldest records go first when the budget (PROMPT_TOKENS_DAY_PROMPT) is short of them all.
    while records and day_prompter.prompt_tokens(day, in_language, records, moods, asked) > _budget(caller):
        records.pop()

    def template() -> NewDayPrompt:
        texts, scores = [text for _, text in records], [mood for _, mood in moods]
        question = offline.answer(day, in_language, texts, scores, asked)["question"]
        return NewDayPrompt(day=day, question=question, language=in_language, model=OFFLINE)

    try:
        with quotas.spending(caller, calls=1):
            answer = day_prompter.ask_today(caller.services, day, in_language, records, moods, asked)
    except (ModelUnavailable, DeadlineExceeded, QuotaExceeded) as exc:
        logger.info("today's question from the templates", extra={"reason": exc.code})
        return template()
    question = " ".join(answer.output.question.split())
    if asked is not None and _same(question, asked):
        logger.info("the model asked yesterday's question again; today's from the templates")
        return template()
    return NewDayPrompt(day=day, question=question, language=in_language, model=answer.model)


def _budget(caller: Caller) -> int:
    return caller.settings.prompt_tokens_day_prompt


def _language_of(prompt: StoredDayPrompt | None) -> str:
    """Words in yesterday's language, for a user with no records this week: Korean words for Korean."""
    return "한국어" if prompt is not None and prompt.language == "ko" else ""


def _same(one: str, other: str) -> bool:
    """The same question, whatever its spacing, case or final punctuation."""

    def form(text: str) -> str:
        return " ".join(text.casefold().split()).rstrip("?.!？。 ")

    return form(one) == form(other)
