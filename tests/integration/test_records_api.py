"""Records through real API Gateway events into the real PostgreSQL, in both event shapes."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from tests.support.requests import call, jot

SHAPES = ["2.0", "1.0"]


@pytest.mark.parametrize("shape", SHAPES)
def test_record_is_listed_for_its_owner_and_invisible_to_others(shape, user, other_user, db):
    created = call(
        "POST", "/records", {"content": "오늘 친구랑 영화 봤어 🎬", "record_date": "2026-11-25"}, user=user, shape=shape
    )
    assert created.status == 201
    assert created.body["content"] == "오늘 친구랑 영화 봤어 🎬"
    assert created.body["record_date"] == "2026-11-25"

    db.execute("SELECT user_id, content FROM records WHERE id = %s", (created.body["id"],))
    assert db.fetchone() == {"user_id": user, "content": "오늘 친구랑 영화 봤어 🎬"}

    mine = call("GET", "/records", user=user, query={"date": "2026-11-25"}, shape=shape)
    assert mine.status == 200
    assert [r["id"] for r in mine.body["items"]] == [created.body["id"]]

    theirs = call("GET", "/records", user=other_user, query={"date": "2026-11-25"}, shape=shape)
    assert theirs.status == 200
    assert theirs.body["items"] == []


def test_record_date_defaults_to_today_in_the_default_timezone(user):
    created = call("POST", "/records", {"content": "점심 먹었어"}, user=user)
    assert created.status == 201
    assert created.body["record_date"] == dt.datetime.now(ZoneInfo("Asia/Seoul")).date().isoformat()


def test_listing_pages_through_a_range_with_cursors(user):
    ids = [
        call("POST", "/records", {"content": f"기록 {i}", "record_date": f"2026-11-{20 + i % 3:02d}"}, user=user).body[
            "id"
        ]
        for i in range(7)
    ]
    seen, cursor = [], None
    while True:
        query = {"from": "2026-11-20", "to": "2026-11-22", "limit": "3", **({"cursor": cursor} if cursor else {})}
        page = call("GET", "/records", user=user, query=query)
        assert page.status == 200
        assert len(page.body["items"]) <= 3
        seen += [r["id"] for r in page.body["items"]]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))


def test_delete_own_record_then_it_is_gone(user, db):
    record_id = call("POST", "/records", {"content": "지울 기록", "record_date": "2026-11-25"}, user=user).body["id"]
    deleted = call("DELETE", f"/records/{record_id}", user=user)
    assert deleted.status == 204
    assert deleted.body is None
    db.execute("SELECT count(*) AS n FROM records WHERE id = %s", (record_id,))
    assert db.fetchone()["n"] == 0
    assert call("DELETE", f"/records/{record_id}", user=user).status == 404


@pytest.mark.parametrize("shape", SHAPES)
def test_another_users_record_is_not_found_and_stays(shape, user, other_user, db):
    record_id = call("POST", "/records", {"content": "내 기록", "record_date": "2026-11-25"}, user=user).body["id"]
    refused = call("DELETE", f"/records/{record_id}", user=other_user, shape=shape)
    assert refused.status == 404
    assert refused.body["error"]["code"] == "not_found"
    db.execute("SELECT count(*) AS n FROM records WHERE id = %s", (record_id,))
    assert db.fetchone()["n"] == 1


def test_user_id_in_the_body_is_not_trusted(user, other_user, db):
    refused = call("POST", "/records", {"content": "x", "user_id": other_user}, user=user)
    assert refused.status == 422
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s", (other_user,))
    assert db.fetchone()["n"] == 0


@pytest.mark.parametrize(
    "query, code",
    [
        ({"date": "2026-11-25", "from": "2026-11-01", "to": "2026-11-30"}, "invalid_parameter"),
        ({"date": "yesterday"}, "invalid_parameter"),
        ({"date": "2026-02-30"}, "invalid_parameter"),
        ({"from": "2026-11-01"}, "invalid_parameter"),
        ({"date": "2026-11-25", "limit": "0"}, "invalid_parameter"),
        ({"date": "2026-11-25", "limit": "100000"}, "invalid_parameter"),
        ({"date": "2026-11-25", "cursor": "bm90IGEgY3Vyc29y"}, "invalid_cursor"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "invalid_range"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "range_too_long"),
    ],
)
def test_bad_listing_queries_get_a_4xx(query, code, user):
    reply = call("GET", "/records", user=user, query=query)
    assert 400 <= reply.status < 500
    assert reply.body["error"]["code"] == code


def test_a_malformed_record_id_is_a_client_error(user):
    reply = call("DELETE", "/records/not-a-uuid", user=user)
    assert reply.status == 400
    assert call("DELETE", f"/records/{uuid.uuid4()}", user=user).status == 404


def _service_today() -> dt.date:
    """The service's day (DEFAULT_TIMEZONE, Asia/Seoul in the tests)."""
    return dt.datetime.now(ZoneInfo("Asia/Seoul")).date()


