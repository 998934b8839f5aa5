"""Idempotency-Key: a retried POST returns the first response and stores nothing twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from tests.support.requests import ROOT, call, http_event


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
