"""POST /me/import: an export brought back, through the entry point, a real PostgreSQL, and moto's S3
and SQS for the worker's imports.

The round trip is the one a person makes: export, erase the account (DELETE /me, run by the worker
from its queue), sign up again (a new identity: an erased id is refused for good, its tokens with it,
and the user pool deleted the account), import. The two exports are then compared field by field,
over every field the models have: a field added to a record, a diary or a report later is compared
too unless named below with the reason it may change.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import boto3
import pytest
from pydantic import BaseModel

from handler.aws.object_store import prefix_for
from handler.models import Diary, Image, Record, Report, UserData, VoiceNote
from tests.integration.test_user_data import _fresh_settings, _work
from tests.support.requests import call, jot

WEEK = {"start_date": "2026-11-23", "end_date": "2026-11-29"}

# What may differ between the export before the erasure and the one after the import, and why. Every
# other field of every model is compared.
CHANGES: dict[str, dict[str, str]] = {
    "document": {
        "exported_at": "the moment each export was made",
        "images": "pictures are not imported: the document holds only URLs to them (compared: none, counted skipped)",
        "voice_notes": "recordings are not imported, for the same reason (counted skipped)",
    },
    "records": {
        "photos": "photos are not imported, for the same reason as pictures (counted skipped)",
        "voice_note": "a voice note's record comes back as text, without its recording",
    },
    "diaries": {"has_images": "derived from the pictures, which are not imported"},
    "reports": {},
}
# The parts of the document that are lists of one model each.
PARTS: dict[str, type[BaseModel]] = {
    "records": Record,
    "diaries": Diary,
    "reports": Report,
    "images": Image,
    "voice_notes": VoiceNote,
}


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the round trip must give it back: every field of every model, but CHANGES."""
    data = UserData.model_validate(document)
    kept: dict[str, Any] = data.model_dump(mode="json", exclude=set(CHANGES["document"]))
    for part in set(PARTS) - set(CHANGES["document"]):
        kept[part] = [item.model_dump(mode="json", exclude=set(CHANGES[part])) for item in getattr(data, part)]
    return kept


def test_the_comparison_names_only_fields_that_exist_and_covers_every_other():
    assert set(CHANGES["document"]) <= set(UserData.model_fields)
    for part, model in PARTS.items():
        assert part in UserData.model_fields
        assert set(CHANGES.get(part, {})) <= set(model.model_fields), part
    # Every list of the document is one of PARTS: a new part has to be named here.
    assert {name for name, field in UserData.model_fields.items() if "list" in str(field.annotation)} == set(PARTS)


def _account(user: str, aws_services: dict[str, str]) -> None:
    """Records on two days (one with a photo asked for), a voice note asked for, the model's diary and
    the user's own (tags), a picture and a completed report."""
    tired, _ = jot(user, "2026-11-24", "야근해서 피곤했어", "컵라면 먹음 🍜")
    photo = {"content_type": "image/jpeg", "size_bytes": 1000}
    assert call("POST", f"/records/{tired}/photos", photo, user=user).status == 201
    voice = {"content_type": "audio/mp4", "size_bytes": 1000}
    assert call("POST", "/voice-notes", voice, user=user).status == 201
    jot(user, "2026-11-25", "오늘 친구랑 영화 봤어", "e\u0301 NFC 확인")
    assert call("POST", "/diaries", {"date": "2026-11-25"}, user=user).status == 201
    own = {"title": "산책", "content": "내가 쓴 일기\n둘째 줄", "tags": ["산책", "work"]}
    assert call("PUT", "/diaries/2026-11-24", own, user=user).status == 201
    assert call("POST", "/images", {"date": "2026-11-25"}, user=user).status == 201
    assert call("POST", "/reports", WEEK, user=user).status == 202
    _work(aws_services)


def _export(user: str) -> dict[str, Any]:
    reply = call("GET", "/me/export", user=user)
    assert reply.status == 200, reply.body
    return reply.body


def _import(user: str, document: dict[str, Any], status: int = 200) -> dict[str, Any]:
    reply = call("POST", "/me/import", document, user=user)
    assert reply.status == status, reply.body
    return reply.body


def _rows(db, user: str) -> dict[str, int]:
    found = {}
    for table in ("records", "diaries", "reports", "images"):
        db.execute(f"SELECT count(*) AS n FROM {table} WHERE user_id = %s", (user,))
        found[table] = db.fetchone()["n"]
    return found


