"""The caller's data as a whole: exported (at once, or through the worker to S3) and erased.

An erasure is checked the way an auditor would: every table of the schema is scanned for the
user's id and for a token written into each of their records (a remembered response carries the
words, not the id), and the bucket is listed, every version and delete marker included. The
erasure goes through a real SQS message (moto) and the entry point, and is cut off half way by a
worker process killed mid-job, as a Lambda timeout would: the redelivered message finishes it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import urllib.request
import uuid
from typing import Any

import boto3
import pytest

from handler.local.aws_stand_ins import receive, sqs_event
from tests.support import services
from tests.support.presigned import works_until
from tests.support.requests import ROOT, call, invoke_raw, jot

WEEK = {"start_date": "2026-11-23", "end_date": "2026-11-29"}


def _account(user: str, aws_services: dict[str, str], token: str) -> None:
    """Records, the model's diary and the user's own, pictures (one with a second S3 version), a
    completed report and a completed export: everything a user can leave behind."""
    headers = {"idempotency-key": f"k-{token}"}
    call(
        "POST",
        "/records",
        {"content": f"{token} 친구랑 영화 봤어", "record_date": "2026-11-25"},
        user=user,
        headers=headers,
    )
    jot(user, "2026-11-24", f"{token} 야근해서 피곤했어")
    assert call("POST", "/diaries", {"date": "2026-11-25"}, user=user, headers=headers).status == 201
    own = {"title": f"{token} 산책", "content": f"{token} 내가 쓴 일기", "tags": [token[:30]]}
    assert call("PUT", "/diaries/2026-11-24", own, user=user, headers=headers).status == 201
    image = call("POST", "/images", {"date": "2026-11-25"}, user=user).body
    call("POST", "/images", {"text": f"{token} 바다"}, user=user)
    s3 = boto3.client("s3", endpoint_url=aws_services["endpoint"])
    s3.put_object(Bucket=aws_services["bucket"], Key=image["s3_key"], Body=b"a second version")
    assert call("POST", "/reports", WEEK, user=user).status == 202
    _work(aws_services)
    os.environ["EXPORT_INLINE_MAX_BYTES"] = "0"
    try:
        _fresh_settings()
        assert call("GET", "/me/export", user=user).status == 202
        _work(aws_services)
    finally:
        del os.environ["EXPORT_INLINE_MAX_BYTES"]
        _fresh_settings()


def _fresh_settings() -> None:

    services.reload()


def _work(aws_services: dict[str, str], queue: str = "queue_url") -> None:
    """Deliver what is queued (on the job queue, or `queue`) to the worker, as the event source mapping would."""
    messages = receive(aws_services[queue], wait_s=1)
    assert messages
    assert invoke_raw(sqs_event(messages)) == {"batchItemFailures": []}


def _traces(db, *needles: str) -> dict[str, int]:
    """Rows of every table of the schema whose text holds any of `needles`."""
    db.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    tables = [row["tablename"] for row in db.fetchall()]
    assert {"records", "diaries", "images", "reports", "exports", "idempotency_keys"} <= set(tables)
    found = {}
    for table in tables:
        clauses = " OR ".join(["strpos(t::text, %s) > 0"] * len(needles))
        db.execute(f"SELECT count(*) AS n FROM {table} t WHERE {clauses}", needles)
        found[table] = db.fetchone()["n"]
    return found


def _objects(aws_services: dict[str, str], user: str) -> list[tuple[str, str]]:
    """Every version and delete marker under the user's prefix: (key, version id)."""
    from handler.aws.object_store import prefix_for

    s3 = boto3.client("s3", endpoint_url=aws_services["endpoint"])
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=aws_services["bucket"], Prefix=prefix_for(user))
    return [
        (item["Key"], item["VersionId"])
        for page in pages
        for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
    ]


@pytest.fixture
def two_accounts(aws_services, user, other_user) -> dict[str, Any]:
    mine, theirs = f"token{uuid.uuid4().hex}", f"token{uuid.uuid4().hex}"
    _account(user, aws_services, mine)
    _account(other_user, aws_services, theirs)
    return {"token": mine, "other_token": theirs}


def _assert_erased(db, aws_services, user: str, other_user: str, accounts: dict[str, Any]) -> None:
    assert sum(_traces(db, user, accounts["token"]).values()) == 0, _traces(db, user, accounts["token"])
    assert _objects(aws_services, user) == []
    # The other user keeps everything.
    left = _traces(db, other_user, accounts["other_token"])
    assert all(left[t] > 0 for t in ("records", "diaries", "images", "reports", "exports", "idempotency_keys")), left
    assert len(_objects(aws_services, other_user)) == 4  # two pictures, one twice, and the export


# --- export ------------------------------------------------------------------------------------


