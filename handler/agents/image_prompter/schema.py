"""What the image prompter answers: a prompt for the image model, and what must not appear."""

from __future__ import annotations

from pydantic import BaseModel, Field

# Nova Canvas accepts at most 1024 characters of text and of negative text (Stability's models 10,000).
MAX_PROMPT_CHARS = 1024


class ImagePrompt(BaseModel):
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    negative_prompt: str = Field(default="text, letters, watermark, logo", max_length=MAX_PROMPT_CHARS)
