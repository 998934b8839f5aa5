"""What the diary writer answers: a titled, first-person diary entry, and the day's mood and themes
(read by GET /insights, so that insights cost no model call of their own)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from handler import clean_text

MAX_THEMES = 3
MAX_THEME_CHARS = 30


class DiaryDraft(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, description="The diary entry, first person.")
    # Optional for validation only (the prompt asks for both): a diary whose answer lacks them is
    # still the user's diary, stored without them, and the backfill reads its mood from its words.
    mood: int | None = Field(
        default=None, ge=1, le=10, description="The day's mood as the records show it: 1 very hard, 10 wonderful."
    )
    themes: list[str] = Field(
        default_factory=list,
        max_length=MAX_THEMES,
        description="Up to 3 key themes of the day, each one to three words, in the language of the records.",
    )

    @field_validator("mood", mode="before")
    @classmethod
    def _on_the_scale(cls, value: Any) -> Any:
        """A mood past either end of the scale is that end, not a lost diary."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return max(1, min(10, round(value)))
        return value

    @field_validator("themes", mode="before")
    @classmethod
    def _one_spelling(cls, value: Any) -> Any:
        """Themes are counted across days (GET /insights): kept as tags are (NFKC, case-folded), once
        each, cut to their limits rather than losing the whole diary over a fourth theme."""
        if not isinstance(value, list) or not all(isinstance(theme, str) for theme in value):
            return value  # let validation name it
        return theme_forms(value)


def theme_forms(themes: list[str]) -> list[str]:
    """Each theme in its one spelling, cut to MAX_THEME_CHARS, blanks and repeats left out, at most
    MAX_THEMES."""
    kept: list[str] = []
    for theme in themes:
        spelled = clean_text.tag_form(clean_text.content_form(theme)).strip()[:MAX_THEME_CHARS].strip()
        if spelled and not clean_text.is_blank(spelled) and spelled not in kept:
            kept.append(spelled)
    return kept[:MAX_THEMES]
