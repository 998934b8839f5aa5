"""GET /insights against the real database: days written, streaks, weekdays, moods and themes of
the caller's own records and diaries, against the previous period; no model call; bad periods 400;
another user's rows never counted, by the statements and by row-level security. And the diaries'
mood and themes: stored by the writer's call, estimated for the user's own, backfilled for old ones."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from handler.dal.login_roles import BACKFILL_LOGIN
from handler.logic import insights
from tests.integration.conftest import logged_in_as
from tests.support import services
from tests.support.requests import FakeContext, call, jot

SEOUL = ZoneInfo("Asia/Seoul")


def _today() -> dt.date:
    return dt.datetime.now(SEOUL).date()


def _day(days_ago: int) -> str:
    return (_today() - dt.timedelta(days=days_ago)).isoformat()


def _diary(user: str, fake_bedrock, days_ago: int, mood: int, themes: list[str]) -> dict:
    fake_bedrock.answer("DiaryDraft", {"title": "하루", "content": "오늘을 적었다.", "mood": mood, "themes": themes})
    reply = call("POST", "/diaries", {"date": _day(days_ago)}, user=user)
    assert reply.status == 201, reply.body
    return reply.body


def _insights(user: str, **query: str):
    return call("GET", "/insights", user=user, query=query or None)


@pytest.fixture
def written(user, other_user, fake_bedrock) -> dict[str, list[int]]:
    """The caller's days (days ago) of records, and the other user's on the same days and more."""
    mine = {0: 2, 1: 1, 2: 1, 5: 1, 6: 1, 7: 1, 8: 1, 12: 1, 15: 1}
    for ago, count in mine.items():
        jot(user, _day(ago), *[f"기록 {ago}-{n}" for n in range(count)])
    for ago in (0, 1, 2, 3, 4, 9, 12):
        jot(other_user, _day(ago), "남의 기록")
    _diary(user, fake_bedrock, 1, 3, ["일", "Work"])
    _diary(user, fake_bedrock, 2, 5, ["일"])
    _diary(user, fake_bedrock, 12, 8, ["여행"])
    _diary(other_user, fake_bedrock, 1, 10, ["남의 테마"])
    _diary(other_user, fake_bedrock, 3, 1, ["일"])
    return {"mine": sorted(mine), "records": [mine[a] for a in sorted(mine)]}


def test_a_period_against_the_one_before(user, written, fake_bedrock):
    fake_bedrock.reset()
    reply = _insights(user, **{"from": _day(9), "to": _day(0)})
    assert reply.status == 200, reply.body
    body = reply.body
    assert fake_bedrock.model_calls() == [] and fake_bedrock.embedding_calls() == []  # the database alone
    assert body["today"] == _today().isoformat() and body["time_zone"] == "Asia/Seoul"
    assert body["period"] == {"start": _day(9), "end": _day(0), "days": 10, "days_written": 7, "records": 8}
    assert body["previous"] == {"start": _day(19), "end": _day(10), "days": 10, "days_written": 2, "records": 2}
    # Today, yesterday and the day before: the run that is still going; the longest, 8 to 5 days ago.
    assert body["streaks"]["current"] == {"days": 3, "start": _day(2), "end": _day(0)}
    assert body["streaks"]["longest"] == {"days": 4, "start": _day(8), "end": _day(5)}
    records, days = Counter[str](), Counter[str]()
    for ago, count in zip(written["mine"], written["records"], strict=True):
        if ago <= 9:
            weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[dt.date.fromisoformat(_day(ago)).weekday()]
            records[weekday] += count
            days[weekday] += 1
    assert [w["weekday"] for w in body["weekdays"]] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert {w["weekday"]: w["records"] for w in body["weekdays"]} == {w: records[w] for w in records} | {
        w["weekday"]: 0 for w in body["weekdays"] if w["weekday"] not in records
    }
    assert {w["weekday"]: w["days_written"] for w in body["weekdays"] if w["days_written"]} == dict(days)
    assert body["mood"] == {
        "series": [
            {"date": _day(2), "mood": 5, "moving_average": 5.0},
            {"date": _day(1), "mood": 3, "moving_average": 4.0},
        ],
        "average": 4.0,
        "previous_average": 8.0,
        "change": -4.0,
    }
    # Themes in one spelling (Work is work); the other user's "일" is not counted.
    assert body["themes"] == [
        {"theme": "일", "days": 2, "previous_days": 0, "change": 2},
        {"theme": "work", "days": 1, "previous_days": 0, "change": 1},
    ]
    assert body["fading_themes"] == [{"theme": "여행", "days": 0, "previous_days": 1, "change": -1}]


def test_the_moving_average_reaches_into_the_days_before_the_period(user, fake_bedrock):
    for ago, mood in ((3, 2), (2, 4), (0, 9)):
        jot(user, _day(ago), "하루")
        _diary(user, fake_bedrock, ago, mood, [])
    body = _insights(user, **{"from": _day(1), "to": _day(0)}).body
    assert body["mood"]["series"] == [{"date": _day(0), "mood": 9, "moving_average": 5.0}]
    assert body["mood"]["average"] == 9.0 and body["mood"]["previous_average"] == 3.0


def test_by_default_the_last_30_days_and_a_streak_lives_until_the_day_ends(user):
    jot(user, _day(1), "어제")
    jot(user, _day(2), "그제")
    jot(user, _day(40), "오래전")
    body = _insights(user).body
    assert body["period"] == {"start": _day(29), "end": _day(0), "days": 30, "days_written": 2, "records": 2}
    assert body["previous"]["start"] == _day(59) and body["previous"]["days_written"] == 1
    # Nothing today yet: yesterday's run still counts.
    assert body["streaks"]["current"] == {"days": 2, "start": _day(2), "end": _day(1)}


def test_a_broken_streak_is_zero_and_a_new_user_has_nothing(user, other_user):
    jot(user, _day(2), "그제")
    assert _insights(user).body["streaks"]["current"] == {"days": 0, "start": None, "end": None}
    body = _insights(other_user).body
    assert body["period"]["days_written"] == 0 and body["streaks"]["longest"]["days"] == 0
    assert body["mood"] == {"series": [], "average": None, "previous_average": None, "change": None}
    assert body["themes"] == [] and body["fading_themes"] == []
    assert sum(w["records"] for w in body["weekdays"]) == 0


def test_the_current_streak_counts_back_before_the_period(user):
    for ago in range(0, 45):
        jot(user, _day(ago), "매일")
    body = _insights(user, **{"from": _day(4), "to": _day(0)}).body
    assert body["streaks"]["current"] == {"days": 45, "start": _day(44), "end": _day(0)}
    assert body["streaks"]["longest"] == {"days": 5, "start": _day(4), "end": _day(0)}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "invalid_range"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "range_too_long"),
        ({"from": "2100-12-31"}, "invalid_range"),  # `to` defaults to today
        ({"from": "2026-02-30", "to": "2026-03-01"}, "invalid_parameter"),
        ({"to": "yesterday"}, "invalid_parameter"),
        ({"from": "2026-W10-1"}, "invalid_parameter"),
        ({"from": "1899-12-31", "to": "1900-01-02"}, "invalid_parameter"),
    ],
)
def test_bad_periods_are_400(user, query, code):
    reply = _insights(user, **query)
    assert reply.status == 400, reply.body
    assert reply.body["error"]["code"] == code


def test_the_longest_period_is_answered_and_one_day_more_is_not(user):
    end = dt.date(2026, 6, 30)
    start = end - dt.timedelta(days=insights.MAX_DAYS - 1)
    assert _insights(user, **{"from": start.isoformat(), "to": end.isoformat()}).status == 200
    too_long = {"from": (start - dt.timedelta(days=1)).isoformat(), "to": end.isoformat()}
    assert _insights(user, **too_long).body["error"]["code"] == "range_too_long"


def test_row_level_security_holds_the_statements_to_the_caller(user, written, other_user):
    """The repository bound to the other user, and a statement with no owner filter at all as them:
    none of the caller's days, moods or themes."""
    store = services.current().store
    today = _today()
    theirs = store.for_user(other_user).insights.days(today - dt.timedelta(days=30), today)
    assert {d.day.isoformat() for d in theirs} == {_day(a) for a in (0, 1, 2, 3, 4, 9, 12)}
    assert {d.mood for d in theirs if d.mood} == {10, 1}
    assert sorted(t for d in theirs for t in d.themes or ()) == ["남의 테마", "일"]
    with store.transaction_cursor(other_user) as cur:
        cur.execute("SELECT count(*) AS n FROM diaries WHERE 'work' = ANY(themes) OR mood IN (3, 5, 8)")
        assert cur.fetchone()["n"] == 0
        cur.execute("SELECT DISTINCT user_id FROM records")
        assert [r["user_id"] for r in cur.fetchall()] == [other_user]