def test_export_erase_import_gives_back_the_same_records_diaries_reports_and_tags(aws_services, user, db):
    _account(user, aws_services)
    before = _export(user)
    assert (before["format"], before["version"]) == ("diary-export", 1)
    assert [len(before[p]) for p in ("records", "diaries", "reports", "images")] == [4, 2, 1, 1]
    assert before["reports"][0]["status"] == "completed"

    assert call("DELETE", "/me", user=user).status == 202
    _work(aws_services, "erasure_queue_url")
    assert _rows(db, user) == {"records": 0, "diaries": 0, "reports": 0, "images": 0}
    # The erased identity cannot come back: its tokens are refused, an import with them too.
    refused = call("POST", "/me/import", before, user=user)
    assert (refused.status, refused.body["error"]["code"]) == (410, "account_erased")

    # Signed up again: a new identity (the user pool gives a new `sub`).
    again = f"back-{uuid.uuid4()}"
    answer = _import(again, before)
    assert answer["import_id"] is None and answer["status"] == "completed"
    summary = answer["summary"]
    assert summary["records"] == {"imported": 4, "present": 0}
    assert summary["diaries"] == {"imported": 2, "present": 0}
    assert summary["reports"] == {"imported": 1, "present": 0}
    assert (summary["images_skipped"], summary["reports_unfinished"], summary["new_ids"]) == (1, 0, 0)
    assert summary["photos_skipped"] == sum(len(r["photos"]) for r in before["records"]) == 1
    assert summary["voice_notes_skipped"] == len(before["voice_notes"]) == 1

    after = _export(again)
    assert after["images"] == [] and after["voice_notes"] == []
    assert [r["photos"] for r in after["records"]] == [[]] * 4
    assert comparable(after) == comparable(before)
    # The ids are the document's (nobody holds them after the erasure), so the diary's records are too.
    assert [r["id"] for r in after["records"]] == [r["id"] for r in before["records"]]
    # Embeddings are computed again by the backfill, not taken from anywhere.
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s AND embedding IS NOT NULL", (again,))
    assert db.fetchone()["n"] == 0
    # The imported records are found by words, as if written here.
    found = call("GET", "/records", user=again, query={"q": "영화"}).body["items"]
    assert [r["content"] for r in found] == ["오늘 친구랑 영화 봤어"]


def test_importing_twice_stores_nothing_twice_and_overwrites_nothing(user, other_user, db):
    jot(user, "2026-11-25", "첫 기록", "둘째 기록")
    call("PUT", "/diaries/2026-11-25", {"title": "제목", "content": "원래 일기", "tags": ["a"]}, user=user)
    document = _export(user)

    first = _import(other_user, document)["summary"]
    rows = _rows(db, other_user)
    second = _import(other_user, document)["summary"]
    assert first["records"] == {"imported": 2, "present": 0}
    assert second["records"] == {"imported": 0, "present": 2}
    assert second["diaries"] == {"imported": 0, "present": 1}
    assert _rows(db, other_user) == rows

    # The user's own change since stays: an import adds what is missing, it restores nothing over it.
    edited = {"title": "제목", "content": "고친 일기", "tags": ["b"]}
    assert call("PUT", "/diaries/2026-11-25", edited, user=other_user).status == 200
    _import(other_user, document)
    assert call("GET", "/diaries/2026-11-25", user=other_user).body["content"] == "고친 일기"
    # Into the document's own account: everything is there already.
    again = _import(user, document)["summary"]
    assert (again["records"]["imported"], again["diaries"]["imported"]) == (0, 0)


