"""Idempotency-Key: a retried POST returns the first response and stores nothing twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from tests.support.requests import ROOT, call, http_event, jot


def _rows(db, user) -> int:
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s", (user,))
    return db.fetchone()["n"]


def test_a_retry_returns_the_first_response_and_stores_once(user, db):
    body = {"content": "한 번만 저장", "record_date": "2026-11-25"}
    first = call("POST", "/records", body, user=user, headers={"idempotency-key": "k-1"})
    again = call("POST", "/records", body, user=user, headers={"idempotency-key": "k-1"})
    assert first.status == again.status == 201
    assert again.body == first.body
    assert _rows(db, user) == 1


def test_without_a_key_each_post_stores(user, db):
    call("POST", "/records", {"content": "a"}, user=user)
    call("POST", "/records", {"content": "a"}, user=user)
    assert _rows(db, user) == 2


def test_the_same_key_with_another_body_is_refused(user, db):
    call("POST", "/records", {"content": "처음"}, user=user, headers={"idempotency-key": "k-2"})
    reused = call("POST", "/records", {"content": "다른 내용"}, user=user, headers={"idempotency-key": "k-2"})
    assert reused.status == 422
    assert reused.body["error"]["code"] == "idempotency_key_reused"
    assert _rows(db, user) == 1


def test_keys_are_scoped_to_the_caller_and_the_route(user, other_user, db):
    mine = call("POST", "/records", {"content": "같은 키"}, user=user, headers={"idempotency-key": "shared"})
    theirs = call("POST", "/records", {"content": "같은 키"}, user=other_user, headers={"idempotency-key": "shared"})
    assert theirs.status == 201 and theirs.body["id"] != mine.body["id"]
    agent = call(
        "POST",
        "/agent",
        {"content": "같은 키", "request_type": "data"},
        user=user,
        headers={"idempotency-key": "shared"},
    )
    assert agent.status == 200 and agent.body["content"]["id"] != mine.body["id"]


def test_a_failed_request_can_be_retried_with_the_same_key(user):
    first = call("POST", "/diaries", {"date": "2026-11-25"}, user=user, headers={"idempotency-key": "d-1"})
    assert first.status == 422  # no records yet; not remembered as the answer for this key
    call("POST", "/records", {"content": "기록", "record_date": "2026-11-25"}, user=user)
    retried = call("POST", "/diaries", {"date": "2026-11-25"}, user=user, headers={"idempotency-key": "d-1"})
    assert retried.status == 201


@pytest.mark.parametrize("key", ["", "has space", "x" * 129, "한글키"])
def test_malformed_keys_are_400(key, user, db):
    reply = call("POST", "/records", {"content": "x"}, user=user, headers={"idempotency-key": key})
    assert reply.status == 400
    assert _rows(db, user) == 0


_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from handler.app import lambda_handler
    from tests.support.requests import FakeContext
    event, start_at = json.loads(sys.stdin.read()), float(sys.argv[1])
    while time.time() < start_at:
        time.sleep(0.001)
    response = lambda_handler(event, FakeContext())
    print(json.dumps({"status": response["statusCode"], "body": json.loads(response["body"])}))
    """
)


def test_concurrent_duplicates_store_exactly_once(user, db):
    """Four Lambda containers (processes) receive the same request at the same moment (through
    whatever DATABASE_URL points at: the test database, or the pooler in test_pooler.py)."""
    event = http_event(
        "POST",
        "/records",
        {"content": "동시에 네 번", "record_date": "2026-11-25"},
        user=user,
        headers={"idempotency-key": "concurrent-1"},
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start_at = time.time() + 3  # after every process has imported the handler
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(start_at)],
            cwd=ROOT,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(4)
    ]
    replies = [
        json.loads(child.communicate(json.dumps(event), timeout=60)[0].strip().splitlines()[-1]) for child in children
    ]

    assert _rows(db, user) == 1
    stored = [r for r in replies if r["status"] == 201]
    assert stored and all(r["body"] == stored[0]["body"] for r in stored)
    assert all(r["status"] in (201, 409) for r in replies), replies


# --- what a retry meets once the user deleted what it stored ---------------------------------------


def _remembered(db, user) -> list[dict]:
    """The caller's remembered responses as stored: what the database keeps of them."""
    db.execute("SELECT response_data, payload_hash FROM idempotency_keys WHERE owner = %s", (user,))
    return db.fetchall()


def _gone_without_a_trace(reply, db, user, words: str) -> None:
    assert reply.status == 410, reply
    assert reply.body["error"]["code"] == "deleted"
    assert words not in json.dumps(reply.body, ensure_ascii=False)
    # Neither the words nor the hash of the body they were sent in are kept.
    assert all(
        words not in (row["response_data"] or "") and row["payload_hash"] is None for row in _remembered(db, user)
    )