def test_the_writer_stores_mood_and_themes_and_a_rewrite_replaces_them(user, fake_bedrock, db):
    jot(user, _day(3), "친구랑 영화 봤어")
    first = _diary(user, fake_bedrock, 3, 7, ["영화", "친구", "ＦＲＩＥＮＤＳ", "넷째"])
    assert (first["mood"], first["themes"]) == (7, ["영화", "친구", "friends"])  # at most 3, one spelling
    offered = fake_bedrock.converse_calls()[0].body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]
    assert {"mood", "themes"} <= set(offered["properties"])
    again = _diary(user, fake_bedrock, 3, 12, ["휴식"])
    assert (again["mood"], again["themes"]) == (10, ["휴식"])  # past the scale: its end
    db.execute("SELECT mood, themes FROM diaries WHERE user_id = %s", (user,))
    assert db.fetchone() == {"mood": 10, "themes": ["휴식"]}
    assert call("GET", f"/diaries/{_day(3)}", user=user).body["mood"] == 10


def test_an_answer_without_mood_keeps_the_diary_for_the_backfill(user, fake_bedrock, db):
    jot(user, _day(4), "산책")
    fake_bedrock.answer("DiaryDraft", {"title": "산책", "content": "걸었다."})
    reply = call("POST", "/diaries", {"date": _day(4)}, user=user)
    assert reply.status == 201, reply.body
    assert reply.body["mood"] is None


