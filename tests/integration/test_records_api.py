"""Records through real API Gateway events into the real PostgreSQL, in both event shapes."""

from __future__ import annotations

import uuid

import pytest

from tests.support.requests import call

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
    import datetime as dt
    from zoneinfo import ZoneInfo

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
        ({}, "invalid_parameter"),
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
