"""How the offline model routes what the code-side rules left undecided: the request's clauses read
by the rules where they can, else by keywords in Korean and English, neighbouring statements one
record, at most MAX_STEPS steps (the rest of the words go with the last). Dates are left to code
(handler.date_phrases resolves them for every step before any model's reading is used).

It is handed what the prompt is built from, never the prompt text, so a prompt can change freely.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from handler import care
from handler.agents.router import rules

_KEYWORDS: list[tuple[rules.StepType, tuple[str, ...]]] = [
    ("image", ("그림", "이미지", "사진 만들", "draw", "picture", "image")),
    ("report", ("리포트", "보고서", "감정 분석", "report")),
    ("diary", ("일기", "diary")),
    ("question", ("?", "뭐", "무슨", "언제", "어디", "누구", "what", "when", "where", "who", "which", "how")),
]


def answer(request: str, current_date: dt.date) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for clause in rules.clauses(request):
        kind = rules.classify(clause, current_date) or _by_keywords(clause)
        if steps and (len(steps) == rules.MAX_STEPS or (kind == "data" and steps[-1]["type"] == "data")):
            steps[-1]["text"] += " " + clause
        else:
            steps.append({"type": kind, "text": clause})
    steps = steps or [{"type": "data", "text": request}]
    decision: dict[str, Any] = {"type": steps[0]["type"], "crisis": care.speaks_of_crisis(request)}
    if len(steps) > 1:
        decision["steps"] = steps
    return decision


def _by_keywords(clause: str) -> rules.StepType:
    lowered = clause.lower()
    return next((kind for kind, words in _KEYWORDS if any(w in lowered for w in words)), "data")