def test_a_small_account_gets_everything_at_once_and_only_its_own(aws_services, user, other_user):
    [mine] = jot(user, "2026-11-25", "친구랑 영화 봤어")
    jot(other_user, "2026-11-25", "남의 기록")
    call("POST", "/diaries", {"date": "2026-11-25"}, user=user)
    call("POST", "/images", {"date": "2026-11-25"}, user=user)
    call("POST", "/reports", WEEK, user=user)
    reply = call("GET", "/me/export", user=user)
    assert reply.status == 200, reply.body
    document = reply.body
    assert [r["id"] for r in document["records"]] == [mine]
    assert [d["date"] for d in document["diaries"]] == ["2026-11-25"]
    assert len(document["reports"]) == 1 and len(document["images"]) == 1
    [image] = document["images"]
    assert dt.datetime.fromisoformat(image["url_expires_at"]) == works_until(image["url"])
    with urllib.request.urlopen(image["url"], timeout=10) as response:  # noqa: S310 - moto
        assert response.read().startswith(b"\x89PNG")


def test_a_large_account_is_exported_by_the_worker_to_a_url(aws_services, user, other_user, monkeypatch):
    jot(user, "2026-11-25", "친구랑 영화 봤어", "저녁은 김치찌개")
    monkeypatch.setenv("EXPORT_INLINE_MAX_BYTES", "100")
    _fresh_settings()
    started = call("GET", "/me/export", user=user)
    assert started.status == 202, started.body
    assert started.body["status"] == "pending" and started.body["url"] is None
    location = started.headers["location"]
    assert location == f"/me/exports/{started.body['export_id']}"

    _work(aws_services)
    done = call("GET", location, user=user).body
    assert done["status"] == "completed" and done["expires_at"]
    # The URL's expiry, not the document's: the URL dies long before the document is deleted.
    assert dt.datetime.fromisoformat(done["url_expires_at"]) == works_until(done["url"])
    assert dt.datetime.fromisoformat(done["url_expires_at"]) < dt.datetime.fromisoformat(done["expires_at"])
    with urllib.request.urlopen(done["url"], timeout=10) as response:  # noqa: S310 - moto on 127.0.0.1
        document = json.loads(response.read())
    assert sorted(r["content"] for r in document["records"]) == ["저녁은 김치찌개", "친구랑 영화 봤어"]
    s3 = boto3.client("s3", endpoint_url=aws_services["endpoint"])
    [(key, _)] = _objects(aws_services, user)
    tags = s3.get_object_tagging(Bucket=aws_services["bucket"], Key=key)["TagSet"]
    assert tags == [{"Key": "kind", "Value": "export"}]  # what the lifecycle rule expires
    assert call("GET", location, user=other_user).status == 404


def test_an_export_past_its_retention_shows_expired_with_no_url(aws_services, user, db, monkeypatch):
    jot(user, "2026-11-25", "기록")
    monkeypatch.setenv("EXPORT_INLINE_MAX_BYTES", "0")
    _fresh_settings()
    location = call("GET", "/me/export", user=user).headers["location"]
    _work(aws_services)
    db.execute("UPDATE exports SET updated_at = now() - interval '8 days' WHERE user_id = %s", (user,))
    expired = call("GET", location, user=user).body
    assert (expired["status"], expired["url"], expired["url_expires_at"]) == ("expired", None, None)


# --- erasure -----------------------------------------------------------------------------------


def test_delete_me_erases_every_row_and_object_of_the_caller_only(two_accounts, aws_services, user, other_user, db):
    assert sum(_traces(db, user, two_accounts["token"]).values()) > 0
    assert len(_objects(aws_services, user)) == 4

    reply = call("DELETE", "/me", user=user)
    assert reply.status == 202 and reply.body == {"status": "erasing"}
    _work(aws_services, "erasure_queue_url")
    _assert_erased(db, aws_services, user, other_user, two_accounts)
    # What was `GET /me/export` with no records in it is now refused (an erased user's token).
    assert call("GET", "/me/export", user=user).body["error"]["code"] == "account_erased"

    # Again: nothing left to erase, and still no error.
    assert call("DELETE", "/me", user=user).status == 202
    _work(aws_services, "erasure_queue_url")
    _assert_erased(db, aws_services, user, other_user, two_accounts)


def test_without_a_queue_the_erasure_runs_inline(user, db):
    jot(user, "2026-11-25", "지울 기록")
    reply = call("DELETE", "/me", user=user)
    assert reply.status == 202 and reply.body == {"status": "erased"}
    assert sum(_traces(db, user).values()) == 0


