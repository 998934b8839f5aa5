"""The question answerer: one structured call answers from the records found in code, citing them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from handler.agents.question_answerer import offline
from handler.agents.question_answerer.prompt import SYSTEM_PROMPT, build_prompt
from handler.agents.question_answerer.schema import AnswerDraft
from handler.inference import prompt_budget
from handler.inference.structured_call import Answer, ask

if TYPE_CHECKING:
    from handler.composition import Services


def prompt_tokens(
    question: str, today: dt.date, records: Sequence[tuple[str, str, str]], diaries: Sequence[tuple[str, str]]
) -> int:
    """The input tokens `answer` would send (handler.inference.prompt_budget)."""
    return prompt_budget.call_tokens(SYSTEM_PROMPT, AnswerDraft, build_prompt(question, today, records, diaries))


def answer(
    services: Services,
    question: str,
    today: dt.date,
    records: Sequence[tuple[str, str, str]],
    diaries: Sequence[tuple[str, str]],
) -> Answer[AnswerDraft]:
    """`records`: (ref, "YYYY-MM-DD HH:MM", text); `diaries`: ("YYYY-MM-DD", text)."""
    return ask(
        services,
        "answer",
        AnswerDraft,
        SYSTEM_PROMPT,
        build_prompt(question, today, records, diaries),
        offline=lambda: offline.answer(question, today, records),
        temperature=0.2,
    )
