"""What the question answerer answers: the answer, and the refs of the records it used."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AnswerDraft(BaseModel):
    answer: str = Field(min_length=1)
    used_records: list[str] = Field(default_factory=list, description='Refs of the records used, e.g. ["r1"].')
