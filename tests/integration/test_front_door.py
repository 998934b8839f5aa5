"""Issue 26's examples through the function's entry point: POST /agent with the offline model (the
local default) and, where the routing model is asked, the fake Bedrock over real HTTP."""

from __future__ import annotations

from handler import care
from tests.fakes.bedrock import ROUTING_MODEL_ID
from tests.support.requests import call, jot

TODAY = "2026-12-05"


def _agent(user: str, content: str, **headers: str):
    return call("POST", "/agent", {"content": content, "current_date": TODAY}, user=user, headers=headers or None)


def _records(db, user: str) -> list[tuple[str, str]]:
    db.execute("SELECT content, record_date::text AS d FROM records WHERE user_id = %s ORDER BY created_at", (user,))
    return [(row["content"], row["d"]) for row in db.fetchall()]


def test_a_statement_and_a_command_are_both_done_in_order(user, db):
    reply = _agent(user, "오늘 영화 봤어, 일기 써줘")

    assert reply.status == 200, reply.body
    assert [s["type"] for s in reply.body["steps"]] == ["data", "diary"]
    assert _records(db, user) == [("오늘 영화 봤어", TODAY)]
    diary = reply.body["steps"][1]["content"]
    assert diary["date"] == TODAY and "영화" in diary["content"]
    assert (reply.body["type"], reply.body["routed_by"], reply.body["model_calls"]) == ("diary", "code", 1)
    assert reply.body["message"] == f"기록했어요. {TODAY} 일기를 썼어요."


def test_a_statement_and_a_question_keep_the_statement(user, db):
    jot(user, "2026-12-01", "야근해서 너무 피곤했다")

    reply = _agent(user, "오늘 회사에서 힘들었어. 요즘 왜 이렇게 지치지?")

    assert reply.status == 200, reply.body
    assert [s["type"] for s in reply.body["steps"]] == ["data", "answer"]
    assert ("오늘 회사에서 힘들었어.", TODAY) in _records(db, user)
    answer = reply.body["steps"][1]["content"]
    assert answer["period"] == ["2026-11-22", TODAY]  # 요즘: the last QUESTION_RECENT_DAYS days
    assert reply.body["model_calls"] == 1


def test_a_diary_is_written_for_the_day_the_words_name_in_korean_and_english(user):
    jot(user, "2026-12-03", "12월 3일에 친구 결혼식 갔어")
    jot(user, TODAY, "오늘은 집에서 쉬었어")

    for words in ("12월 3일 일기 써줘", "write my diary for December 3rd"):
        reply = _agent(user, words)
        assert reply.status == 200, reply.body
        assert reply.body["content"]["date"] == "2026-12-03", words
        assert "결혼식" in reply.body["content"]["content"]
    assert call("GET", f"/diaries/{TODAY}", user=user).status == 404  # today's diary untouched


def test_the_code_date_wins_over_the_routing_models(fake_bedrock, user):
    jot(user, "2026-12-03", "12월 3일에 친구 결혼식 갔어")
    fake_bedrock.answer("RouteDecision", {"type": "diary", "date": TODAY})
    fake_bedrock.answer("DiaryDraft", {"title": "결혼식", "content": "친구 결혼식에 갔다."})

    reply = _agent(user, "12월 3일 하루 정리해서 일기로 만들어줘")

    assert reply.status == 200, reply.body
    assert reply.body["routed_by"] == ROUTING_MODEL_ID
    assert reply.body["content"]["date"] == "2026-12-03"
    assert reply.body["model_calls"] == 2


def test_the_routing_models_steps_run_in_order_with_the_users_own_words_stored(fake_bedrock, user, db):
    fake_bedrock.answer(
        "RouteDecision",
        {
            "type": "data",
            "steps": [
                {"type": "data", "text": "오늘 조카랑 놀이공원 갔다 온 거"},
                {"type": "diary", "text": "일기로 남겨줘"},
            ],
        },
    )
    fake_bedrock.answer("DiaryDraft", {"title": "놀이공원", "content": "조카와 놀이공원에 갔다."})

    reply = _agent(user, "오늘 조카랑 놀이공원 갔다 온 거 일기로 남겨줘")

    assert reply.status == 200, reply.body
    assert [s["type"] for s in reply.body["steps"]] == ["data", "diary"]
    assert _records(db, user) == [("오늘 조카랑 놀이공원 갔다 온 거", TODAY)]
    # The budget: routing 1, then each step's own (data 0, diary 1).
    assert reply.body["model_calls"] == 2
    assert [c.tool_names for c in fake_bedrock.converse_calls()] == [["RouteDecision"], ["DiaryDraft"]]


def test_a_later_step_that_cannot_be_done_fails_alone(user, db):
    reply = _agent(user, "오늘 영화 봤어, 12월 1일 그림 그려줘")

    assert reply.status == 200, reply.body
    data, failed = reply.body["steps"]
    assert data["type"] == "data" and _records(db, user) == [("오늘 영화 봤어", TODAY)]
    assert failed["type"] == "failed" and failed["error"]["code"] == "no_diary"
    assert failed["error"]["message"] == "2026-12-01 일기가 없어서 그릴 수 없어요. 먼저 일기를 써 주세요."


def test_small_talk_is_answered_and_stores_nothing(fake_bedrock, user, db):
    for words, kind in (("안녕", "안녕하세요"), ("뭐 할 수 있어?", "일기 써줘"), ("thanks!", "welcome")):
        reply = _agent(user, words)
        assert reply.status == 200, reply.body
        assert (reply.body["type"], reply.body["model_calls"], reply.body["content"]) == ("small_talk", 0, None)
        assert kind in reply.body["message"]
    assert _records(db, user) == []
    assert fake_bedrock.model_calls() == []


