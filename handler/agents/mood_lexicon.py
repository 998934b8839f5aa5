"""A small Korean/English mood lexicon for the offline model: how a text's words lean, in code.

Word stems, counted where they occur; good enough to tell a record of a good day from one of a hard
day for local runs, never a model's reading.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

POSITIVE = (
    "좋",
    "행복",
    "즐거",
    "기뻐",
    "기쁘",
    "재밌",
    "재미있",
    "맛있",
    "신나",
    "감사",
    "웃",
    "사랑",
    "설레",
    "뿌듯",
    "happy",
    "good",
    "great",
    "fun",
    "love",
    "enjoy",
    "delicious",
    "glad",
    "nice",
    "wonderful",
)
# Words too common to be what a day was about.
_STOP = {"오늘", "그리고", "나는", "내가", "정말", "너무", "today", "the", "and", "with", "was"}
NEGATIVE = (
    "슬프",
    "슬퍼",
    "힘들",
    "피곤",
    "짜증",
    "화나",
    "우울",
    "아프",
    "외로",
    "걱정",
    "불안",
    "싫",
    "sad",
    "tired",
    "angry",
    "bad",
    "lonely",
    "worried",
    "sick",
    "awful",
    "stress",
)


def tone(text: str) -> int:
    """Positive words minus negative ones: above 0 a text leans good, below 0 hard."""
    lowered = text.lower()
    return sum(lowered.count(w) for w in POSITIVE) - sum(lowered.count(w) for w in NEGATIVE)


def score(text: str) -> int:
    """A 1-10 mood from the lexicon: 6 for a text that leans neither way, 2 points a word either way."""
    return max(1, min(10, 6 + 2 * tone(text)))


def words(texts: Iterable[str]) -> Counter[str]:
    """How often each word of two letters or more occurs, common words left out: the offline themes."""
    return Counter(w for t in texts for w in re.findall(r"\w{2,}", t.lower()) if w not in _STOP)