_CUT_OFF_WORKER = textwrap.dedent(
    """
    import json, os, sys
    from handler import app
    from handler.aws import object_store
    from handler.dal import images

    def killed(*args, **kwargs):
        os._exit(137)  # a Lambda timeout, or the process killed

    if sys.argv[1] == "between objects and rows":
        images.Images.erase = killed
    else:  # "among the objects": the second batch of deletes never happens
        object_store._DELETE_BATCH = 2
        s3 = app.services.aws.client("s3")
        real, calls = s3.delete_objects, []
        def delete_objects(**kwargs):
            calls.append(1)
            if len(calls) == 2:
                killed()
            return real(**kwargs)
        s3.delete_objects = delete_objects
    from tests.support.requests import FakeContext
    app.lambda_handler(json.loads(sys.stdin.read()), FakeContext())
    """
)


@pytest.mark.parametrize("where", ["between objects and rows", "among the objects"])
def test_an_erasure_cut_off_half_way_is_finished_by_the_redelivery(
    where, two_accounts, aws_services, user, other_user, db, test_database
):
    assert call("DELETE", "/me", user=user).status == 202
    [message] = receive(aws_services["erasure_queue_url"], wait_s=1)
    env = {**os.environ, "DATABASE_URL": test_database, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    cut = subprocess.run(
        [sys.executable, "-c", _CUT_OFF_WORKER, where],
        input=json.dumps(sqs_event([message])),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cut.returncode == 137, cut.stderr[-2000:]
    # Half done: the rows are all there, and the objects are gone or partly gone.
    left = _traces(db, user, two_accounts["token"])
    assert all(left[t] > 0 for t in ("records", "diaries", "images", "reports", "exports")), left
    remaining = len(_objects(aws_services, user))
    assert remaining == (0 if where == "between objects and rows" else 2)

    message["Attributes"]["ApproximateReceiveCount"] = "2"  # SQS delivers it again
    assert invoke_raw(sqs_event([message])) == {"batchItemFailures": []}
    _assert_erased(db, aws_services, user, other_user, two_accounts)


# --- what is kept only for a while ---------------------------------------------------------------


def _schedule_message(name: str) -> str:
    """The message the stack's schedule puts on the worker's queue, as template.yaml says it."""
    from tests.unit.test_template import load_template

    return load_template()["Resources"][name]["Properties"]["Target"]["Input"]


def test_the_hourly_sweep_deletes_expired_exports_and_remembered_responses(
    aws_services, user, other_user, db, monkeypatch
):
    monkeypatch.setenv("EXPORT_INLINE_MAX_BYTES", "0")
    _fresh_settings()
    locations = {}
    for who in (user, other_user):
        jot(who, "2026-11-25", "기록")
        locations[who] = call("GET", "/me/export", user=who).headers["location"]
        _work(aws_services)
    for key in ("old", "fresh"):
        call("POST", "/records", {"content": f"{key}-secret"}, user=user, headers={"idempotency-key": key})
    # The user's export and one remembered response are past their time; the rest is not.
    db.execute("UPDATE exports SET updated_at = now() - interval '8 days' WHERE user_id = %s", (user,))
    db.execute(
        "UPDATE idempotency_keys SET expires_at = extract(epoch FROM now()) - 1"
        " WHERE owner = %s AND response_data LIKE %s",
        (user, "%old-secret%"),
    )

    boto3.client("sqs").send_message(
        QueueUrl=aws_services["queue_url"], MessageBody=_schedule_message("RetentionSchedule")
    )
    _work(aws_services)

    # The export went, its row and every version of its document together.
    assert call("GET", locations[user], user=user).status == 404
    assert _objects(aws_services, user) == []
    assert call("GET", locations[other_user], user=other_user).body["status"] == "completed"
    assert len(_objects(aws_services, other_user)) == 1
    # Of the remembered responses, the one past its time went.
    db.execute("SELECT response_data FROM idempotency_keys WHERE owner = %s", (user,))
    [kept] = db.fetchall()
    assert "fresh-secret" in kept["response_data"]


def test_an_export_unfinished_past_the_queues_retention_shows_failed_not_pending(aws_services, user, db, monkeypatch):
    """SQS drops a message after its retention (14 days, the job queue's): an export whose job it
    dropped would otherwise stay `pending` for ever."""
    jot(user, "2026-11-25", "기록")
    monkeypatch.setenv("EXPORT_INLINE_MAX_BYTES", "0")
    _fresh_settings()
    location = call("GET", "/me/export", user=user).headers["location"]
    assert call("GET", location, user=user).body["status"] == "pending"  # queued, not yet run
    db.execute("UPDATE exports SET created_at = now() - interval '15 days' WHERE user_id = %s", (user,))
    lost = call("GET", location, user=user).body
    assert (lost["status"], lost["url"]) == ("failed", None)
    assert "ask again" in lost["failure"]
