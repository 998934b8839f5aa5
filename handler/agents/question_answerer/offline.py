"""How the offline model answers: it quotes the records it was given."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handler.language import has_hangul

MAX_QUOTED = 5


def answer(question: str, records: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
    """`records`: (ref, "YYYY-MM-DD HH:MM", text), as offered to the model."""
    found = records[:MAX_QUOTED]
    quoted = " / ".join(f"{when[:10]} {text}" for _, when, text in found)
    intro = "기록을 보면: " if has_hangul(question) else "From your records: "
    return {"answer": intro + quoted, "used_records": [ref for ref, _, _ in found]}
