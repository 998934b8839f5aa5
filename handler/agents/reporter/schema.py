"""What the reporter answers: a score per day with records, the period's themes, and feedback."""

from __future__ import annotations

from pydantic import BaseModel, Field

from handler.models import DayScore


class ReportDraft(BaseModel):
    daily_scores: list[DayScore] = Field(min_length=1)
    themes: list[str] = Field(min_length=1, max_length=5)
    feedback: str = Field(min_length=1)