def test_a_retry_after_the_record_was_deleted_gets_410_not_the_words(user, db):
    body = {"content": "나의 비밀 일기: 지운 기록", "record_date": "2026-11-25"}
    first = call("POST", "/records", body, user=user, headers={"idempotency-key": "del-1"})
    assert first.status == 201
    assert call("DELETE", f"/records/{first.body['id']}", user=user).status == 204

    retry = call("POST", "/records", body, user=user, headers={"idempotency-key": "del-1"})
    _gone_without_a_trace(retry, db, user, "나의 비밀 일기")
    assert _rows(db, user) == 0  # not stored again either: the user deleted it
    # A new key stores it again, if that is what the user wants.
    assert call("POST", "/records", body, user=user, headers={"idempotency-key": "del-2"}).status == 201


def test_a_retried_edit_of_a_deleted_record_gets_410_not_the_words(user, db):
    [record_id] = jot(user, "2026-11-25", "처음")
    edit = {"content": "고친 비밀 내용"}
    assert call("PATCH", f"/records/{record_id}", edit, user=user, headers={"idempotency-key": "e-1"}).status == 200
    assert call("DELETE", f"/records/{record_id}", user=user).status == 204

    retry = call("PATCH", f"/records/{record_id}", edit, user=user, headers={"idempotency-key": "e-1"})
    _gone_without_a_trace(retry, db, user, "고친 비밀 내용")


def test_a_retried_diary_after_the_diary_was_deleted_gets_410(user, db):
    jot(user, "2026-11-25", "비밀 산책")
    first = call("POST", "/diaries", {"date": "2026-11-25"}, user=user, headers={"idempotency-key": "dd-1"})
    assert first.status == 201
    assert call("DELETE", "/diaries/2026-11-25", user=user).status == 204

    retry = call("POST", "/diaries", {"date": "2026-11-25"}, user=user, headers={"idempotency-key": "dd-1"})
    _gone_without_a_trace(retry, db, user, first.body["content"])

    own = {"title": "내 일기", "content": "내가 쓴 비밀 일기"}
    assert call("PUT", "/diaries/2026-11-26", own, user=user, headers={"idempotency-key": "dd-2"}).status == 201
    assert call("DELETE", "/diaries/2026-11-26", user=user).status == 204
    retry = call("PUT", "/diaries/2026-11-26", own, user=user, headers={"idempotency-key": "dd-2"})
    _gone_without_a_trace(retry, db, user, "내가 쓴 비밀 일기")


def test_a_retried_agent_request_after_its_record_was_deleted_gets_410(user, db):
    body = {"content": "에이전트에게 맡긴 비밀", "request_type": "data"}
    first = call("POST", "/agent", body, user=user, headers={"idempotency-key": "ag-1"})
    assert first.status == 200 and first.body["type"] == "data"
    assert call("DELETE", f"/records/{first.body['content']['id']}", user=user).status == 204

    retry = call("POST", "/agent", body, user=user, headers={"idempotency-key": "ag-1"})
    _gone_without_a_trace(retry, db, user, "에이전트에게 맡긴 비밀")


def test_deleting_a_record_forgets_only_its_own_responses(user, other_user, db):
    kept = call("POST", "/records", {"content": "남길 기록"}, user=user, headers={"idempotency-key": "keep"})
    gone = call("POST", "/records", {"content": "지울 기록"}, user=user, headers={"idempotency-key": "drop"})
    theirs = call("POST", "/records", {"content": "남의 기록"}, user=other_user, headers={"idempotency-key": "drop"})
    assert call("DELETE", f"/records/{gone.body['id']}", user=user).status == 204

    again = call("POST", "/records", {"content": "남길 기록"}, user=user, headers={"idempotency-key": "keep"})
    assert (again.status, again.body) == (201, kept.body)
    same = call("POST", "/records", {"content": "남의 기록"}, user=other_user, headers={"idempotency-key": "drop"})
    assert (same.status, same.body) == (201, theirs.body)


def test_retries_after_a_picture_or_a_report_was_deleted_get_410(aws_services, user, db):
    picture = {"text": "비밀 바다 그림"}
    drawn = call("POST", "/images", picture, user=user, headers={"idempotency-key": "img-1"})
    assert drawn.status == 201
    assert call("DELETE", f"/images/{drawn.body['id']}", user=user).status == 204
    retry = call("POST", "/images", picture, user=user, headers={"idempotency-key": "img-1"})
    _gone_without_a_trace(retry, db, user, drawn.body["prompt"])

    week = {"start_date": "2026-11-23", "end_date": "2026-11-29"}
    jot(user, "2026-11-25", "비밀 보고")
    report = call("POST", "/reports", week, user=user, headers={"idempotency-key": "rep-1"})
    assert report.status == 202
    assert call("DELETE", f"/reports/{report.body['report_id']}", user=user).status == 204
    assert call("POST", "/reports", week, user=user, headers={"idempotency-key": "rep-1"}).status == 410
