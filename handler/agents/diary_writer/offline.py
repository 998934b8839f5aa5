"""How the offline model writes a diary: the day's records stitched together, in their language."""

from __future__ import annotations

import re
from typing import Any

from handler.language import has_hangul


def answer(prompt: str) -> dict[str, Any]:
    day = re.search(r"Date: (\d{4}-\d{2}-\d{2})", prompt).group(1)
    records = re.findall(r"^- \[\d{2}:\d{2}\] (.*)$", prompt, re.M)
    sentences = [r if r.endswith((".", "!", "?", "요", "다")) else f"{r}." for r in records]
    korean = any(has_hangul(r) for r in records)
    return {
        "title": f"{day} 일기" if korean else f"Diary for {day}",
        "content": " ".join(sentences),
    }