def test_another_accounts_ids_are_never_taken_its_rows_never_touched(user, other_user, db):
    """The document's account still exists: the copies get ids of their own, derived from the
    importing caller (the same on every import), and the original rows stay as they were."""
    jot(user, "2026-11-25", "원본 기록")
    assert call("POST", "/diaries", {"date": "2026-11-25"}, user=user).status == 201
    document = _export(user)
    db.execute("SELECT id, user_id, content, record_date, created_at FROM records WHERE user_id = %s", (user,))
    originals = db.fetchall()

    summary = _import(other_user, document)["summary"]
    assert summary["new_ids"] == 1 and summary["records"]["imported"] == 1
    copy = _export(other_user)
    [record] = copy["records"]
    assert record["id"] != document["records"][0]["id"]
    assert record["content"] == "원본 기록"
    assert copy["diaries"][0]["record_ids"] == [record["id"]]  # the diary follows its record
    db.execute("SELECT id, user_id, content, record_date, created_at FROM records WHERE user_id = %s", (user,))
    assert db.fetchall() == originals
    assert _import(other_user, document)["summary"]["records"] == {"imported": 0, "present": 1}
    # Each account sees its own copy only.
    assert [r["id"] for r in _export(user)["records"]] == [document["records"][0]["id"]]


def test_what_is_not_in_the_document_is_dropped_not_trusted(user, other_user):
    """A diary naming a record the document does not hold (someone else's id) keeps no link to it."""
    theirs = jot(other_user, "2026-11-25", "남의 기록")[0]
    jot(user, "2026-11-25", "내 기록")
    assert call("POST", "/diaries", {"date": "2026-11-25"}, user=user).status == 201
    document = _export(user)
    document["diaries"][0]["record_ids"].append(theirs)
    importer = f"importer-{uuid.uuid4()}"
    _import(importer, document)
    [diary] = _export(importer)["diaries"]
    assert theirs not in diary["record_ids"] and len(diary["record_ids"]) == 1


def _document(**parts: Any) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC).isoformat()
    record = {"id": str(uuid.uuid4()), "content": "기록", "record_date": "2026-11-25", "created_at": now}
    base = {"format": "diary-export", "version": 1, "exported_at": now, "records": [record]}
    return {**base, "diaries": [], "reports": [], "images": [], **parts}


def _refusal(user: str, document: Any) -> dict[str, Any]:
    reply = call("POST", "/me/import", document, user=user)
    assert reply.status == 422, reply.body
    return reply.body["error"]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"format": "something-else"}, "not_an_export", None),
        ({"version": 2}, "unsupported_version", None),
        ({"version": "1"}, "unsupported_version", None),
        ({"exported_at": "2026-11-25T10:00:00"}, "invalid_document", "$.exported_at"),
        ({"unknown": 1}, "invalid_document", "$.unknown"),
    ],
)
def test_a_document_it_cannot_take_is_refused_with_the_reason(user, db, change, code, field):
    error = _refusal(user, _document(**change))
    assert error["code"] == code, error
    if field:
        assert [d["field"] for d in error["details"]] == [field]
        assert field in error["message"]
    assert _rows(db, user)["records"] == 0


def test_a_malformed_entry_is_named_by_its_json_path_and_nothing_is_stored(user, db):
    good = _document()["records"][0]
    entries = [
        good,
        {**good, "id": str(uuid.uuid4()), "content": "bidi \u202e override"},
        {**good, "id": str(uuid.uuid4()), "record_date": "2026-02-30"},
        {**good, "id": str(uuid.uuid4()), "record_date": "2999-01-01"},
        good,
    ]
    diary = {
        "date": "2026-11-25", "title": "t", "content": "c", "record_ids": [], "model": "user",
        "tags": ["x" * 31], "created_at": good["created_at"], "updated_at": good["created_at"],
    }  # fmt: skip
    error = _refusal(user, _document(records=entries, diaries=[diary]))
    assert error["code"] == "invalid_document"
    fields = [d["field"] for d in error["details"]]
    assert fields == [
        "$.records[1].content",
        "$.records[2].record_date",
        "$.records[3].record_date",
        "$.diaries[0].tags[0]",
    ]
    assert _rows(db, user)["records"] == 0
    # Once the shapes are right, the rules across entries: a repeated record, a record dated ahead.
    ahead = {**good, "id": str(uuid.uuid4()), "record_date": "2099-01-01"}
    error = _refusal(user, _document(records=[good, ahead, good]))
    assert [d["field"] for d in error["details"]] == ["$.records[2]", "$.records[1].record_date"]
    assert "repeats $.records[0]" in error["details"][0]["message"]
    assert _rows(db, user)["records"] == 0


