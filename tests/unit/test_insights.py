"""The counting behind GET /insights, with no database: periods, streaks, the moving average and
themes; and the diary writer's mood and themes (its output model, its offline reading)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from handler.agents.diary_writer import offline
from handler.agents.diary_writer.schema import DiaryDraft
from handler.dal.insights import WrittenDay
from handler.errors import InvalidRequest
from handler.logic import insights

D = dt.date(2026, 11, 30)


def _caller(zone: str = "Asia/Seoul"):
    return SimpleNamespace(settings=SimpleNamespace(timezone=ZoneInfo(zone)))


def _days(*spec: tuple[int, int | None]) -> list[WrittenDay]:
    """(days before D, mood), oldest first."""
    return sorted(
        (WrittenDay(day=D - dt.timedelta(days=ago), records=1, mood=mood, themes=None) for ago, mood in spec),
        key=lambda d: d.day,
    )


def test_the_default_period_is_30_days_ending_today_in_the_service_time_zone():
    first, last = insights.period(_caller(), None, None)
    assert last == dt.datetime.now(ZoneInfo("Asia/Seoul")).date()
    assert (last - first).days == insights.DEFAULT_DAYS - 1
    assert insights.period(_caller(), None, D) == (D - dt.timedelta(days=29), D)
    assert insights.period(_caller(), D, D) == (D, D)


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [(D, D - dt.timedelta(days=1), "invalid_range"), (D - dt.timedelta(days=insights.MAX_DAYS), D, "range_too_long")],
)
def test_bad_periods(start, end, code):
    with pytest.raises(InvalidRequest) as raised:
        insights.period(_caller(), start, end)
    assert raised.value.code == code and raised.value.status == 400


def test_the_longest_run_is_the_latest_of_equals():
    days = _days((9, None), (8, None), (6, None), (5, None), (1, None))
    longest = insights._longest(days)
    assert (longest.days, longest.start, longest.end) == (2, D - dt.timedelta(days=6), D - dt.timedelta(days=5))
    assert insights._longest([]).days == 0
    assert insights._longest(_days((3, None))).model_dump() == {
        "days": 1,
        "start": D - dt.timedelta(days=3),
        "end": D - dt.timedelta(days=3),
    }


def test_the_moving_average_is_of_the_moods_of_the_seven_days_ending_each_day():
    days = _days((14, 10), (7, 1), (6, 3), (5, None), (0, 8))
    series = insights._series(days, D - dt.timedelta(days=7))
    assert [(p.mood, p.moving_average) for p in series] == [(1, 1.0), (3, 2.0), (8, 5.5)]


def test_themes_count_days_not_mentions():
    days = [
        WrittenDay(day=D, records=1, mood=5, themes=["일", "일"]),
        WrittenDay(day=D - dt.timedelta(days=1), records=1, mood=5, themes=["일", "b"]),
        WrittenDay(day=D - dt.timedelta(days=2), records=1, mood=5, themes=["a"]),
        WrittenDay(day=D - dt.timedelta(days=3), records=1, mood=None, themes=None),
    ]
    assert insights._top(insights._themes(days)) == [("일", 2), ("a", 1), ("b", 1)]


def test_the_writers_themes_in_one_spelling_at_most_three_and_its_mood_on_the_scale():
    draft = DiaryDraft(title="t", content="c", mood=0, themes=["Work ", "ｗｏｒｋ", " ", "영화", "친구", "넷째"])
    assert draft.mood == 1 and draft.themes == ["work", "영화", "친구"]
    assert DiaryDraft(title="t", content="c", mood=11.4, themes=[]).mood == 10
    assert DiaryDraft(title="t", content="c").mood is None
    with pytest.raises(ValidationError):
        DiaryDraft(title="t", content="c", mood="very good", themes=[])
    with pytest.raises(ValidationError):
        DiaryDraft(title="t", content="c", mood=5, themes=[1, 2])


def test_the_offline_reading_leans_with_the_words_and_never_reads_crisis_as_good():
    good, _ = offline.reading(["친구랑 맛있는 저녁 먹고 정말 행복했어"])
    hard, _ = offline.reading(["너무 피곤하고 우울했어"])
    assert good > 6 > hard
    mood, themes = offline.reading(["행복한 척했지만 죽고 싶어"])
    assert mood <= 2 and themes == ["힘든 마음"]
    assert offline.reading(["..."])[1] == ["everyday life"]
    answer = offline.answer(D, [("09:00", "Great walk in the park with Sam"), ("20:00", "Park again, great")])
    assert answer["mood"] > 6 and answer["themes"][:2] == ["great", "park"]
