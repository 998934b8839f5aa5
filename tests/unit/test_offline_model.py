"""The offline model's rules: deterministic routing and diaries, in Korean and English."""

from __future__ import annotations

import datetime as dt

import pytest

from handler.agents.diary_writer import offline as diary_offline
from handler.agents.router import offline as router_offline

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    "request_text, kind, day",
    [
        ("오늘 영화 봤어", "data", None),
        ("Had pasta for lunch", "data", None),
        ("2026-01-13일에 나 무슨 영화봤어?", "question", None),
        ("What did I eat yesterday?", "question", None),
        ("오늘 하루 일기 써줘", "diary", TODAY),
        ("어제 일기 써줘", "diary", TODAY - dt.timedelta(days=1)),
        ("write yesterday's diary", "diary", TODAY - dt.timedelta(days=1)),
        ("그저께 일기 그림 그려줘", "image", TODAY - dt.timedelta(days=2)),
        ("이번 주 감정 리포트 만들어줘", "report", None),
    ],
)
def test_routing_rules(request_text, kind, day):
    decision = router_offline.answer(request_text, TODAY)
    assert decision["type"] == kind
    assert decision.get("date") == day


def test_offline_diary_keeps_the_records_language_and_order():
    draft = diary_offline.answer(TODAY, [("09:00", "아침에 달리기 했어"), ("20:10", "영화 봤어")])
    assert draft["title"] == "2026-11-25 일기"
    assert draft["content"].index("달리기") < draft["content"].index("영화")

    english = diary_offline.answer(TODAY, [("12:00", "Lunch with Mina")])
    assert english == {"title": "Diary for 2026-11-25", "content": "Lunch with Mina."}
