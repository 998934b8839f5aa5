"""Which language a text is in, as far as the service needs to know: Korean or not."""

from __future__ import annotations

import re

_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def has_hangul(text: str) -> bool:
    return bool(_HANGUL.search(text))
