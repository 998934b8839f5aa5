"""The dates a question speaks of, resolved against the user's today, in code (no model call).

Korean and English: absolute dates (2026-01-13, 2026년 1월 13일, 1월 13일), 오늘/어제/그저께,
today/yesterday, N일 전/N days ago, 이번 주/지난주, this/last week, 이번 달/지난달, this/last month.
Several phrases give the span that covers them all.
"""

from __future__ import annotations

import datetime as dt
import re

Period = tuple[dt.date, dt.date]

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_KO_FULL = re.compile(r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_KO_MONTH_DAY = re.compile(r"(?<![\d년])\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_DAYS_AGO = re.compile(r"(\d{1,3})\s*(?:일\s*전|days?\s+ago)")
_RELATIVE_DAYS = (("그저께", 2), ("그제", 2), ("day before yesterday", 2), ("어제", 1), ("yesterday", 1),
                  ("오늘", 0), ("today", 0))


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month(first: dt.date, today: dt.date) -> Period:
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, min(following - dt.timedelta(days=1), max(today, first))


def resolve(question: str, today: dt.date) -> Period | None:
    text = question.lower()
    periods: list[Period] = []

    def add_day(day: dt.date | None) -> None:
        if day:
            periods.append((day, day))

    for match in _ISO.finditer(text):
        add_day(_day(*map(int, match.groups())))
    for match in _KO_FULL.finditer(text):
        add_day(_day(*map(int, match.groups())))
    for match in _KO_MONTH_DAY.finditer(_KO_FULL.sub("", text)):
        day = _day(today.year, int(match.group(1)), int(match.group(2)))
        # "3월 1일" asked in January means last year's.
        add_day(day if day is None or day <= today else _day(today.year - 1, day.month, day.day))
    for match in _DAYS_AGO.finditer(text):
        add_day(today - dt.timedelta(days=int(match.group(1))))
    remaining = text
    for word, days_back in _RELATIVE_DAYS:
        if word in remaining:
            add_day(today - dt.timedelta(days=days_back))
            remaining = remaining.replace(word, " ")

    monday = today - dt.timedelta(days=today.weekday())
    if re.search(r"지난\s*주|저번\s*주|last week", text):
        periods.append((monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)))
    if re.search(r"이번\s*주|this week", text):
        periods.append((monday, today))
    first_of_month = today.replace(day=1)
    if re.search(r"지난\s*달|저번\s*달|last month", text):
        periods.append(_month((first_of_month - dt.timedelta(days=1)).replace(day=1), today))
    if re.search(r"이번\s*달|this month", text):
        periods.append((first_of_month, today))

    if not periods:
        return None
    return min(p[0] for p in periods), max(p[1] for p in periods)
