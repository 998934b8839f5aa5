"""The emotion reporter: one structured call over a period's records and diaries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, Field

from handler.agents.reporter.prompt import SYSTEM_PROMPT, build_prompt
from handler.agents.structured_call import Answer, ask


class DayScore(BaseModel):
    date: dt.date
    score: int = Field(ge=1, le=10)


class ReportDraft(BaseModel):
    daily_scores: list[DayScore] = Field(min_length=1)
    themes: list[str] = Field(min_length=1, max_length=5)
    feedback: str = Field(min_length=1)


def write(
    start: dt.date, end: dt.date, records: Sequence[tuple[str, str]], diaries: Sequence[tuple[str, str]]
) -> Answer[ReportDraft]:
    return ask("report", ReportDraft, SYSTEM_PROMPT, build_prompt(start, end, records, diaries), temperature=0.3)
