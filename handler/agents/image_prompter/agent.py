"""The image prompter: one structured call turns a diary (or any text) into an image prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handler.agents.image_prompter import offline
from handler.agents.image_prompter.prompt import SYSTEM_PROMPT, build_prompt
from handler.agents.image_prompter.schema import ImagePrompt
from handler.inference import prompt_budget
from handler.inference.structured_call import Answer, ask

if TYPE_CHECKING:
    from handler.composition import Services


def prompt_tokens(text: str) -> int:
    """The input tokens `write` would send for this text (handler.inference.prompt_budget)."""
    return prompt_budget.call_tokens(SYSTEM_PROMPT, ImagePrompt, build_prompt(text))


def write(services: Services, text: str) -> Answer[ImagePrompt]:
    return ask(
        services,
        "image_prompt",
        ImagePrompt,
        SYSTEM_PROMPT,
        build_prompt(text),
        offline=lambda: offline.answer(text),
        temperature=0.7,
    )
