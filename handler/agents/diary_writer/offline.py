"""How the offline model writes a diary: the day's records stitched together, in their language;
its mood and themes read from the words (handler.agents.mood_lexicon), as the reporter's offline
model reads a day. The same reading estimates the mood and themes of a diary no model read (the
user's own, and those written before diaries had them: handler.logic.insights.backfill_moods)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from handler import care
from handler.agents import mood_lexicon
from handler.agents.diary_writer.schema import theme_forms
from handler.language import has_hangul

# A day whose words speak of crisis is never read as a good one (handler.care).
_CRISIS_MOOD = 2
_CRISIS_THEME = {"ko": "힘든 마음", "en": "a heavy heart"}
_NO_THEME = {"ko": "일상", "en": "everyday life"}


def reading(texts: Sequence[str]) -> tuple[int, list[str]]:
    """The mood (1-10) and up to three themes (in their one spelling) of a day's texts, from their words."""
    language = "ko" if any(has_hangul(t) for t in texts) else "en"
    if any(care.speaks_of_crisis(t) for t in texts):
        return _CRISIS_MOOD, [_CRISIS_THEME[language]]
    themes = theme_forms([w for w, _ in mood_lexicon.words(texts).most_common(3)]) or [_NO_THEME[language]]
    return mood_lexicon.score(" ".join(texts)), themes


def answer(day: dt.date, records: Sequence[tuple[str, str]]) -> dict[str, Any]:
    texts = [content for _, content in records]
    sentences = [t if t.endswith((".", "!", "?", "요", "다")) else f"{t}." for t in texts]
    korean = any(has_hangul(t) for t in texts)
    mood, themes = reading(texts)
    return {
        "title": f"{day.isoformat()} 일기" if korean else f"Diary for {day.isoformat()}",
        "content": " ".join(sentences),
        "mood": mood,
        "themes": themes,
    }
