"""What the diary writer answers: a titled, first-person diary entry."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DiaryDraft(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, description="The diary entry, first person.")
