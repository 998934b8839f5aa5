"""A regular expression compiled by its first use, not at import.

The service's phrase tables (dates, routing rules, care, search terms, text cleaning) are a few
hundred regular expressions; compiling them at import cost a request that never reads a phrase
(GET /health, every request of a warm-up-free cold start) tens of milliseconds (docs/image.md).
`re` cannot store a compiled pattern (pickling one compiles it again), so the cost is moved, not
removed: the first request that reads a phrase pays for the patterns it reads. With SnapStart the
init compiles them all before the snapshot (`compile_all`, handler.snap_start).
"""

from __future__ import annotations

import re
from typing import Any


class LazyPattern:
    """Stands in for `re.compile(pattern, flags)`: `.pattern` and `.flags` at once, and everything
    else of the compiled pattern (search, finditer, sub, ...) compiled on first use."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None
        _MADE.append(self)

    def __getattr__(self, name: str) -> Any:
        # Called only for what this class does not have itself: the compiled pattern's methods.
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return getattr(self._compiled, name)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.flags!r})"

    @property
    def compiled(self) -> bool:
        return self._compiled is not None


# Every pattern made, for compile_all: they are module-level constants, made once.
_MADE: list[LazyPattern] = []


def compile_all() -> int:
    """Compile every pattern made so far (the modules that make them imported); how many there are."""
    for pattern in _MADE:
        pattern.search("")
    return len(_MADE)
