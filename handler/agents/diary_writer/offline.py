"""How the offline model writes a diary: the day's records stitched together, in their language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from handler.language import has_hangul


def answer(day: dt.date, records: Sequence[tuple[str, str]]) -> dict[str, Any]:
    texts = [content for _, content in records]
    sentences = [t if t.endswith((".", "!", "?", "요", "다")) else f"{t}." for t in texts]
    korean = any(has_hangul(t) for t in texts)
    return {
        "title": f"{day.isoformat()} 일기" if korean else f"Diary for {day.isoformat()}",
        "content": " ".join(sentences),
    }
