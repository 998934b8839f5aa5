"""The day prompter: one small-model structured call asks the user a question to write about today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from handler.agents.day_prompter import offline
from handler.agents.day_prompter.prompt import SYSTEM_PROMPT, build_prompt
from handler.agents.day_prompter.schema import DayQuestion
from handler.inference import prompt_budget
from handler.inference.structured_call import Answer, ask
from handler.language import Language

if TYPE_CHECKING:
    from handler.composition import Services


def prompt_tokens(
    today: dt.date,
    language: Language,
    records: Sequence[tuple[str, str]],
    moods: Sequence[tuple[str, int]],
    yesterday: str | None,
) -> int:
    """The input tokens `ask_today` would send (handler.inference.prompt_budget)."""
    return prompt_budget.call_tokens(
        SYSTEM_PROMPT, DayQuestion, build_prompt(today, language, records, moods, yesterday)
    )


def ask_today(
    services: Services,
    today: dt.date,
    language: Language,
    records: Sequence[tuple[str, str]],
    moods: Sequence[tuple[str, int]],
    yesterday: str | None,
) -> Answer[DayQuestion]:
    """`records`: (YYYY-MM-DD, content), newest first; `moods`: (YYYY-MM-DD, 1-10)."""
    return ask(
        services,
        "day_prompt",
        DayQuestion,
        SYSTEM_PROMPT,
        build_prompt(today, language, records, moods, yesterday),
        offline=lambda: offline.answer(
            today, language, [text for _, text in records], [mood for _, mood in moods], yesterday
        ),
        # No sampling parameter, as for routing on the same small model; the prompt asks for a
        # question other than yesterday's, and the logic makes sure of it.
        temperature=None,
    )