def test_a_body_past_the_import_limit_is_413_and_other_routes_keep_theirs(user, monkeypatch):
    monkeypatch.setenv("IMPORT_MAX_BODY_BYTES", "2048")
    _fresh_settings()
    big = _document(records=[{**_document()["records"][0], "id": str(uuid.uuid4()), "content": "가" * 1000}])
    reply = call("POST", "/me/import", big, user=user)
    assert (reply.status, reply.body["error"]["code"]) == (413, "body_too_large")
    # 65 kB is past MAX_BODY_BYTES everywhere else, and within the import's default limit.
    monkeypatch.delenv("IMPORT_MAX_BODY_BYTES")
    _fresh_settings()
    assert call("POST", "/records", {"content": "가" * 22_000}, user=user).status == 413
    many = [{**_document()["records"][0], "id": str(uuid.uuid4()), "content": "가" * 3000} for _ in range(8)]
    assert _import(user, _document(records=many))["summary"]["records"]["imported"] == 8


def test_a_large_document_is_imported_by_the_worker(aws_services, user, other_user, monkeypatch):
    jot(user, "2026-11-25", "큰 계정의 기록", "또 하나")
    document = _export(user)
    monkeypatch.setenv("IMPORT_INLINE_MAX_BYTES", "0")
    _fresh_settings()
    importer = f"importer-{uuid.uuid4()}"
    started = call("POST", "/me/import", document, user=importer)
    assert started.status == 202, started.body
    location = started.headers["location"]
    assert location == f"/me/imports/{started.body['import_id']}"
    assert call("GET", location, user=importer).body["status"] == "pending"
    assert call("GET", location, user=other_user).status == 404

    s3 = boto3.client("s3", endpoint_url=aws_services["endpoint"])
    listed = s3.list_objects_v2(Bucket=aws_services["bucket"], Prefix=prefix_for(importer))
    [waiting] = [item["Key"] for item in listed.get("Contents", [])]
    assert waiting.startswith(f"{prefix_for(importer)}imports/")

    _work(aws_services)
    done = call("GET", location, user=importer).body
    assert done["status"] == "completed", done
    assert done["summary"]["records"] == {"imported": 2, "present": 0}
    assert [r["content"] for r in _export(importer)["records"]] == ["큰 계정의 기록", "또 하나"]
    # The document is deleted once imported, every version of it.
    versions = s3.list_object_versions(Bucket=aws_services["bucket"], Prefix=prefix_for(importer))
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")


def test_an_erasure_erases_imports_too(aws_services, user, db, monkeypatch):
    jot(user, "2026-11-25", "기록")
    document = _export(user)
    monkeypatch.setenv("IMPORT_INLINE_MAX_BYTES", "0")
    _fresh_settings()
    importer = f"importer-{uuid.uuid4()}"
    location = call("POST", "/me/import", document, user=importer).headers["location"]
    assert call("DELETE", "/me", user=importer).status == 202
    _work(aws_services, "erasure_queue_url")
    db.execute("SELECT count(*) AS n FROM imports WHERE user_id = %s", (importer,))
    assert db.fetchone()["n"] == 0
    # The queued import then finds nothing to do, and stores nothing.
    _work(aws_services)
    assert _rows(db, importer)["records"] == 0
    assert call("GET", location, user=importer).status == 410


def test_an_import_that_outlives_the_erasure_of_its_user_leaves_nothing(aws_services, user, db, monkeypatch):
    """The import was queued, then the user left (DELETE /me), and the worker ran the import before
    the erasure: the import stores, finds the erasure asked for, asks for it again and fails; the
    erasure, which waits for imports of the user, then takes everything."""
    from handler.local.aws_stand_ins import receive, sqs_event
    from tests.support.requests import invoke_raw

    jot(user, "2026-11-25", "떠나기 전 기록")
    document = _export(user)
    monkeypatch.setenv("IMPORT_INLINE_MAX_BYTES", "0")
    _fresh_settings()
    importer = f"importer-{uuid.uuid4()}"
    assert call("POST", "/me/import", document, user=importer).status == 202
    assert call("DELETE", "/me", user=importer).status == 202

    [job] = receive(aws_services["queue_url"], wait_s=1)
    failed = invoke_raw(sqs_event([job]))["batchItemFailures"]
    assert [f["itemIdentifier"] for f in failed] == [job["MessageId"]]
    assert _rows(db, importer)["records"] == 1  # stored, for the erasure to take
    erasures = receive(aws_services["erasure_queue_url"], wait_s=1)
    assert len(erasures) == 2  # asked by DELETE /me, and again by the import
    assert invoke_raw(sqs_event(erasures)) == {"batchItemFailures": []}
    assert _rows(db, importer) == {"records": 0, "diaries": 0, "reports": 0, "images": 0}


