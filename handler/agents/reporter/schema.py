"""What the reporter answers: each day with records scored, the period's themes and patterns,
3 to 5 feedback points, and an overall evaluation."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from handler.models import Sentiment


class DayDraft(BaseModel):
    date: dt.date
    score: int = Field(ge=1, le=10, description="The day's emotional tone, 1 (very hard) to 10 (wonderful).")
    sentiment: Sentiment
    themes: list[str] = Field(min_length=1, max_length=3, description="The day's key themes, a few words each.")


class ReportDraft(BaseModel):
    daily_scores: list[DayDraft] = Field(min_length=1)
    themes: list[str] = Field(min_length=1, max_length=5, description="The period's main themes.")
    patterns: list[str] = Field(min_length=1, max_length=5, description="Patterns across the period.")
    feedback_points: list[str] = Field(min_length=3, max_length=5, description="Concrete, kind pieces of feedback.")
    overall: str = Field(min_length=1, description="An overall evaluation of the period.")
