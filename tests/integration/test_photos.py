"""Photos on records: a presigned S3 POST bound to the caller's prefix, a content type and an exact
size; listed with their record, deleted with it, exported, erased, counted, and swept when their
upload never comes.

moto's server takes a form POST but enforces none of its policy, so every S3 request of these tests
goes through tests/fakes/s3_form_uploads.py, which checks a form upload as S3 documents it (the
signature, the expiration, every condition, every field named) and passes the rest on to moto.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator

import boto3
import pytest

from handler.aws.object_store import prefix_for
from handler.local.aws_stand_ins import receive, sqs_event
from tests.fakes.s3_form_uploads import FormUploads, serve
from tests.support import services
from tests.support.requests import call, invoke_raw, jot

DAY = "2026-11-25"
JPEG = b"\xff\xd8\xff\xe0" + b"photo bytes " * 100


@pytest.fixture
def s3(aws_services, monkeypatch) -> Iterator[dict]:
    """The function's S3 is the strict form-upload front before moto (SQS stays moto's own)."""
    uploads = FormUploads({"testing": "testing"})
    server = serve(uploads, aws_services["endpoint"])
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{server.server_address[1]}")
    services.reload()
    client = boto3.client("s3", endpoint_url=aws_services["endpoint"])
    yield {**aws_services, "uploads": uploads, "client": client}
    server.shutdown()


def _ask(user: str, record_id: str, content_type: str = "image/jpeg", size: int = len(JPEG)):
    return call("POST", f"/records/{record_id}/photos", {"content_type": content_type, "size_bytes": size}, user=user)


def _upload(upload: dict, data: bytes, fields: dict | None = None) -> tuple[int, str]:
    """The browser's form POST: every field, then the file, last."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (fields if fields is not None else upload["fields"]).items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(  # noqa: S310 - the local front
        upload["url"], data=body, method="POST", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - the local front
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _objects(s3: dict, prefix: str) -> list[str]:
    listed = s3["client"].list_object_versions(Bucket=s3["bucket"], Prefix=prefix)
    return [v["Key"] for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])]


def _photos_of(user: str) -> list[dict]:
    return call("GET", "/records", query={"date": DAY}, user=user).body["items"][0]["photos"]


