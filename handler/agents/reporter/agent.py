"""The reporter: one structured call scores each day of a period and writes the report's feedback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from handler.agents.reporter import offline
from handler.agents.reporter.prompt import SYSTEM_PROMPT, build_prompt
from handler.agents.reporter.schema import ReportDraft
from handler.inference import prompt_budget
from handler.inference.structured_call import Answer, ask

if TYPE_CHECKING:
    from handler.composition import Services


def prompt_tokens(
    start: dt.date, end: dt.date, records: Sequence[tuple[str, str]], diaries: Sequence[tuple[str, str]]
) -> int:
    """The input tokens `write` would send (handler.inference.prompt_budget)."""
    return prompt_budget.call_tokens(SYSTEM_PROMPT, ReportDraft, build_prompt(start, end, records, diaries))


def write(
    services: Services,
    start: dt.date,
    end: dt.date,
    records: Sequence[tuple[str, str]],
    diaries: Sequence[tuple[str, str]],
) -> Answer[ReportDraft]:
    """`records`: ("YYYY-MM-DD HH:MM", text); `diaries`: ("YYYY-MM-DD", text)."""
    return ask(
        services,
        "report",
        ReportDraft,
        SYSTEM_PROMPT,
        build_prompt(start, end, records, diaries),
        offline=lambda: offline.answer(records),
        temperature=0.3,
    )
