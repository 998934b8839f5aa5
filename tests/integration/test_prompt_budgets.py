"""Every model call stays within its token budget, however much the user wrote, and says what it left out.

Each test builds a route's worst case (many records of the longest length, the longest diaries,
the longest request), sends it through the API to the fake Bedrock over HTTP, and bounds what
reached Bedrock by the rule of handler.inference.prompt_budget: one token per UTF-8 byte of the
system prompt, the user message and the output tool's spec, plus the tool-use reserve. The largest
prompt each route sent is kept in the tallies ("largest prompt") for docs/agents.md to quote.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from tests import tally
from tests.fakes.bedrock import Call
from tests.support import services
from tests.support.requests import call

LONGEST_RECORD = 4000  # handler.models.MAX_RECORD_CHARS
LONGEST_DIARY = 20_000  # handler.api.schemas.MAX_DIARY_CHARS
# Hangul: 3 bytes a character, what the app's users write.
RECORD = ("오늘 있었던 일을 아주 길게 적어 둔다. " * 200)[:LONGEST_RECORD]
DIARY = ("일기에 하루를 빠짐없이 적었다. " * 1200)[:LONGEST_DIARY]


@pytest.fixture(autouse=True)
def _forget_the_bulk(db, user):
    """The rows written straight to the tables have no embeddings: deleted afterwards, so the
    session's backfill tests (which embed any user's rows, a batch at a time) never meet them."""
    yield
    for table in ("records", "diaries", "images", "reports"):
        db.execute(f"DELETE FROM {table} WHERE user_id = %s", (user,))


def _sent_tokens(request: Call) -> int:
    """What one request to Bedrock bounds its input tokens to (handler.inference.prompt_budget's rule)."""
    from handler.inference.prompt_budget import TOOL_USE_RESERVE

    system = "".join(block.get("text", "") for block in request.body.get("system", []))
    tool = json.dumps(request.body["toolConfig"]["tools"][0]["toolSpec"], ensure_ascii=False)
    return sum(len(text.encode("utf-8")) for text in (system, request.prompt_text, tool)) + TOOL_USE_RESERVE


def _tally(route: str, request: Call) -> None:
    tally.put("largest prompt", route, f"{len(request.prompt_text)} chars, {len(request.prompt_text.encode())} bytes")


def _within_budget(request: Call, setting: str) -> None:

    assert _sent_tokens(request) <= getattr(services.current().settings, setting)


def _records(db, user: str, day: dt.date, count: int, text: str = RECORD) -> None:
    """`count` records "#n <text>" on `day`, a minute apart, written straight to the table (fast)."""
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
    db.execute(
        "INSERT INTO records (id, user_id, content, record_date, created_at)"
        " SELECT gen_random_uuid(), %s, '#' || n || ' ' || %s, %s, %s + n * interval '1 minute'"
        " FROM generate_series(1, %s) AS n",
        (user, text[: LONGEST_RECORD - 6], day, start, count),
    )


def _diary(db, user: str, day: dt.date, text: str = DIARY) -> None:
    db.execute(
        "INSERT INTO diaries (user_id, diary_date, title, content, model, record_ids)"
        " VALUES (%s, %s, %s, %s, 'user', '{}')",
        (user, day, "긴 하루", text),
    )


def test_a_day_of_1200_longest_records_is_trimmed_to_the_diary_budget(fake_bedrock, user, db):
    day = dt.date(2026, 11, 25)
    _records(db, user, day, 1200)
    fake_bedrock.answer("DiaryDraft", {"title": "긴 하루", "content": "하루 종일 적었다."})

    reply = call("POST", "/diaries", {"date": day.isoformat()}, user=user)

    (request,) = fake_bedrock.converse_calls()
    _tally("POST /diaries", request)
    assert reply.status == 201, reply.body
    _within_budget(request, "prompt_tokens_diary")
    left_out = reply.body["left_out"]
    # 200 past the read cap, the rest of the day spread: some omitted, those shown cut to FLOOR.
    assert left_out["omitted_records"] >= 200
    assert left_out["truncated_records"] == 1200 - left_out["omitted_records"]
    assert len(reply.body["record_ids"]) == 1200 - left_out["omitted_records"]
    # The day keeps its morning and its evening: its first and its last record are shown.
    assert "#1 " in request.prompt_text and "#1199 " in request.prompt_text
    assert call("GET", f"/diaries/{day}", user=user).body["left_out"] == left_out


def test_a_month_of_long_days_and_diaries_keeps_every_day_within_the_report_budget(fake_bedrock, user, db):
    start, days = dt.date(2026, 11, 1), 31
    period = [start + dt.timedelta(days=n) for n in range(days)]
    for day in period:
        _records(db, user, day, 40)
        _diary(db, user, day)
    fake_bedrock.answer(
        "ReportDraft",
        {
            "daily_scores": [
                {"date": d.isoformat(), "score": 6, "sentiment": "neutral", "themes": ["기록"]} for d in period
            ],
            "themes": ["기록"],
            "patterns": ["매일 길게 적는다"],
            "feedback_points": ["하나", "둘", "셋"],
            "overall": "꾸준히 적은 한 달.",
        },
    )

    reply = call(
        "POST", "/reports", {"start_date": period[0].isoformat(), "end_date": period[-1].isoformat()}, user=user
    )

    (request,) = fake_bedrock.converse_calls()
    _tally("POST /reports (worker)", request)
    assert reply.status in (200, 202), reply.body
    _within_budget(request, "prompt_tokens_report")
    records_part = request.prompt_text.split("<records>")[1].split("</records>")[0]
    diaries_part = request.prompt_text.split("<diaries>")[1].split("</diaries>")[0]
    # No day disappears: each keeps records and its diary.
    for day in period:
        assert f"- {day} " in records_part, day
        assert f"- {day} " in diaries_part, day
    report = call("GET", f"/reports/{reply.body['report_id']}", user=user).body
    assert report["status"] == "completed"
    assert report["left_out"]["omitted_records"] > 0
    assert report["left_out"]["truncated_diaries"] == days
    assert report["missing_days"] == []


def test_a_question_over_a_month_of_long_diaries_stays_within_the_answer_budget(fake_bedrock, user, db):
    for n in range(30):
        day = dt.date(2026, 11, 1) + dt.timedelta(days=n)
        _records(db, user, day, 2)
        _diary(db, user, day)
    fake_bedrock.answer("AnswerDraft", {"answer": "매일 길게 적었어요.", "used_records": ["r1"]})

    reply = call("POST", "/questions", {"question": "지난달에 뭐 했어?", "current_date": "2026-12-04"}, user=user)

    (request,) = fake_bedrock.converse_calls()
    _tally("POST /questions", request)
    assert reply.status == 200, reply.body
    _within_budget(request, "prompt_tokens_answer")
    left_out = reply.body["left_out"]
    assert left_out["truncated_records"] + left_out["omitted_records"] > 0
    assert left_out["truncated_diaries"] + left_out["omitted_diaries"] > 0
    assert len(reply.body["sources"]) == 1


def test_the_longest_diary_is_cut_to_the_image_prompt_budget(fake_bedrock, aws_services, user, db):
    _diary(db, user, dt.date(2026, 11, 25))
    fake_bedrock.answer("ImagePrompt", {"prompt": "A soft watercolor of a long day"})

    reply = call("POST", "/images", {"date": "2026-11-25"}, user=user)

    (request,) = fake_bedrock.converse_calls()
    _tally("POST /images", request)
    assert reply.status == 201, reply.body
    _within_budget(request, "prompt_tokens_image_prompt")
    assert reply.body["source_truncated"] is True


def test_the_longest_request_is_routed_whole_within_the_routing_budget(fake_bedrock, user, db):
    content = "🙂" * LONGEST_RECORD  # 4 bytes a character: the most bytes a request can carry
    fake_bedrock.answer("RouteDecision", {"type": "data"})

    reply = call("POST", "/agent", {"content": content, "current_date": "2026-11-25"}, user=user)

    (request,) = fake_bedrock.converse_calls()
    _tally("POST /agent (routing)", request)
    assert reply.status == 200, reply.body
    _within_budget(request, "prompt_tokens_routing")
    assert content in request.prompt_text  # the default budget holds it whole


@pytest.mark.parametrize("budget", ["6000"])
def test_a_smaller_routing_budget_routes_the_requests_beginning(fake_bedrock, user, db, monkeypatch, budget):

    monkeypatch.setenv("PROMPT_TOKENS_ROUTING", budget)
    services.reload()
    content = "일기 " + "가" * (LONGEST_RECORD - 3)  # "일기": words code leaves to the routing model
    fake_bedrock.answer("RouteDecision", {"type": "data"})

    reply = call("POST", "/agent", {"content": content, "current_date": "2026-11-25"}, user=user)

    (request,) = fake_bedrock.converse_calls()
    assert reply.status == 200, reply.body
    _within_budget(request, "prompt_tokens_routing")
    assert content not in request.prompt_text and "가" * 100 in request.prompt_text
    # Only the routing model saw less: the record holds the whole request.
    assert reply.body["content"]["content"] == content
    assert uuid.UUID(reply.body["content"]["id"])
