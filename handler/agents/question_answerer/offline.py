"""How the offline model answers: it quotes the records it was given that share something with the
question (a word the search indexes, or a concept of the offline embedder's synonym list), or, when
none does, the first few."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handler.inference import offline_embedder
from handler.language import has_hangul
from handler.search_terms import query, terms

MAX_QUOTED = 5
FALLBACK_QUOTED = 3


def answer(question: str, records: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
    """`records`: (ref, "YYYY-MM-DD HH:MM", text), as offered to the model, best first."""
    asked_terms, asked_concepts = set(query(question)), offline_embedder.concepts(question)
    related = [
        record
        for record in records
        if asked_terms & set(terms(record[2])) or asked_concepts & offline_embedder.concepts(record[2])
    ]
    found = (related or list(records[:FALLBACK_QUOTED]))[:MAX_QUOTED]
    quoted = " / ".join(f"{when[:10]} {text}" for _, when, text in found)
    intro = "기록을 보면: " if has_hangul(question) else "From your records: "
    return {"answer": intro + quoted, "used_records": [ref for ref, _, _ in found]}
