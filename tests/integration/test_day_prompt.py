"""GET /prompts/today against the real database and the fake Bedrock: one small-model call a day,
kept; drawn from the caller's own recent records; in their language; never yesterday's question;
counted in the day's model calls; the templates when the model cannot ask or the calls are used up."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from handler.agents.day_prompter import offline
from tests.fakes.bedrock import ROUTING_MODEL_ID
from tests.support import services
from tests.support.requests import call, jot

SEOUL = ZoneInfo("Asia/Seoul")


def _today() -> dt.date:
    return dt.datetime.now(SEOUL).date()


def _ask(user: str, language: str | None = None):
    reply = call("GET", "/prompts/today", user=user, headers={"accept-language": language} if language else None)
    assert reply.status == 200, reply.body
    return reply.body


def _asked_yesterday(db, user: str, question: str, language: str = "ko") -> None:
    db.execute(
        "INSERT INTO day_prompts (user_id, day, question, language, model) VALUES (%s, %s, %s, %s, 'offline')",
        (user, _today() - dt.timedelta(days=1), question, language),
    )


@pytest.fixture
def limits(monkeypatch):
    def configure(**env: int) -> None:
        for name, value in env.items():
            monkeypatch.setenv(name, str(value))
        services.reload()

    yield configure
    monkeypatch.undo()
    services.reload()


def test_one_small_model_call_a_day_from_the_callers_own_records(user, other_user, fake_bedrock):
    jot(user, _today().isoformat(), "오늘 친구랑 영화 봤어")
    jot(other_user, _today().isoformat(), "남의 비밀 이야기")
    fake_bedrock.reset()
    fake_bedrock.answer("DayQuestion", {"question": "  영화에서   가장 기억에 남는 장면은 무엇이었나요? "})
    first = _ask(user)
    assert first["question"] == "영화에서 가장 기억에 남는 장면은 무엇이었나요?"
    assert (first["model"], first["language"], first["day"]) == (ROUTING_MODEL_ID, "ko", _today().isoformat())
    (asked,) = fake_bedrock.converse_calls()
    assert asked.model_id == ROUTING_MODEL_ID  # the small model
    assert "오늘 친구랑 영화 봤어" in asked.prompt_text and "남의 비밀" not in asked.prompt_text
    assert "inferenceConfig" not in asked.body or "temperature" not in asked.body["inferenceConfig"]
    # The rest of the day: the same question, no call.
    assert _ask(user, "en") == first
    assert len(fake_bedrock.converse_calls()) == 1
    usage = call("GET", "/me/usage", user=user).body
    assert usage["model_calls"]["used"] == 1 and usage["tokens"]["used"] == 120
    # Another user's day is theirs.
    fake_bedrock.answer("DayQuestion", {"question": "무엇이 궁금했나요?"})
    assert _ask(other_user)["question"] == "무엇이 궁금했나요?"


def test_never_yesterdays_question(user, fake_bedrock, db):
    yesterday = "오늘 하루 중 가장 기억에 남는 장면은 무엇이었나요?"
    _asked_yesterday(db, user, yesterday)
    # The model asks it again, spelled a little differently: today's comes from the templates.
    fake_bedrock.answer("DayQuestion", {"question": "오늘 하루 중 가장  기억에 남는 장면은 무엇이었나요"})
    body = _ask(user, "ko")
    assert body["question"] != yesterday and body["model"] == "offline"
    assert yesterday in fake_bedrock.converse_calls()[0].prompt_text  # the model was told


@pytest.mark.parametrize("language", ["ko", "en"])
def test_offline_never_yesterdays_question_either(user, db, language):
    """Whatever the templates would pick today is yesterday's: another is asked."""
    todays = offline.answer(_today(), language, [], [], None)["question"]
    _asked_yesterday(db, user, todays, language)
    body = _ask(user, language)
    assert body["question"] != todays
    assert body["question"] in offline.questions(language, [], [])
    assert body["language"] == language


def test_in_the_language_of_accept_language_else_of_the_records(user, other_user):
    jot(user, _today().isoformat(), "Went hiking with Sam, great views")
    assert _ask(user)["language"] == "en"
    jot(other_user, _today().isoformat(), "Went hiking with Sam")
    body = _ask(other_user, "ko-KR,ko;q=0.9,en;q=0.8")
    assert body["language"] == "ko" and any("\uac00" <= ch <= "\ud7a3" for ch in body["question"])


def test_hard_days_get_a_gentle_question_offline(user):
    jot(user, _today().isoformat(), "너무 피곤하고 우울했어", "힘들고 슬퍼")
    assert _ask(user, "ko")["question"] in offline.TEMPLATES["ko"]["low"]


@pytest.mark.parametrize(("status", "error"), [(503, "ServiceUnavailableException"), (429, "ThrottlingException")])
def test_a_model_that_cannot_ask_gives_the_templates_and_no_error(user, fake_bedrock, status, error):
    fake_bedrock.fail(status, error, times=5)
    body = _ask(user, "en")
    assert body["model"] == "offline" and body["question"] in offline.questions("en", [], [])
    # Kept for the day: the model is not asked again on the next visit.
    calls = len(fake_bedrock.converse_calls())
    assert _ask(user, "en") == body and len(fake_bedrock.converse_calls()) == calls


def test_past_the_days_model_calls_the_templates_without_a_call(user, fake_bedrock, limits):
    limits(MODEL_CALLS_PER_DAY=0)
    fake_bedrock.reset()
    body = _ask(user, "ko")
    assert body["model"] == "offline" and fake_bedrock.converse_calls() == []


def test_the_days_question_is_erased_with_the_user(user, db):
    _ask(user, "ko")
    reply = call("DELETE", "/me", user=user)
    assert reply.status == 202, reply.body
    db.execute("SELECT count(*) AS n FROM day_prompts WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 0


def test_row_level_security_shows_only_the_callers_questions(user, other_user):
    _ask(user, "ko")
    _ask(other_user, "en")
    with services.current().store.transaction_cursor(other_user) as cur:
        cur.execute("SELECT user_id, language FROM day_prompts")
        assert cur.fetchall() == [{"user_id": other_user, "language": "en"}]


def test_only_today_and_yesterday_are_kept(user, other_user, db):
    for who in (user, other_user):
        for ago in (1, 2, 30):
            db.execute(
                "INSERT INTO day_prompts (user_id, day, question, language, model)"
                " VALUES (%s, %s, %s, 'ko', 'offline')",
                (who, _today() - dt.timedelta(days=ago), f"질문 {ago}"),
            )
    _ask(user, "ko")
    db.execute(
        "SELECT user_id, day FROM day_prompts WHERE user_id IN (%s, %s) ORDER BY user_id, day", (user, other_user)
    )
    kept = {(row["user_id"], row["day"]) for row in db.fetchall()}
    today, yesterday = _today(), _today() - dt.timedelta(days=1)
    assert kept == {(user, yesterday), (user, today)} | {
        (other_user, _today() - dt.timedelta(days=ago)) for ago in (1, 2, 30)
    }
