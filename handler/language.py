"""Which language a text is in, as far as the service needs to know: Korean or not."""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["ko", "en"]
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def has_hangul(text: str) -> bool:
    return bool(_HANGUL.search(text))


def of_text(text: str) -> Language:
    return "ko" if has_hangul(text) else "en"


def of_request(accept_language: str | None, text: str = "") -> Language:
    """The language to answer in: the first of Accept-Language's ranges the service speaks (by
    quality), else the words' own language."""
    ranges = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranges.append((-quality, position, tag.strip().lower().split("-")[0]))
    for _, _, primary in sorted(ranges):
        if primary in ("ko", "en"):
            return primary  # type: ignore[return-value]
    return of_text(text)
