"""GET /insights: what a user's records and diaries say over a period, from the database alone.

No model call: the mood and themes of each day were given by the call that wrote its diary
(handler.agents.diary_writer), or estimated from a diary's words where no model read it. Two
statements (handler.dal.insights): the days of the period and of the previous period of the same
length, and the run of days written ending today; the rest is counted here over at most
2 x MAX_DAYS days.

Days are the user's days: records are dated in DEFAULT_TIMEZONE (handler.logic.records), so "today"
and the streaks are counted there too (the service knows no time zone per user).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from aws_lambda_powertools import Logger

from handler.agents.diary_writer.offline import reading
from handler.composition import Caller, Services
from handler.dal.insights import WrittenDay
from handler.deadline import seconds_left
from handler.errors import DeadlineExceeded, InvalidRequest
from handler.models import (
    Insights,
    MoodPoint,
    MoodSummary,
    PeriodSummary,
    Streak,
    Streaks,
    ThemeCount,
    WeekdayCount,
)

logger = Logger(child=True)

DEFAULT_DAYS = 30
# Three years: room for "this year against last year"; the previous period doubles what is read.
MAX_DAYS = 3 * 366
MOVING_AVERAGE_DAYS = 7
TOP_THEMES = 5
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The backfill's batch, and the time kept back per diary for its reading and update.
BACKFILL_BATCH = 500
BACKFILL_ROW_MARGIN_S = 1.0


def today(caller: Caller) -> dt.date:
    return dt.datetime.now(caller.settings.timezone).date()


def period(caller: Caller, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period asked for: `end` today unless given, `start` DEFAULT_DAYS before `end` unless
    given; InvalidRequest (400) for a `start` after `end` or more than MAX_DAYS days."""
    last = end or today(caller)
    first = start or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidRequest("`from` must not be after `to`", code="invalid_range")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidRequest(f"a period of at most {MAX_DAYS} days", code="range_too_long")
    return first, last


def insights(caller: Caller, start: dt.date | None, end: dt.date | None) -> Insights:
    first, last = period(caller, start, end)
    length = (last - first).days + 1
    before_first = first - dt.timedelta(days=length)
    now = today(caller)
    days = caller.store.insights.days(before_first, last)
    run = caller.store.insights.last_run(now)
    current = Streak(days=0)
    if run is not None and run.end >= now - dt.timedelta(days=1):
        current = Streak(days=run.days, start=run.start, end=run.end)
    these = [d for d in days if d.day >= first]
    previous = [d for d in days if d.day < first]
    this_themes, previous_themes = _themes(these), _themes(previous)
    mood_now, mood_before = _mean([d.mood for d in these]), _mean([d.mood for d in previous])
    return Insights(
        time_zone=caller.settings.default_timezone,
        today=now,
        period=_summary(first, last, these),
        previous=_summary(before_first, first - dt.timedelta(days=1), previous),
        streaks=Streaks(current=current, longest=_longest(these)),
        weekdays=_weekdays(these),
        mood=MoodSummary(
            series=_series(days, first),
            average=mood_now,
            previous_average=mood_before,
            change=None if mood_now is None or mood_before is None else round(mood_now - mood_before, 2),
        ),
        themes=[_theme(t, n, previous_themes[t]) for t, n in _top(this_themes)],
        fading_themes=[_theme(t, 0, n) for t, n in _top(previous_themes) if t not in this_themes],
    )


def _summary(first: dt.date, last: dt.date, days: Sequence[WrittenDay]) -> PeriodSummary:
    return PeriodSummary(
        start=first,
        end=last,
        days=(last - first).days + 1,
        days_written=len(days),
        records=sum(d.records for d in days),
    )


def _longest(days: Sequence[WrittenDay]) -> Streak:
    """The longest run of consecutive days in `days` (oldest first); the latest of equal ones."""
    best_length, best_end, length = 0, None, 0
    for i, d in enumerate(days):
        length = length + 1 if i and d.day == days[i - 1].day + dt.timedelta(days=1) else 1
        if length >= best_length:
            best_length, best_end = length, d.day
    if best_end is None:
        return Streak(days=0)
    return Streak(days=best_length, start=best_end - dt.timedelta(days=best_length - 1), end=best_end)


def _weekdays(days: Sequence[WrittenDay]) -> list[WeekdayCount]:
    records, written = Counter[int](), Counter[int]()
    for d in days:
        records[d.day.weekday()] += d.records
        written[d.day.weekday()] += 1
    return [WeekdayCount(weekday=name, records=records[i], days_written=written[i]) for i, name in enumerate(_WEEKDAYS)]


def _series(days: Sequence[WrittenDay], first: dt.date) -> list[MoodPoint]:
    """Each day from `first` with a mood, and the mean of the moods of the 7 days ending there
    (`days` reach back before `first`, so the first points have their week too)."""
    moods = {d.day.toordinal(): d.mood for d in days if d.mood is not None}
    points = []
    for d in days:
        if d.day < first or d.mood is None:
            continue
        day = d.day.toordinal()
        week = [moods[n] for n in range(day - MOVING_AVERAGE_DAYS + 1, day + 1) if n in moods]
        points.append(MoodPoint(date=d.day, mood=d.mood, moving_average=round(sum(week) / len(week), 2)))
    return points


def _mean(moods: Sequence[int | None]) -> float | None:
    known = [m for m in moods if m is not None]
    return round(sum(known) / len(known), 2) if known else None


def _themes(days: Sequence[WrittenDay]) -> Counter[str]:
    """On how many days each theme came up (a theme is counted once a day)."""
    return Counter(theme for d in days for theme in set(d.themes or ()))


def _top(counts: Counter[str]) -> list[tuple[str, int]]:
    """The most frequent, most days first, then by name, so that equal counts keep one order."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_THEMES]


def _theme(theme: str, days: int, previous_days: int) -> ThemeCount:
    return ThemeCount(theme=theme, days=days, previous_days=previous_days, change=days - previous_days)


def backfill_moods(services: Services, batch: int = BACKFILL_BATCH) -> dict[str, int]:
    """Give the diaries written before diaries had a mood their mood and themes, estimated from
    their words as the offline model reads a day (handler.agents.diary_writer.offline.reading): no
    model call, so the backfill spends nothing and no user's quota. A diary written again later gets
    the writing model's own reading. As diary_backfill, up to `batch` diaries, while time lasts."""
    store = services.store.as_backfill()
    done = {"moods": 0}
    try:
        for diary in store.diaries.without_mood(batch):
            seconds_left(BACKFILL_ROW_MARGIN_S)
            mood, themes = reading(diary.text.split("\n", 1))
            store.diaries.set_mood(diary, mood, themes)
            done["moods"] += 1
    except DeadlineExceeded:
        logger.info("mood backfill stopped for time; the next run goes on", extra=done)
    logger.info("mood backfill", extra=done)
    return done
