"""How the offline model writes a report: a small Korean/English lexicon (handler.agents.mood_lexicon)
counted per day, and
sentences built from what it counted. A day whose records speak of crisis (handler.care) is
treated with care: its themes are not its words, and the feedback names the crisis line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from handler import care
from handler.agents import mood_lexicon
from handler.language import has_hangul

_CARE_POINT = {
    "ko": "{days}에는 많이 힘들었던 것 같아요. 혼자 견디지 않아도 돼요."
    " 자살예방상담전화 109(24시간)에서 이야기를 들어 줘요.",
    "en": "{days} sounded very hard. You don't have to carry it alone: in the US, call or text 988 (Suicide & Crisis"
    " Lifeline, 24 hours), or your local emergency number.",
}


def _score(texts: list[str]) -> int:
    return mood_lexicon.score(" ".join(texts))


def _sentiment(score: int) -> str:
    return "positive" if score >= 7 else "negative" if score <= 4 else "neutral"


def answer(records: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """`records`: ("YYYY-MM-DD HH:MM", text), as offered to the model."""
    days: dict[str, list[str]] = defaultdict(list)
    for when, text in records:
        days[when[:10]].append(text)
    korean = any(has_hangul(t) for texts in days.values() for t in texts)
    hard_days = {day for day, texts in days.items() if any(care.speaks_of_crisis(t) for t in texts)}
    daily: list[dict[str, Any]] = []
    for day, texts in sorted(days.items()):
        score = min(_score(texts), 2) if day in hard_days else _score(texts)
        themes = [w for w, _ in mood_lexicon.words(texts).most_common(3)] or ["일상"]
        if day in hard_days:
            themes = ["힘든 마음" if korean else "a heavy heart"]
        daily.append({"date": day, "score": score, "sentiment": _sentiment(score), "themes": themes})
    calm = [t for day, texts in days.items() if day not in hard_days for t in texts]
    themes = [w for w, _ in mood_lexicon.words(calm).most_common(3)] or ["일상"]
    average = sum(d["score"] for d in daily) / len(daily)
    best, worst = max(daily, key=lambda d: d["score"]), min(daily, key=lambda d: d["score"])
    if korean:
        patterns = [f"가장 좋았던 날은 {best['date']}, 가장 힘들었던 날은 {worst['date']}이에요."]
        points = [
            f"{', '.join(best['themes'])} 같은 순간이 기분을 올려 줬어요.",
            f"{worst['date']}처럼 힘든 날에는 잠깐 쉬어 가도 괜찮아요.",
            "하루에 한 줄이라도 꾸준히 기록해 보세요.",
        ]
        overall = (
            f"{len(daily)}일 동안의 평균 감정 점수는 {average:.1f}점이에요. 자주 나온 이야기: {', '.join(themes)}."
        )
    else:
        patterns = [f"Your best day was {best['date']}, the hardest {worst['date']}."]
        points = [
            f"Moments like {', '.join(best['themes'])} lifted your mood.",
            f"On days like {worst['date']}, it is fine to slow down.",
            "Keep writing, even one line a day.",
        ]
        overall = (
            f"Over {len(daily)} days your average mood score was {average:.1f}. Recurring topics: {', '.join(themes)}."
        )
    if hard_days:
        # The kind word first, and in place of the light advice about the hardest day.
        points = [_CARE_POINT["ko" if korean else "en"].format(days=", ".join(sorted(hard_days))), points[0], points[2]]
    return {
        "daily_scores": daily,
        "themes": themes,
        "patterns": patterns,
        "feedback_points": points,
        "overall": overall,
    }
