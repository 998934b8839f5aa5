"""How the offline model scores emotions: a small Korean/English lexicon, counted per day."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from handler.language import has_hangul

POSITIVE = ("좋", "행복", "즐거", "기뻐", "기쁘", "재밌", "재미있", "맛있", "신나", "감사", "웃", "사랑", "설레",
            "뿌듯", "happy", "good", "great", "fun", "love", "enjoy", "delicious", "glad", "nice", "wonderful")
NEGATIVE = ("슬프", "슬퍼", "힘들", "피곤", "짜증", "화나", "우울", "아프", "외로", "걱정", "불안", "싫",
            "sad", "tired", "angry", "bad", "lonely", "worried", "sick", "awful", "stress")
_STOP = {"오늘", "그리고", "나는", "내가", "정말", "너무", "today", "the", "and", "with", "was"}


def _score(texts: list[str]) -> int:
    text = " ".join(texts).lower()
    tone = sum(text.count(w) for w in POSITIVE) - sum(text.count(w) for w in NEGATIVE)
    return max(1, min(10, 6 + 2 * tone))


def answer(records: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """`records`: ("YYYY-MM-DD HH:MM", text), as offered to the model."""
    days: dict[str, list[str]] = defaultdict(list)
    for when, text in records:
        days[when[:10]].append(text)
    words = Counter(
        w for texts in days.values() for t in texts for w in re.findall(r"\w{2,}", t.lower()) if w not in _STOP
    )
    themes = [w for w, _ in words.most_common(3)] or ["일상"]
    scores: list[dict[str, Any]] = [{"date": day, "score": _score(texts)} for day, texts in sorted(days.items())]
    average = sum(s["score"] for s in scores) / len(scores)
    korean = any(has_hangul(t) for texts in days.values() for t in texts)
    feedback = (
        f"{len(scores)}일 동안의 기록을 보면 평균 감정 점수는 {average:.1f}점이에요."
        f" 자주 나온 이야기: {', '.join(themes)}."
        if korean
        else f"Over {len(scores)} days your average mood score was {average:.1f}."
        f" Recurring topics: {', '.join(themes)}."
    )
    return {"daily_scores": scores, "themes": themes, "feedback": feedback}
