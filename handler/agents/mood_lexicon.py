"""A small Korean/English mood lexicon for the offline model: how a text's words lean, in code.

Word stems, counted where they occur; good enough to tell a record of a good day from one of a hard
day for local runs, never a model's reading.
"""

from __future__ import annotations

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