def test_the_policy_has_exactly_the_conditions_s3_documents_for_one_object(s3, user):
    """https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html: the policy
    holds `expiration` and `conditions`; for SigV4 the conditions name x-amz-algorithm, x-amz-credential
    and x-amz-date; every form field but x-amz-signature, file and policy appears in a condition; the
    key is matched exactly (under the caller's prefix), the Content-Type exactly, and the size by a
    content-length-range whose bounds are both the declared size."""
    (record_id,) = jot(user, DAY, "바다에 갔어")
    reply = _ask(user, record_id, "image/webp", 12345)
    assert reply.status == 201, reply.body
    upload, photo = reply.body["upload"], reply.body["photo"]
    fields = upload["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    key = fields["key"]
    assert key.startswith(prefix_for(user) + f"photos/{record_id}/") and key.endswith(f"{photo['id']}.webp")
    day = fields["x-amz-date"][:8]
    assert set(policy) == {"expiration", "conditions"}
    assert sorted(map(json.dumps, policy["conditions"])) == sorted(
        map(
            json.dumps,
            [
                {"Content-Type": "image/webp"},
                ["content-length-range", 12345, 12345],
                {"bucket": s3["bucket"]},
                {"key": key},
                {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
                {"x-amz-credential": f"testing/{day}/us-east-1/s3/aws4_request"},
                {"x-amz-date": fields["x-amz-date"]},
            ],
        )
    )
    named = {next(iter(c)).lower() for c in policy["conditions"] if isinstance(c, dict)}
    assert {name.lower() for name in fields} - {"x-amz-signature", "policy"} <= named
    expires = dt.datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert dt.datetime.fromisoformat(upload["expires_at"]) == expires
    signed_at = dt.datetime.strptime(fields["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    assert (
        dt.timedelta(0) < expires - signed_at <= dt.timedelta(seconds=services.current().settings.photo_upload_expiry_s)
    )
    assert photo["status"] == "pending" and photo["url"] is None


def test_an_uploaded_photo_is_listed_stored_with_a_url_that_serves_it(s3, user, db):
    (record_id,) = jot(user, DAY, "카페에서 케이크")
    reply = _ask(user, record_id)
    assert _photos_of(user)[0]["status"] == "pending"

    assert _upload(reply.body["upload"], JPEG)[0] == 204
    assert s3["uploads"].accepted == [reply.body["upload"]["fields"]["key"]]

    (photo,) = _photos_of(user)
    assert (photo["id"], photo["status"], photo["size_bytes"]) == (reply.body["photo"]["id"], "stored", len(JPEG))
    with urllib.request.urlopen(photo["url"], timeout=10) as answer:  # noqa: S310 - the local front
        assert answer.read() == JPEG
    db.execute("SELECT status FROM photos WHERE id = %s", (photo["id"],))
    assert db.fetchone()["status"] == "stored"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("one byte more", "EntityTooLarge"),
        ("one byte less", "EntityTooSmall"),
        ("another type", "AccessDenied"),
        ("another user's key", "AccessDenied"),
        ("a field the policy does not name", "AccessDenied"),
        ("a policy of its own", "SignatureDoesNotMatch"),
    ],
)
def test_s3_refuses_an_upload_the_policy_does_not_allow_and_stores_nothing(s3, user, other_user, change, code):
    (record_id,) = jot(user, DAY, "사진")
    upload = _ask(user, record_id).body["upload"]
    fields, data = dict(upload["fields"]), JPEG
    if change == "one byte more":
        data = JPEG + b"x"
    elif change == "one byte less":
        data = JPEG[:-1]
    elif change == "another type":
        fields["Content-Type"] = "text/html"
    elif change == "another user's key":
        fields["key"] = prefix_for(other_user) + "photos/x.jpg"
    elif change == "a field the policy does not name":
        fields["acl"] = "public-read"
    else:
        policy = json.loads(base64.b64decode(fields["policy"]))
        policy["conditions"][1] = ["content-length-range", 1, 10**9]
        fields["policy"] = base64.b64encode(json.dumps(policy).encode()).decode()

    status, text = _upload(upload, data, fields)

    assert status in (400, 403) and f"<Code>{code}</Code>" in text
    assert s3["uploads"].refused and s3["uploads"].refused[-1][0] == code
    assert _objects(s3, prefix_for(user)) == [] and _objects(s3, prefix_for(other_user)) == []
    assert _photos_of(user)[0]["status"] == "pending"


def _sweep(s3: dict) -> dict:
    """The worker's hourly retention job, through the queue and the entry point, as the schedule sends it."""
    boto3.client("sqs", endpoint_url=s3["endpoint"]).send_message(
        QueueUrl=s3["queue_url"], MessageBody=json.dumps({"job": "purge_expired"})
    )
    assert invoke_raw(sqs_event(receive(s3["queue_url"], wait_s=1))) == {"batchItemFailures": []}


def _window_passes(db, photo_id: str) -> None:
    """The upload window ends (the row's expiration moved back: no test waits for a clock)."""
    db.execute("UPDATE photos SET upload_expires_at = now() - interval '1 minute' WHERE id = %s", (photo_id,))


def test_an_abandoned_upload_leaves_nothing_in_the_database_or_the_bucket(s3, user, db):
    (record_id,) = jot(user, DAY, "올리다 만 사진")
    photo_id = _ask(user, record_id).body["photo"]["id"]
    db.execute("SELECT count(*) AS n FROM photos WHERE id = %s", (photo_id,))
    assert db.fetchone()["n"] == 1

    _window_passes(db, photo_id)
    assert _photos_of(user) == []  # never listed once its window is over
    _sweep(s3)

    db.execute("SELECT count(*) AS n FROM photos WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 0
    assert _objects(s3, prefix_for(user)) == []


def test_an_upload_that_arrived_but_was_never_listed_is_kept_by_the_sweep(s3, user, db):
    (record_id,) = jot(user, DAY, "늦게 확인한 사진")
    reply = _ask(user, record_id)
    assert _upload(reply.body["upload"], JPEG)[0] == 204
    _window_passes(db, reply.body["photo"]["id"])

    _sweep(s3)

    (photo,) = _photos_of(user)
    assert photo["status"] == "stored" and photo["url"]
    assert _objects(s3, prefix_for(user)) == [reply.body["upload"]["fields"]["key"]]


def test_a_photo_goes_with_its_record_every_version_of_it(s3, user, db):
    (record_id, kept_id) = jot(user, DAY, "지울 기록", "남길 기록")
    first = _ask(user, record_id).body
    assert _upload(first["upload"], JPEG)[0] == 204
    # A second version under the same key: a versioned bucket keeps both.
    s3["client"].put_object(Bucket=s3["bucket"], Key=first["upload"]["fields"]["key"], Body=b"again")
    pending = _ask(user, record_id).body
    kept = _ask(user, kept_id).body
    assert _upload(kept["upload"], JPEG)[0] == 204

    assert call("DELETE", f"/records/{record_id}", user=user).status == 204

    db.execute("SELECT id FROM photos WHERE user_id = %s", (user,))
    assert [row["id"] for row in db.fetchall()] == [uuid.UUID(kept["photo"]["id"])]
    assert _objects(s3, prefix_for(user)) == [kept["upload"]["fields"]["key"]]
    assert pending["photo"]["id"] != kept["photo"]["id"]


def test_one_photo_can_be_deleted_alone(s3, user, other_user):
    (record_id,) = jot(user, DAY, "한 장만 지우기")
    reply = _ask(user, record_id).body
    assert _upload(reply["upload"], JPEG)[0] == 204
    path = f"/records/{record_id}/photos/{reply['photo']['id']}"

    assert call("DELETE", path, user=other_user).status == 404
    assert call("DELETE", path, user=user).status == 204
    assert call("DELETE", path, user=user).status == 404
    assert _photos_of(user) == [] and _objects(s3, prefix_for(user)) == []


def test_photos_are_exported_with_their_record_and_erased_with_the_user(s3, user, db):
    (record_id,) = jot(user, DAY, "내보낼 사진")
    reply = _ask(user, record_id).body
    assert _upload(reply["upload"], JPEG)[0] == 204

    document = call("GET", "/me/export", user=user).body
    (record,) = document["records"]
    (photo,) = record["photos"]
    assert (photo["id"], photo["status"], photo["content_type"]) == (reply["photo"]["id"], "stored", "image/jpeg")
    with urllib.request.urlopen(photo["url"], timeout=10) as answer:  # noqa: S310 - the local front
        assert answer.read() == JPEG

    assert call("DELETE", "/me", user=user).status == 202
    assert invoke_raw(sqs_event(receive(s3["erasure_queue_url"], wait_s=1))) == {"batchItemFailures": []}
    db.execute("SELECT count(*) AS n FROM photos WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 0
    assert _objects(s3, prefix_for(user)) == []


def test_a_photo_is_refused_for_what_it_cannot_be(s3, user, other_user, monkeypatch):
    (record_id,) = jot(user, DAY, "제한")
    assert _ask(other_user, record_id).status == 404  # not the caller's record
    assert _ask(user, str(uuid.uuid4())).status == 404
    refused = _ask(user, record_id, "image/gif")
    assert refused.status == 422
    too_large = _ask(user, record_id, size=services.current().settings.photo_max_bytes + 1)
    assert (too_large.status, too_large.body["error"]["code"]) == (422, "photo_too_large")
    assert _ask(user, record_id, size=0).status == 422

    monkeypatch.setenv("PHOTOS_PER_RECORD", "1")
    services.reload()
    assert _ask(user, record_id).status == 201
    full = _ask(user, record_id)
    assert (full.status, full.body["error"]["code"]) == (409, "too_many_photos")


def test_photos_count_in_the_users_day_and_a_refusal_counts_nothing(s3, user, monkeypatch):
    (record_id,) = jot(user, DAY, "하루 한도")
    monkeypatch.setenv("PHOTOS_PER_DAY", "2")
    monkeypatch.setenv("PHOTO_BYTES_PER_DAY", str(3 * len(JPEG)))
    services.reload()

    assert _ask(user, record_id, size=2 * len(JPEG)).status == 201
    too_many_bytes = _ask(user, record_id, size=len(JPEG) + 1)
    assert (too_many_bytes.status, too_many_bytes.body["error"]["limit"]) == (429, "photo_bytes")
    assert int(too_many_bytes.headers["retry-after"]) > 0
    assert _ask(user, record_id, size=len(JPEG)).status == 201
    too_many = _ask(user, record_id, size=1)
    assert (too_many.status, too_many.body["error"]["limit"]) == (429, "photos")

    usage = call("GET", "/me/usage", user=user).body
    assert usage["photos"] == {"used": 2, "limit": 2, "remaining": 0}
    assert usage["photo_bytes"]["used"] == 3 * len(JPEG)
    assert len(_photos_of(user)) == 2


def _forms_expire(db, user: str) -> None:
    db.execute("UPDATE photo_leftovers SET delete_after = now() - interval '1 minute' WHERE user_id = %s", (user,))


@pytest.mark.parametrize("deleted", ["the photo", "its record", "its user"])
def test_a_form_used_after_its_photo_was_deleted_leaves_nothing_once_it_expires(s3, user, db, deleted):
    """A presigned POST cannot be taken back: what it uploads after the delete is swept after it expires."""
    (record_id,) = jot(user, DAY, "지우고 나서 올라온 사진")
    reply = _ask(user, record_id).body
    if deleted == "the photo":
        assert call("DELETE", f"/records/{record_id}/photos/{reply['photo']['id']}", user=user).status == 204
    elif deleted == "its record":
        assert call("DELETE", f"/records/{record_id}", user=user).status == 204
    else:
        assert call("DELETE", "/me", user=user).status == 202
        assert invoke_raw(sqs_event(receive(s3["erasure_queue_url"], wait_s=1))) == {"batchItemFailures": []}
    db.execute("SELECT count(*) AS n FROM photos WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 0

    assert _upload(reply["upload"], JPEG)[0] == 204  # the form still works
    assert _objects(s3, prefix_for(user)) == [reply["upload"]["fields"]["key"]]
    _sweep(s3)
    assert _objects(s3, prefix_for(user)) != []  # not before the form has expired
    _forms_expire(db, user)
    _sweep(s3)

    assert _objects(s3, prefix_for(user)) == []
    db.execute("SELECT count(*) AS n FROM photo_leftovers WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 0


def test_a_stored_photo_leaves_nothing_over_when_deleted(s3, user, db):
    (record_id,) = jot(user, DAY, "올린 사진 지우기")
    reply = _ask(user, record_id).body
    assert _upload(reply["upload"], JPEG)[0] == 204
    assert _photos_of(user)[0]["status"] == "stored"
    assert call("DELETE", f"/records/{record_id}", user=user).status == 204
    db.execute("SELECT count(*) AS n FROM photo_leftovers WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 0


def test_a_retried_ask_gets_the_same_form_and_counts_once(s3, user):
    (record_id,) = jot(user, DAY, "다시 보낸 요청")
    body = {"content_type": "image/png", "size_bytes": 1000}
    first, again = (
        call("POST", f"/records/{record_id}/photos", body, user=user, headers={"idempotency-key": "photo-1"})
        for _ in range(2)
    )
    assert first.status == again.status == 201
    assert first.body == again.body
    assert len(_photos_of(user)) == 1
    assert call("GET", "/me/usage", user=user).body["photos"]["used"] == 1


def test_concurrent_asks_on_one_record_stop_exactly_at_its_limit(s3, test_database, tmp_path, user, db):
    """12 asks at once from 4 processes (Lambda containers) at PHOTOS_PER_RECORD=5: the day's row of
    the user, locked by each admission, puts them one after another."""
    from tests.integration.test_quotas import PER_PROCESS, PROCESSES, _at_once

    (record_id,) = jot(user, DAY, "동시에 올린 사진")
    body = {"content_type": "image/jpeg", "size_bytes": 1000}
    answers = _at_once(test_database, tmp_path, user, f"/records/{record_id}/photos", body, {"PHOTOS_PER_RECORD": "5"})

    statuses = Counter(answer["status"] for answer in answers)
    assert statuses == {201: 5, 409: PROCESSES * PER_PROCESS - 5}, statuses
    db.execute("SELECT count(*) AS n FROM photos WHERE record_id = %s", (record_id,))
    assert db.fetchone()["n"] == 5
    db.execute("SELECT photos FROM model_usage WHERE user_id = %s", (user,))
    assert db.fetchone()["photos"] == 5  # a refused ask counts nothing
