"""Tenant isolation over every route: user B can neither read, edit, delete nor find anything of
user A's, by id, by date, by words or by meaning, and A's rows and objects are exactly as they were
after B tried everything. Real PostgreSQL (with row-level security), moto's S3 and SQS."""

from __future__ import annotations

import boto3
import pytest

from handler.local.aws_stand_ins import receive, sqs_event
from tests.support import services
from tests.support.requests import call, invoke_raw, jot

DAY = "2026-11-25"
SECRET = "비밀스러운초록우산"


@pytest.fixture
def a_account(aws_services, user, monkeypatch) -> dict[str, str]:
    [record] = jot(user, DAY, f"{SECRET} 친구랑 영화 봤어")
    assert call("POST", "/diaries", {"date": DAY}, user=user).status == 201
    assert (
        call("PUT", "/diaries/2026-11-24", {"title": SECRET, "content": SECRET, "tags": ["비밀"]}, user=user).status
        == 201
    )
    image = call("POST", "/images", {"date": DAY}, user=user).body["id"]
    report = call("POST", "/reports", {"start_date": DAY, "end_date": DAY}, user=user).body["report_id"]
    monkeypatch.setenv("EXPORT_INLINE_MAX_BYTES", "0")

    services.reload()
    export = call("GET", "/me/export", user=user).body["export_id"]
    monkeypatch.delenv("EXPORT_INLINE_MAX_BYTES")
    services.reload()
    assert invoke_raw(sqs_event(receive(aws_services["queue_url"], wait_s=1))) == {"batchItemFailures": []}
    return {"record": record, "image": image, "report": report, "export": export}


def _rows_of(db, user: str) -> dict[str, list]:
    state = {}
    for table in ("records", "diaries", "images", "reports", "exports"):
        db.execute(f"SELECT t::text AS row FROM {table} t WHERE user_id = %s ORDER BY 1", (user,))
        state[table] = [r["row"] for r in db.fetchall()]
    return state


def _objects(aws_services, user: str) -> list:
    from handler.aws.object_store import prefix_for

    s3 = boto3.client("s3", endpoint_url=aws_services["endpoint"])
    listed = s3.list_object_versions(Bucket=aws_services["bucket"], Prefix=prefix_for(user))
    return sorted((v["Key"], v["VersionId"]) for v in listed.get("Versions", []))


def test_b_can_neither_read_edit_delete_nor_find_anything_of_as(a_account, aws_services, user, other_user, db):
    a, b = user, other_user
    [b_record] = jot(b, DAY, "B의 하루")
    rows_before, objects_before = _rows_of(db, a), _objects(aws_services, a)

    def status(method: str, path: str, body=None, **query: str) -> int:
        return call(method, path, body, user=b, query=query or None).status

    # By id: every route answers as if it did not exist.
    assert status("PATCH", f"/records/{a_account['record']}", {"content": "B가 고침"}) == 404
    assert status("DELETE", f"/records/{a_account['record']}") == 404
    assert status("GET", f"/images/{a_account['image']}") == 404
    assert status("DELETE", f"/images/{a_account['image']}") == 404
    assert status("GET", f"/reports/{a_account['report']}") == 404
    assert status("DELETE", f"/reports/{a_account['report']}") == 404
    assert status("GET", f"/me/exports/{a_account['export']}") == 404
    # By date: A's diaries are not B's.
    assert status("GET", f"/diaries/{DAY}") == 404
    assert status("DELETE", f"/diaries/{DAY}") == 404
    assert status("DELETE", "/diaries/2026-11-24") == 404
    # By listing and by words: only B's own.
    assert [r["content"] for r in call("GET", "/records", user=b, query={"date": DAY}).body["items"]] == ["B의 하루"]
    assert call("GET", "/records", user=b, query={"q": SECRET}).body["items"] == []
    assert call("GET", "/records", user=b, query={"q": f"{SECRET} 하루"}).body["items"][0]["content"] == "B의 하루"
    assert call("GET", "/diaries", user=b).body["items"] == []
    assert call("GET", "/diaries", user=b, query={"tag": "비밀"}).body["items"] == []
    assert call("GET", "/images", user=b).body["items"] == []
    assert call("GET", "/reports", user=b).body["items"] == []
    answer = call("POST", "/questions", {"question": f"{SECRET} 언제 봤어?", "current_date": DAY}, user=b).body
    assert SECRET not in answer["answer"] and set(answer["sources"]) <= {b_record}
    exported = call("GET", "/me/export", user=b).body
    assert [r["content"] for r in exported["records"]] == ["B의 하루"]
    assert exported["diaries"] == exported["images"] == exported["reports"] == []
    # Writing on A's days writes B's own.
    assert call("PUT", f"/diaries/{DAY}", {"title": "B", "content": "B의 일기"}, user=b).status == 201
    assert call("POST", "/images", {"date": "2026-11-24"}, user=b).status == 422  # A's diary is not B's to draw
    # And B leaving erases B only.
    assert call("DELETE", "/me", user=b).status == 202
    assert invoke_raw(sqs_event(receive(aws_services["erasure_queue_url"], wait_s=1))) == {"batchItemFailures": []}

    assert _rows_of(db, a) == rows_before
    assert _objects(aws_services, a) == objects_before
    assert call("GET", f"/diaries/{DAY}", user=a).body["content"] != "B의 일기"
