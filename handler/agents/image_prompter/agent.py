"""The image prompter: one structured call turns a diary (or any text) into an image prompt."""

from __future__ import annotations

from pydantic import BaseModel, Field

from handler.agents.image_prompter.prompt import SYSTEM_PROMPT, build_prompt
from handler.agents.structured_call import Answer, ask

# Nova Canvas accepts at most 1024 characters of text and of negative text (Stability's models 10,000).
MAX_PROMPT_CHARS = 1024


class ImagePrompt(BaseModel):
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    negative_prompt: str = Field(default="text, letters, watermark, logo", max_length=MAX_PROMPT_CHARS)


def write(text: str) -> Answer[ImagePrompt]:
    return ask("image_prompt", ImagePrompt, SYSTEM_PROMPT, build_prompt(text), temperature=0.7)