def test_without_a_date_the_latest_records_come_newest_first_page_by_page(user, other_user):
    oldest = jot(user, "2026-11-20", "처음 기록")
    middle = jot(user, "2026-11-22", "중간 기록")
    newest = jot(user, "2026-11-25", "오전 기록", "오후 기록")
    jot(other_user, "2026-11-26", "남의 기록")

    seen, pages, cursor = [], 0, None
    while True:
        page = call("GET", "/records", user=user, query={"limit": "2", **({"cursor": cursor} if cursor else {})})
        assert page.status == 200, page.body
        seen += [r["id"] for r in page.body["items"]]
        pages += 1
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
    # Newest day first; within a day, the last jotted first.
    assert seen == [newest[1], newest[0], *middle, *oldest]
    assert pages == 2
    assert call("GET", "/records", user=user, query={"limit": "1"}).body["items"][0]["content"] == "오후 기록"


def test_a_record_dated_after_tomorrow_is_refused_on_create_and_edit(user, db):
    today = _service_today()
    # One day of slack: a client east of DEFAULT_TIMEZONE (the web client dates a record by the
    # browser's calendar) may already be on the service's tomorrow.
    tomorrow = call(
        "POST", "/records", {"content": "내일 기록", "record_date": str(today + dt.timedelta(days=1))}, user=user
    )
    assert tomorrow.status == 201, tomorrow.body

    for day in (today + dt.timedelta(days=2), dt.date(2030, 1, 1)):
        refused = call("POST", "/records", {"content": "미래 기록", "record_date": str(day)}, user=user)
        assert (refused.status, refused.body["error"]["code"]) == (422, "future_date"), refused.body
        assert refused.body["error"]["message"] == f"아직 오지 않은 날({day})에는 기록할 수 없어요."
    english = call(
        "POST",
        "/records",
        {"content": "future", "record_date": "2030-01-01"},
        user=user,
        headers={"Accept-Language": "en"},
    )
    assert english.body["error"] == {
        "code": "future_date",
        "message": f"`record_date` 2030-01-01 is in the future (today is {today} in the service's time zone)",
    }
    edited = call("PATCH", f"/records/{tomorrow.body['id']}", {"record_date": "2030-01-01"}, user=user)
    assert (edited.status, edited.body["error"]["code"]) == (422, "future_date")
    # Through the front door, a `current_date` far ahead stores nothing either.
    agent = call("POST", "/agent", {"content": "오늘 영화 봤어", "current_date": "2030-01-01"}, user=user)
    assert (agent.status, agent.body["error"]["code"]) == (422, "future_date")
    db.execute("SELECT content, record_date FROM records WHERE user_id = %s", (user,))
    assert db.fetchall() == [{"content": "내일 기록", "record_date": today + dt.timedelta(days=1)}]


def test_a_search_with_only_question_words_answers_the_latest_records(user):
    jot(user, "2026-11-20", "오래된 기록")
    jot(user, "2026-11-25", "영화 봤어", "산책했어")

    # Question and stop words, or nothing a word is made of (the catalogue's cases of the old 422).
    for q in ("뭐 했지?", "what did I do", "the and", "오늘 뭐 했어", "   ", "?!", "\u0000", "2026-11-25"):
        reply = call("GET", "/records", user=user, query={"q": q, "limit": "2"})
        assert reply.status == 200, reply.body
        assert [r["content"] for r in reply.body["items"]] == ["산책했어", "영화 봤어"], repr(q)
        assert reply.body["next_cursor"] is None  # a search has one page
    of_a_day = call("GET", "/records", user=user, query={"q": "오늘 뭐 했어", "date": "2026-11-20"})
    assert [r["content"] for r in of_a_day.body["items"]] == ["오래된 기록"]
    # Words to search for still narrow it.
    found = call("GET", "/records", user=user, query={"q": "영화"})
    assert [r["content"] for r in found.body["items"]] == ["영화 봤어"]


def test_the_openapi_document_says_what_a_list_without_a_date_or_words_answers():
    description = call("GET", "/openapi.json").body["paths"]["/records"]["get"]["description"]
    assert "newest first" in description and "question or stop words" in description
