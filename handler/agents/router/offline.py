"""How the offline model routes: keyword rules in Korean and English, dates from 오늘/어제/today/yesterday.

It is handed what the prompt is built from, never the prompt text, so a prompt can change freely.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

_KEYWORDS = [
    ("image", ("그림", "이미지", "사진 만들", "draw", "picture", "image")),
    ("report", ("리포트", "보고서", "감정 분석", "report")),
    ("diary", ("일기", "diary")),
    ("question", ("?", "뭐", "무슨", "언제", "어디", "누구", "what", "when", "where", "who", "which", "how")),
]
_DAY_OFFSETS = (("그저께", -2), ("그제", -2), ("어제", -1), ("yesterday", -1), ("오늘", 0), ("today", 0))


def answer(request: str, current_date: dt.date) -> dict[str, Any]:
    request = request.lower()
    kind = next((kind for kind, words in _KEYWORDS if any(w in request for w in words)), "data")
    decision: dict[str, Any] = {"type": kind}
    if kind in ("diary", "image"):
        offset = next((days for word, days in _DAY_OFFSETS if word in request), 0)
        decision["date"] = current_date + dt.timedelta(days=offset)
    return decision
