"""How the offline model writes an image prompt: the diary's first lines, framed as a scene."""

from __future__ import annotations

from typing import Any

from handler.agents.image_prompter.schema import MAX_PROMPT_CHARS


def answer(text: str) -> dict[str, Any]:
    scene = " ".join(text.split())
    return {"prompt": f"A soft watercolor illustration of a diary scene: {scene}"[:MAX_PROMPT_CHARS]}