def test_errors_speak_the_requests_language_and_keep_their_code(user):
    korean = _agent(user, "12월 4일 그림 그려줘")
    assert korean.status == 422
    assert korean.body["error"] == {
        "code": "no_diary",
        "message": "2026-12-04 일기가 없어서 그릴 수 없어요. 먼저 일기를 써 주세요.",
    }
    english = _agent(user, "12월 4일 그림 그려줘", **{"Accept-Language": "en-US,en;q=0.9"})
    assert english.body["error"]["message"] == "there is no diary for 2026-12-04 to draw; write it first"
    # Accept-Language wins over the words, also for routes that are not the front door.
    asked = call("POST", "/diaries", {"date": "2026-11-01"}, user=user, headers={"Accept-Language": "ko-KR"})
    assert asked.status == 422 and asked.body["error"]["code"] == "no_records"
    assert asked.body["error"]["message"] == "2026-11-01 기록이 없어요. 먼저 기록을 남겨 주세요."
    invalid = call("POST", "/agent", {"content": ""}, user=user, headers={"Accept-Language": "ko"})
    assert invalid.status == 422 and invalid.body["error"]["code"] == "validation_error"
    assert invalid.body["error"]["message"].startswith("요청 값이 올바르지 않아요")


def test_errors_answered_before_routing_speak_the_requests_language_too(user):
    too_large = call("POST", "/records", {"content": "가" * 30_000}, user=user)
    assert too_large.status == 413
    assert too_large.body["error"] == {"code": "body_too_large", "message": "요청 본문이 너무 커요."}
    asked = call("POST", "/records", {"content": "x" * 70_000}, user=user, headers={"Accept-Language": "ko"})
    assert asked.body["error"]["message"] == "요청 본문이 너무 커요."
    english = call("POST", "/records", {"content": "x" * 70_000}, user=user)
    assert english.body["error"]["message"] == "the body exceeds 65536 bytes"

    assert call("DELETE", "/me", user=user).body == {"status": "erased"}  # no queue: erased at once
    gone = call("GET", "/records", user=user, headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert gone.status == 410
    assert gone.body["error"] == {"code": "account_erased", "message": "지워진 계정이에요."}
    nobody = call("POST", "/records", {"content": "누구세요"})
    assert (nobody.status, nobody.body["error"]["message"]) == (401, "로그인이 필요해요.")


def test_words_of_crisis_are_kept_and_answered_gently_with_the_lines_of_the_language(user, db, capsys):
    capsys.readouterr()
    korean = _agent(user, "요즘 너무 힘들다. 죽고 싶다")
    english = _agent(user, "I don't want to be here anymore")
    hyperbole = _agent(user, "오늘 죽을 만큼 맛있는 떡볶이 먹었다")

    assert korean.status == english.status == hyperbole.status == 200
    assert [row[0] for row in _records(db, user)] == [
        "요즘 너무 힘들다. 죽고 싶다",
        "I don't want to be here anymore",
        "오늘 죽을 만큼 맛있는 떡볶이 먹었다",
    ]
    assert korean.body["care"]["crisis_lines"][0]["number"] == "109"
    assert korean.body["message"] == care.GENTLE_REPLY["ko"] and korean.body["type"] == "data"
    assert all(line["source"] for line in korean.body["care"]["crisis_lines"])
    assert english.body["care"]["crisis_lines"][0]["number"] == "988" and "988" in english.body["message"]
    assert hyperbole.body["care"] is None
    logged = capsys.readouterr()
    assert "죽고 싶다" not in logged.out + logged.err
    assert "be here anymore" not in logged.out + logged.err


def test_the_offline_model_answers_mood_from_the_lexicon_and_a_period_from_all_its_records(user):
    mood = jot(user, "2026-12-01", "하루 종일 우울했음", "Felt stressed at work", "오후엔 기분 좋았다")
    plain = jot(user, "2026-12-02", "점심은 김밥")

    reply = _agent(user, "요즘 기분 어때?")

    assert reply.status == 200, reply.body
    assert sorted(reply.body["content"]["sources"]) == sorted(mood)
    assert plain[0] not in reply.body["content"]["sources"]
    assert "좋았던 순간이 1번, 힘들었던 순간이 2번" in reply.body["message"]

    # Last week (Monday 2026-11-23 to Sunday 2026-11-29): seven records, every one cited, none before it.
    week = [jot(user, f"2026-11-{day}", f"11월 {day}일에 한 일")[0] for day in range(23, 29)]
    week += jot(user, "2026-11-29", "일요일엔 청소")
    jot(user, "2026-11-22", "그 전주의 일")
    asked = _agent(user, "지난주에 뭐 했지?")
    assert sorted(asked.body["content"]["sources"]) == sorted(week)


def test_the_openapi_document_says_how_the_language_is_chosen():
    document = call("GET", "/openapi.json").body
    message = document["components"]["schemas"]["ErrorDetail"]["properties"]["message"]
    assert "Accept-Language" in message["description"]
    agent = document["paths"]["/agent"]["post"]
    assert "Accept-Language" in agent["description"] and "steps" in agent["description"]
    reply = document["components"]["schemas"]["AgentReply"]["properties"]
    assert {"steps", "care"} <= set(reply)
