"""The offline model's rules: deterministic routing and diaries, in Korean and English."""

from __future__ import annotations

import datetime as dt

import pytest

from handler.agents.diary_writer import offline as diary_offline
from handler.agents.router import offline as router_offline

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    "request_text, kind",
    [
        ("오늘 영화 봤어", "data"),
        ("Had pasta for lunch", "data"),
        ("2026-01-13일에 나 무슨 영화봤어?", "question"),
        ("What did I eat yesterday?", "question"),
        ("오늘 하루 일기 써줘", "diary"),
        ("write yesterday's diary", "diary"),
        ("그저께 일기 그림 그려줘", "image"),
        ("이번 주 감정 리포트 만들어줘", "report"),
        ("안녕", "small_talk"),
        # What the code-side rules leave undecided, read by keywords.
        ("오늘 하루 정리해서 일기로 만들어줘", "diary"),
        ("오늘 하루를 그림으로 표현해줘", "image"),
    ],
)
def test_routing_rules(request_text, kind):
    """Dates are left to code (handler.date_phrases), which reads them for every route."""
    decision = router_offline.answer(request_text, TODAY)
    assert decision["type"] == kind
    assert "date" not in decision and "steps" not in decision


def test_offline_routing_keeps_every_step_in_order_and_notices_crisis_words():
    decision = router_offline.answer("오늘 하루 정리해서 일기로 만들어줘. 그림 그려줘", TODAY)
    assert decision["steps"] == [
        {"type": "diary", "text": "오늘 하루 정리해서 일기로 만들어줘."},
        {"type": "image", "text": "그림 그려줘"},
    ]
    assert router_offline.answer("죽고 싶다는 생각이 들어. 일기 써줘", TODAY)["crisis"] is True


def test_offline_diary_keeps_the_records_language_and_order():
    draft = diary_offline.answer(TODAY, [("09:00", "아침에 달리기 했어"), ("20:10", "영화 봤어")])
    assert draft["title"] == "2026-11-25 일기"
    assert draft["content"].index("달리기") < draft["content"].index("영화")

    english = diary_offline.answer(TODAY, [("12:00", "Lunch with Mina")])
    assert english == {
        "title": "Diary for 2026-11-25",
        "content": "Lunch with Mina.",
        "mood": 6,
        "themes": ["lunch", "mina"],
    }


def test_a_report_treats_a_day_of_crisis_words_with_care():
    from handler.agents.reporter import offline as reporter_offline
    from handler.agents.reporter.prompt import build_prompt

    records = [
        ("2026-11-23 10:00", "친구랑 맛있는 거 먹어서 행복했어"),
        ("2026-11-24 22:00", "요즘 너무 힘들다. 죽고 싶다"),
    ]
    draft = reporter_offline.answer(records)
    hard = next(d for d in draft["daily_scores"] if d["date"] == "2026-11-24")
    assert hard["themes"] == ["힘든 마음"] and hard["score"] <= 2
    assert "죽고" not in " ".join(draft["themes"])
    assert "109" in draft["feedback_points"][0] and 3 <= len(draft["feedback_points"]) <= 5
    prompt = build_prompt(TODAY, TODAY, records, [])
    assert "[care] " in prompt.splitlines()[3] and "[care]" not in prompt.splitlines()[2]
