"""The diary writer: one structured call turns a day's records into a first-person diary entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, Field

from handler.agents.diary_writer.prompt import SYSTEM_PROMPT, build_prompt
from handler.agents.structured_call import Answer, ask


class DiaryDraft(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, description="The diary entry, first person.")


def write(day: dt.date, records: Sequence[tuple[str, str]], temperature: float) -> Answer[DiaryDraft]:
    return ask("diary", DiaryDraft, SYSTEM_PROMPT, build_prompt(day, records), temperature=temperature)
