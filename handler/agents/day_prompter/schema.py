"""What the day prompter answers: one short question to write about today."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_QUESTION_CHARS = 200


class DayQuestion(BaseModel):
    question: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="One short, open question to write about today, in the language asked for.",
    )
