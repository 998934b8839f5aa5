"""How the offline model asks today's question: from templates, by the recent mood, one of them
naming a recent theme; picked by the day, and never yesterday's question. Also what the route
falls back to when the model cannot ask (handler.logic.day_prompts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from handler.agents import mood_lexicon
from handler.language import Language

_LOW, _HIGH = 4, 7
TEMPLATES: dict[Language, dict[str, tuple[str, ...]]] = {
    "ko": {
        "low": (
            "요즘 마음이 무거웠던 것 같아요. 오늘 조금이라도 숨 돌릴 수 있었던 순간이 있었나요?",
            "오늘 나에게 해 주고 싶은 다정한 말 한마디는 무엇인가요?",
            "오늘 작게라도 나를 돌본 일이 있다면 무엇이었나요?",
        ),
        "mid": (
            "오늘 하루 중 가장 기억에 남는 장면은 무엇이었나요?",
            "오늘 새롭게 알게 되었거나 느낀 것이 있나요?",
            "오늘 누군가와 나눈 대화 중 마음에 남은 말이 있나요?",
        ),
        "high": (
            "요즘 좋은 날이 이어지고 있네요. 오늘 특히 즐거웠던 순간은 무엇이었나요?",
            "오늘 고마웠던 사람이나 일이 있다면 적어 볼까요?",
            "요즘의 좋은 기분을 만든 건 무엇이라고 생각하나요?",
        ),
        "theme": ("최근 '{theme}' 이야기가 자주 나왔어요. 오늘은 그것에 대해 어떤 생각이 드나요?",),
    },
    "en": {
        "low": (
            "The last few days sounded heavy. Was there a moment today when you could breathe a little?",
            "What is one kind thing you would like to say to yourself today?",
            "What small thing did you do to look after yourself today?",
        ),
        "mid": (
            "What moment of today stays with you the most?",
            "What did you notice or learn today that you did not expect?",
            "Which words from a conversation today are still on your mind?",
        ),
        "high": (
            "Good days lately! What was the best moment of today?",
            "Who or what are you grateful for today?",
            "What do you think has been lifting your mood lately?",
        ),
        "theme": ("'{theme}' has come up a lot lately. What are your thoughts on it today?",),
    },
}


def questions(language: Language, records: Sequence[str], moods: Sequence[int]) -> list[str]:
    """The templates that fit the recent mood (the diaries', else the records' words), the one
    naming the most frequent recent theme first when there is one."""
    texts = TEMPLATES[language]
    mood = sum(moods) / len(moods) if moods else (mood_lexicon.score(" ".join(records)) if records else None)
    band = "mid" if mood is None else "low" if mood <= _LOW else "high" if mood >= _HIGH else "mid"
    theme = mood_lexicon.words(records).most_common(1)
    named = [t.format(theme=theme[0][0]) for t in texts["theme"]] if theme and theme[0][1] > 1 else []
    return [*named, *texts[band]]


def answer(
    today: dt.date, language: Language, records: Sequence[str], moods: Sequence[int], yesterday: str | None
) -> dict[str, Any]:
    """One question, turning with the day (its ordinal), and never yesterday's."""
    choices = [q for q in questions(language, records, moods) if q != yesterday]
    return {"question": choices[today.toordinal() % len(choices)]}
