"""How the offline model answers, as a person who read the records would:
- a question about mood ("요즘 기분 어때?", "how have I been feeling?") weighs every record it was
  given with the mood lexicon (handler.agents.mood_lexicon) and cites those that lean either way;
- otherwise it quotes the records that share something with the question (a word the search
  indexes, or a concept of the offline embedder's synonym list);
- when none does, a question that names its period ("지난주에 뭐 했지?") cites every record it was
  given (all of that period, within the answer's budget), in the order they happened; an undated one
  the first few.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from handler import date_phrases
from handler.agents import mood_lexicon
from handler.inference import offline_embedder
from handler.language import has_hangul
from handler.search_terms import query, terms

MAX_QUOTED = 5
FALLBACK_QUOTED = 3
_MOOD = re.compile(r"기분|감정|마음|정서|mood|feel|emotion|spirits", re.IGNORECASE)

Line = tuple[str, str, str]


def answer(question: str, today: dt.date, records: Sequence[Line]) -> dict[str, Any]:
    """`records`: (ref, "YYYY-MM-DD HH:MM", text), as offered to the model, best first."""
    korean = has_hangul(question)
    if _MOOD.search(question):
        leaning = [(line, mood_lexicon.tone(line[2])) for line in records]
        good = [line for line, tone in leaning if tone > 0]
        hard = [line for line, tone in leaning if tone < 0]
        if good or hard:
            summary = (
                f"기록을 보면 좋았던 순간이 {len(good)}번, 힘들었던 순간이 {len(hard)}번 있었어요: "
                if korean
                else f"From your records: {len(good)} good moments and {len(hard)} hard ones: "
            )
            return _citing(summary, _in_order(good + hard))
    asked_terms, asked_concepts = set(query(question)), offline_embedder.concepts(question)
    related = [
        line
        for line in records
        if asked_terms & set(terms(line[2])) or asked_concepts & offline_embedder.concepts(line[2])
    ]
    if related:
        found = related[:MAX_QUOTED]
    elif date_phrases.resolve(question, today) is not None:
        found = _in_order(list(records))
    else:
        found = list(records[:FALLBACK_QUOTED])
    return _citing("기록을 보면: " if korean else "From your records: ", found)


def _in_order(lines: list[Line]) -> list[Line]:
    return sorted(lines, key=lambda line: line[1])


def _citing(intro: str, found: list[Line]) -> dict[str, Any]:
    quoted = " / ".join(f"{when[:10]} {text}" for _, when, text in found)
    return {"answer": intro + quoted, "used_records": [ref for ref, _, _ in found]}
