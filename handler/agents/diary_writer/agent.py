"""The diary writer: one structured call turns a day's records into a first-person diary entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from handler.agents.diary_writer import offline
from handler.agents.diary_writer.prompt import SYSTEM_PROMPT, build_prompt
from handler.agents.diary_writer.schema import DiaryDraft
from handler.inference import prompt_budget
from handler.inference.structured_call import Answer, ask

if TYPE_CHECKING:
    from handler.composition import Services


def prompt_tokens(day: dt.date, records: Sequence[tuple[str, str]]) -> int:
    """The input tokens `write` would send for these records (handler.inference.prompt_budget)."""
    return prompt_budget.call_tokens(SYSTEM_PROMPT, DiaryDraft, build_prompt(day, records))


def write(
    services: Services, day: dt.date, records: Sequence[tuple[str, str]], temperature: float
) -> Answer[DiaryDraft]:
    """`records` are (HH:MM, content) pairs in the order they were written."""
    return ask(
        services,
        "diary",
        DiaryDraft,
        SYSTEM_PROMPT,
        build_prompt(day, records),
        offline=lambda: offline.answer(day, records),
        temperature=temperature,
    )
