"""The question answerer: one structured call over records the code already retrieved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, Field

from handler.agents.question_answerer.prompt import SYSTEM_PROMPT, build_prompt
from handler.agents.structured_call import Answer, ask


class AnswerDraft(BaseModel):
    answer: str = Field(min_length=1)
    used_records: list[str] = Field(default_factory=list, description='Refs of the records used, e.g. ["r1"].')


def answer(
    question: str, today: dt.date, records: Sequence[tuple[str, str, str]], diaries: Sequence[tuple[str, str]]
) -> Answer[AnswerDraft]:
    return ask("answer", AnswerDraft, SYSTEM_PROMPT, build_prompt(question, today, records, diaries), temperature=0.2)
