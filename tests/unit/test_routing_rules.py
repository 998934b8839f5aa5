"""The code-side router against the labelled routing set: what it decides, it decides right."""

from __future__ import annotations

import datetime as dt

import pytest

from benchmarks import routing_eval
from handler.agents.router import rules

TODAY = dt.date(2026, 12, 5)


def test_the_labelled_set_is_mostly_decided_in_code_and_at_99_percent_precision_or_better():
    outcomes = routing_eval.run(routing_eval.labelled_set())
    assert len(outcomes) >= 200
    assert {o.language for o in outcomes} == {"ko", "en"}
    assert any("+" in o.label for o in outcomes), "compound requests belong in the set"
    decided = [o for o in outcomes if o.decided is not None]
    wrong = [(o.request, o.label, o.decided) for o in decided if not o.right]
    assert len(decided) / len(outcomes) >= 0.8
    assert (len(decided) - len(wrong)) / len(decided) >= 0.99, wrong


@pytest.mark.parametrize(
    ("request_text", "steps"),
    [
        ("오늘 영화 봤어, 일기 써줘", [("data", "오늘 영화 봤어"), ("diary", "일기 써줘")]),
        (
            "오늘 회사에서 힘들었어. 요즘 왜 이렇게 지치지?",
            [("data", "오늘 회사에서 힘들었어."), ("question", "요즘 왜 이렇게 지치지?")],
        ),
        ("12월 3일 일기 써줘", [("diary", "12월 3일 일기 써줘")]),
        ("오늘 영화 봤는데 일기 써줘", [("data", "오늘 영화 봤는데"), ("diary", "일기 써줘")]),
        ("write my diary for December 3rd", [("diary", "write my diary for December 3rd")]),
        ("안녕", [("small_talk", "안녕")]),
        ("Yesterday, what did I eat?", [("question", "Yesterday, what did I eat?")]),
        (
            "오늘 영화 봤어. 일기 써줘. 그림도 그려줘",
            [("data", "오늘 영화 봤어."), ("diary", "일기 써줘."), ("image", "그림도 그려줘")],
        ),
    ],
)
def test_requests_the_words_decide(request_text, steps):
    assert [(s.type, s.text) for s in rules.decide(request_text, TODAY)] == steps


@pytest.mark.parametrize(
    "request_text",
    [
        "오늘 하루 정리해서 일기로 만들어줘",  # a command with more in it: the model reads it
        "오늘 일기 썼어",  # a statement about a diary, or a question without its mark
        "친구가 그림 그려줬어",
        "왜 그런지 모르겠지만 기분이 좋았다",  # a question word without a question's ending
    ],
)
def test_requests_left_to_the_routing_model(request_text):
    assert rules.decide(request_text, TODAY) is None


def test_more_than_three_steps_are_left_to_the_model():
    assert rules.decide("영화 봤어. 일기 써줘. 그림 그려줘. 리포트 만들어줘", TODAY) is None
    assert len(rules.decide("영화 봤어. 일기 써줘. 그림 그려줘", TODAY)) == 3
