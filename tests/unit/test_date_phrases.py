"""handler.logic.date_phrases: each phrase to the span it means, against a fixed today (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from handler.logic.date_phrases import resolve

# A Wednesday.
TODAY = dt.date(2026, 11, 25)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("2026-01-13에 뭐 했어?", ("2026-01-13", "2026-01-13")),
        ("2026-1-3 일기", ("2026-01-03", "2026-01-03")),
        ("2026년 1월 13일에 무슨 영화 봤어?", ("2026-01-13", "2026-01-13")),
        ("1월 13일에 뭐 먹었지", ("2026-01-13", "2026-01-13")),
        # A month-day still ahead this year is last year's.
        ("12월 24일에 뭐 했어?", ("2025-12-24", "2025-12-24")),
        ("오늘 뭐 했어?", ("2026-11-25", "2026-11-25")),
        ("어제 뭐 먹었어?", ("2026-11-24", "2026-11-24")),
        ("그저께 누구 만났지", ("2026-11-23", "2026-11-23")),
        ("그제 어디 갔어", ("2026-11-23", "2026-11-23")),
        ("what did I do today", ("2026-11-25", "2026-11-25")),
        ("what did I eat yesterday?", ("2026-11-24", "2026-11-24")),
        ("the day before yesterday", ("2026-11-23", "2026-11-23")),
        ("3일 전에 뭐 했어", ("2026-11-22", "2026-11-22")),
        ("10 days ago", ("2026-11-15", "2026-11-15")),
        ("1 day ago", ("2026-11-24", "2026-11-24")),
        ("지난주에 뭐 했어?", ("2026-11-16", "2026-11-22")),
        ("저번 주 기록", ("2026-11-16", "2026-11-22")),
        ("last week", ("2026-11-16", "2026-11-22")),
        ("이번 주에 운동했어?", ("2026-11-23", "2026-11-25")),
        ("this week", ("2026-11-23", "2026-11-25")),
        ("지난달에 뭐 샀지", ("2026-10-01", "2026-10-31")),
        ("last month", ("2026-10-01", "2026-10-31")),
        ("이번 달 기록", ("2026-11-01", "2026-11-25")),
        ("this month", ("2026-11-01", "2026-11-25")),
        # Several phrases: the span covering them all.
        ("어제랑 오늘", ("2026-11-24", "2026-11-25")),
        ("2026-11-01 and yesterday", ("2026-11-01", "2026-11-24")),
    ],
)
def test_phrases_resolve_to_their_span(question, span):
    assert resolve(question, TODAY) == (d(span[0]), d(span[1]))


@pytest.mark.parametrize(
    "question",
    [
        "나 무슨 영화 봤었지?",
        "what movies did I watch",
        "2026-02-30에 뭐 했어",  # no such day
        "13월 1일",  # no such month
        "",
    ],
)
def test_no_date_resolves_to_none(question):
    assert resolve(question, TODAY) is None


def test_last_month_in_january_is_last_years_december():
    assert resolve("지난달", dt.date(2026, 1, 10)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