# --- a document uploaded to S3 first (larger than a body may be) -----------------------------------


def _upload(form: dict[str, Any], content: bytes) -> int:
    """POST the document to S3 as a browser's form would: the fields, then the file."""
    import requests

    files = {"file": ("export.json", content, form["fields"]["Content-Type"])}
    return requests.post(form["url"], data=form["fields"], files=files, timeout=10).status_code


def test_a_document_uploaded_to_the_callers_prefix_is_imported_by_the_worker(aws_services, user, other_user):
    import base64
    import json

    jot(user, "2026-11-25", "올려서 가져온 기록")
    document = _export(user)
    importer = f"importer-{uuid.uuid4()}"
    asked = call("POST", "/me/imports", user=importer)
    assert asked.status == 201, asked.body
    form = asked.body
    assert form["status"] == "awaiting_upload" and form["fields"]["key"].startswith(f"{prefix_for(importer)}imports/")
    assert call("POST", f"/me/imports/{form['import_id']}/start", user=other_user).status == 404

    # The policy S3 holds the upload to: this key, JSON, at most IMPORT_UPLOAD_MAX_BYTES, tagged for
    # the lifecycle rule (S3 applies the `tagging` field, RESTObjectPOST.html; moto ignores it).
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert ["content-length-range", 1, form["max_bytes"]] in policy["conditions"]
    assert {"key": form["fields"]["key"]} in policy["conditions"]
    assert {"tagging": form["fields"]["tagging"]} in policy["conditions"] and "export" in form["fields"]["tagging"]
    assert _upload(form, json.dumps(document, ensure_ascii=False).encode()) in (200, 201, 204)
    s3 = boto3.client("s3", endpoint_url=aws_services["endpoint"])

    started = call("POST", f"/me/imports/{form['import_id']}/start", user=importer)
    assert started.status == 202 and started.body["status"] == "pending", started.body
    assert call("POST", f"/me/imports/{form['import_id']}/start", user=importer).body["status"] == "pending"
    _work(aws_services)
    done = call("GET", f"/me/imports/{form['import_id']}", user=importer).body
    assert done["status"] == "completed" and done["summary"]["records"]["imported"] == 1, done
    assert [r["content"] for r in _export(importer)["records"]] == ["올려서 가져온 기록"]
    versions = s3.list_object_versions(Bucket=aws_services["bucket"], Prefix=prefix_for(importer))
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")


def test_an_uploaded_document_it_cannot_take_fails_with_the_reason(aws_services, user):
    import json

    form = call("POST", "/me/imports", user=user).body
    assert _upload(form, json.dumps(_document(version=2)).encode()) in (200, 201, 204)
    assert call("POST", f"/me/imports/{form['import_id']}/start", user=user).status == 202
    _work(aws_services)
    failed = call("GET", f"/me/imports/{form['import_id']}", user=user).body
    assert failed["status"] == "failed"
    assert failed["failure"].startswith("unsupported_version: version 2 of the export document")


def test_an_upload_that_never_arrives_leaves_nothing(aws_services, user, db):
    form = call("POST", "/me/imports", user=user).body
    refused = call("POST", f"/me/imports/{form['import_id']}/start", user=user)
    assert (refused.status, refused.body["error"]["code"]) == (409, "upload_missing")
    s3 = boto3.client("s3", endpoint_url=aws_services["endpoint"])
    assert not s3.list_object_versions(Bucket=aws_services["bucket"], Prefix=prefix_for(user)).get("Versions")
    assert call("GET", f"/me/imports/{form['import_id']}", user=user).body["status"] == "awaiting_upload"
    # Once the upload has expired, nothing can arrive any more: the import says so.
    db.execute("UPDATE imports SET created_at = now() - interval '2 hours' WHERE user_id = %s", (user,))
    gone = call("GET", f"/me/imports/{form['import_id']}", user=user).body
    assert gone["status"] == "failed" and "never uploaded" in gone["failure"]