def test_the_users_own_diary_is_read_from_its_words_without_a_model(user, fake_bedrock):
    good = {"title": "행복한 날", "content": "정말 좋았다. 친구랑 맛있는 저녁, 즐거운 산책. 행복했다."}
    hard = {"title": "힘든 날", "content": "피곤하고 우울했다. 너무 힘들었다."}
    fake_bedrock.reset()
    up = call("PUT", f"/diaries/{_day(5)}", good, user=user).body
    down = call("PUT", f"/diaries/{_day(6)}", hard, user=user).body
    assert fake_bedrock.converse_calls() == []
    assert up["mood"] > 6 > down["mood"]
    assert up["themes"] and len(up["themes"]) <= 3


def test_the_backfill_reads_the_mood_of_old_diaries(user, db):
    jot(user, _day(2), "오늘 정말 행복하고 즐거웠어")
    assert call("POST", "/diaries", {"date": _day(2)}, user=user).status == 201
    db.execute("UPDATE diaries SET mood = NULL, themes = NULL WHERE user_id = %s", (user,))
    assert _insights(user).body["mood"]["series"] == []
    from handler import backfill

    with logged_in_as(BACKFILL_LOGIN):
        while backfill.lambda_handler({}, FakeContext())["moods"]:
            pass
    db.execute("SELECT mood, themes FROM diaries WHERE user_id = %s", (user,))
    row = db.fetchone()
    assert row["mood"] > 6 and row["themes"]
    assert _insights(user).body["mood"]["series"] == [
        {"date": _day(2), "mood": row["mood"], "moving_average": row["mood"]}
    ]


def test_the_moving_average_is_of_the_moods_of_the_seven_days_ending_each_day(user, fake_bedrock):
    for ago, mood in ((14, 10), (7, 1), (6, 3), (0, 8)):
        jot(user, _day(ago), "하루")
        _diary(user, fake_bedrock, ago, mood, [])
    series = _insights(user, **{"from": _day(7), "to": _day(0)}).body["mood"]["series"]
    # 7 days ago: that day and the 6 before (14 days ago is out); today: 6 days ago to today.
    assert [(p["mood"], p["moving_average"]) for p in series] == [(1, 1.0), (3, 2.0), (8, 5.5)]


def test_themes_count_days_and_the_most_frequent_first(user, fake_bedrock):
    for ago, themes in ((1, ["b", "일"]), (2, ["일"]), (3, ["a"]), (4, ["c"]), (5, ["d"]), (6, ["e"]), (7, ["f"])):
        jot(user, _day(ago), "하루")
        _diary(user, fake_bedrock, ago, 5, themes)
    body = _insights(user, **{"from": _day(7), "to": _day(0)}).body
    assert [(t["theme"], t["days"]) for t in body["themes"]] == [("일", 2), ("a", 1), ("b", 1), ("c", 1), ("d", 1)]
