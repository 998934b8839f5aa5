"""handler.lazy_pattern: a pattern is compiled by its first use, and answers as re's would."""

from __future__ import annotations

import re

import pytest

from handler import lazy_pattern
from handler.lazy_pattern import LazyPattern


def test_compiled_on_first_use_and_answers_as_re() -> None:
    pattern = LazyPattern(r"(\d+)일", re.IGNORECASE)
    assert not pattern.compiled
    assert (pattern.pattern, pattern.flags) == (r"(\d+)일", re.IGNORECASE)
    assert not pattern.compiled, "reading what it was made from compiles nothing"
    assert [m.group(1) for m in pattern.finditer("3일 그리고 12일")] == ["3", "12"]
    assert pattern.compiled
    assert pattern.sub("N일", "3일") == re.sub(r"(\d+)일", "N일", "3일")


def test_an_invalid_pattern_fails_where_it_is_used() -> None:
    pattern = LazyPattern(r"(")
    try:
        with pytest.raises(re.error):
            pattern.search("x")
    finally:
        lazy_pattern._MADE.remove(pattern)


def test_the_service_patterns_all_compile() -> None:
    """compile_all (the SnapStart init's) compiles every pattern the phrase tables made; a bad one
    among them fails here, not on the first request that reads it."""
    import handler.agents.router.rules
    import handler.care
    import handler.date_phrases
    import handler.search_terms  # noqa: F401

    assert lazy_pattern.compile_all() == len(lazy_pattern._MADE) > 50
    assert all(p.compiled for p in lazy_pattern._MADE)