@pytest.mark.parametrize("original", ["erased", "still there"])
def test_two_imports_of_one_document_at_once_store_nothing_twice(original, user, other_user, db, monkeypatch):
    """The first import holds its records uncommitted while the second tries the same ones: the
    second waits for them, then finds them the caller's (and does not re-key them as another's),
    whether the copies have the document's ids (its account erased) or re-keyed ones."""
    import threading
    import time

    from handler.composition import Services
    from handler.logic import data_import

    jot(user, "2026-11-25", "동시에 가져올 기록", "하나 더")
    document = _export(user)
    if original == "erased":
        assert call("DELETE", "/me", user=user).body == {"status": "erased"}  # no queue: at once
    first, second = Services.from_environment(), Services.from_environment()  # a connection each
    parsed = data_import.parse(document, first.acting_for(other_user))
    reached, release = threading.Event(), threading.Event()
    store_diaries = data_import._store_diaries

    def paused(tx, diaries, placed):
        if threading.current_thread().name == "first":
            reached.set()
            release.wait(60)
        return store_diaries(tx, diaries, placed)

    monkeypatch.setattr(data_import, "_store_diaries", paused)
    results: dict[str, Any] = {}

    def run(name: str, services: Services) -> None:
        results[name] = data_import.store(services.acting_for(other_user), parsed)

    threads = [
        threading.Thread(target=run, args=(name, s), name=name) for name, s in (("first", first), ("second", second))
    ]
    try:
        threads[0].start()
        assert reached.wait(60)
        threads[1].start()
        for _ in range(600):  # until the second import waits on the first's uncommitted rows
            db.execute("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            if db.fetchone()["n"]:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the second import never waited for the first")
        release.set()
        for thread in threads:
            thread.join(60)
    finally:
        release.set()
        first.store.close()
        second.store.close()
    assert results["first"].records.model_dump() == {"imported": 2, "present": 0}
    assert results["second"].records.model_dump() == {"imported": 0, "present": 2}
    assert results["second"].new_ids == 0
    assert results["first"].new_ids == (0 if original == "erased" else 2)
    assert _rows(db, other_user)["records"] == 2


def test_a_refusal_is_worded_in_the_callers_language(user):
    reply = call("POST", "/me/import", _document(version=2), user=user, headers={"accept-language": "ko-KR"})
    assert reply.body["error"] == {
        "code": "unsupported_version",
        "message": "가져올 수 없는 판(2)의 문서예요. 가져올 수 있는 판: [1]",
    }


def test_imported_texts_are_embedded_by_the_backfill_not_by_the_import(db, fake_bedrock, user, other_user):
    from handler import backfill
    from handler.dal.login_roles import BACKFILL_LOGIN
    from tests.integration.conftest import logged_in_as
    from tests.support.requests import FakeContext

    jot(user, "2026-05-01", "저녁에 파스타 만들어 먹었어")
    document = _export(user)
    fake_bedrock.reset()
    assert _import(other_user, document)["summary"]["records"]["imported"] == 1
    assert fake_bedrock.embedding_calls() == [] and fake_bedrock.converse_calls() == []  # no model call
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s AND embedding IS NULL", (other_user,))
    assert db.fetchone()["n"] == 1

    with logged_in_as(BACKFILL_LOGIN):  # the schedule's backfill, its own function and login
        assert backfill.lambda_handler({}, FakeContext())["failed"] == 0
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s AND embedding IS NULL", (other_user,))
    assert db.fetchone()["n"] == 0


def test_the_import_statements_reach_no_other_users_rows(user, other_user, db):
    """In SQL, acting for the importer under row-level security: another user's ids are not theirs,
    and an insert under such an id stores nothing and changes nothing."""
    from handler.dal.records import RecordCopy
    from tests.support import services

    [theirs] = jot(user, "2026-11-25", "A의 기록")
    db.execute("SELECT * FROM records WHERE id = %s", (theirs,))
    before = db.fetchone()
    importer = services.current().store.for_user(other_user)
    assert importer.records.held([uuid.UUID(theirs)]) == set()
    copy = RecordCopy(uuid.UUID(theirs), "B가 덮으려는 글", dt.date(2026, 11, 25), dt.datetime.now(dt.UTC), "B")
    assert importer.records.insert_absent([copy]) == set()
    db.execute("SELECT * FROM records WHERE id = %s", (theirs,))
    assert db.fetchone() == before
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s", (other_user,))
    assert db.fetchone()["n"] == 0
