"""Voice notes: a presigned upload of a recording, Amazon Transcribe (batch) in the worker, and the
record made of its text, which keeps a link to its audio.

Every AWS call is botocore's own over HTTP: S3 through the strict form-upload front before moto
(tests/fakes/s3_form_uploads.py), SQS on moto, Transcribe on tests/fakes/transcribe.py, reached by
AWS_ENDPOINT_URL_TRANSCRIBE: in awsJson1_1, which botocore 1.44 resolves for Transcribe, and once in
Smithy RPC v2 CBOR, the protocol the service model lists first. The fake "hears" the uploaded bytes
as text, so each test says what was spoken by what it uploads.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import boto3
import botocore.model
import botocore.session
import pytest
from botocore.validate import ParamValidator

from handler.aws.object_store import prefix_for
from handler.local.aws_stand_ins import receive, sqs_event
from tests.fakes import transcribe
from tests.fakes.s3_form_uploads import FormUploads, serve
from tests.integration.test_photos import _objects, _sweep, _upload
from tests.support import services
from tests.support.requests import call, invoke_raw

DAY = "2026-11-25"
KOREAN = "오늘 한강에서 자전거를 탔어"
ENGLISH = "I walked the dog by the river tonight"


@pytest.fixture
def aws(aws_services, monkeypatch) -> Iterator[dict]:
    uploads = FormUploads({"testing": "testing"})
    front = serve(uploads, aws_services["endpoint"])
    s3 = boto3.client("s3", endpoint_url=aws_services["endpoint"])
    fake = transcribe.FakeTranscribe(s3=s3)
    server = transcribe.serve(fake)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{front.server_address[1]}")
    monkeypatch.setenv("AWS_ENDPOINT_URL_TRANSCRIBE", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("TRANSCRIBE_POLL_S", "0.01")
    services.reload()
    yield {**aws_services, "client": s3, "transcribe": fake}
    server.shutdown()
    front.shutdown()


def _ask(user: str, audio: bytes, content_type: str = "audio/webm", **extra):
    body = {"content_type": content_type, "size_bytes": len(audio), **extra}
    return call("POST", "/voice-notes", body, user=user)


def _worker(aws: dict) -> dict:
    """The worker takes what the queue holds, through the function's entry point."""
    return invoke_raw(sqs_event(receive(aws["queue_url"], wait_s=1)))


def _spoken(aws: dict, user: str, words: str, **extra) -> dict:
    """Record, upload, hand over, run the worker: the note's state afterwards."""
    audio = words.encode()
    reply = _ask(user, audio, record_date=DAY, **extra)
    assert reply.status == 201, reply.body
    note_id = reply.body["voice_note"]["id"]
    assert _upload(reply.body["upload"], audio)[0] == 204
    handed = call("POST", f"/voice-notes/{note_id}/transcribe", user=user)
    assert handed.status == 202 and handed.body["status"] == "transcribing", handed.body
    assert _worker(aws) == {"batchItemFailures": []}
    return call("GET", f"/voice-notes/{note_id}", user=user).body


@pytest.mark.parametrize(("words", "language"), [(KOREAN, "ko-KR"), (ENGLISH, "en-US")])
def test_a_recording_becomes_a_record_that_links_its_audio(aws, user, words, language):
    note = _spoken(aws, user, words)

    assert note["status"] == "done" and note["failure"] is None and note["language_code"] == language
    listed = call("GET", "/records", query={"date": DAY}, user=user).body["items"]
    assert [r["id"] for r in listed] == [note["record_id"]]
    assert listed[0]["content"] == words
    audio = listed[0]["voice_note"]
    assert audio["voice_note_id"] == note["id"] and audio["language_code"] == language
    with urllib.request.urlopen(audio["url"], timeout=10) as answer:  # noqa: S310 - the local front
        assert answer.read() == words.encode()
    # Found by its words, as a typed record is (the same use case made its search terms).
    first_word = words.split()[0]
    found = call("GET", "/records", query={"q": first_word}, user=user).body["items"]
    assert note["record_id"] in [r["id"] for r in found]
    # What Transcribe was asked: identification between Korean and English, the media and the
    # transcript under the caller's own prefix.
    (start,) = [c for c in aws["transcribe"].calls if c.operation == "StartTranscriptionJob"]
    assert start.body["IdentifyLanguage"] is True and start.body["LanguageOptions"] == ["ko-KR", "en-US"]
    assert start.body["MediaFormat"] == "webm"
    assert (
        start.body["Media"]["MediaFileUri"] == f"s3://{aws['bucket']}/{prefix_for(user)}voice-notes/{note['id']}/audio"
    )
    assert start.body["OutputKey"].startswith(prefix_for(user)) and start.body["OutputBucketName"] == aws["bucket"]


@pytest.fixture(params=["json", "smithy-rpc-v2-cbor"])
def protocol(request, monkeypatch) -> str:
    """The protocol the function's Transcribe client speaks: botocore's own choice, or RPC v2 CBOR
    put first in botocore's order (as a botocore that prefers it would)."""
    if request.param != botocore.session.get_session().get_service_model("transcribe").resolved_protocol:
        order = botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS
        cbor_first = (request.param, *(p for p in order if p != request.param))
        monkeypatch.setattr(botocore.model, "PRIORITY_ORDERED_SUPPORTED_PROTOCOLS", cbor_first)
    return request.param


def test_botocore_here_sends_transcribe_requests_as_json_though_the_model_lists_cbor_first():
    model = botocore.session.get_session().get_service_model("transcribe")
    assert model.metadata["protocols"] == ["smithy-rpc-v2-cbor", "json"]
    assert model.resolved_protocol == "json"


def test_every_request_the_function_sent_is_valid_for_botocores_service_model(aws, user, protocol):
    """The requests as the fake received them (decoded from JSON or CBOR), against the model's
    shapes: botocore's own validator (required members, types, lengths) and the enums and patterns."""
    services.reload()
    note = _spoken(aws, user, KOREAN)
    assert note["status"] == "done"
    model = botocore.session.get_session().get_service_model("transcribe")
    calls = aws["transcribe"].calls
    assert {c.operation for c in calls} == {"StartTranscriptionJob", "GetTranscriptionJob"}
    for sent in calls:
        assert sent.protocol == protocol
        if protocol == "json":
            assert sent.headers["x-amz-target"] == f"Transcribe.{sent.operation}"
        else:
            assert (
                sent.headers["smithy-protocol"] == "rpc-v2-cbor" and sent.headers["content-type"] == "application/cbor"
            )
        shape = model.operation_model(sent.operation).input_shape
        report = ParamValidator().validate(sent.body, shape)
        assert not report.has_errors(), report.generate_report()
        assert transcribe.shape_problem(shape, sent.body, "") is None


def test_the_fake_refuses_what_transcribe_refuses(aws, protocol):
    """Through botocore's real client: the errors arrive as Transcribe's, in either protocol."""
    client = boto3.session.Session().client("transcribe")
    assert client.meta.service_model.resolved_protocol == protocol
    base = {"Media": {"MediaFileUri": "s3://b/k"}, "IdentifyLanguage": True, "LanguageOptions": ["ko-KR", "en-US"]}
    client.start_transcription_job(TranscriptionJobName="voice-note-a", **base)
    with pytest.raises(client.exceptions.ConflictException) as conflict:
        client.start_transcription_job(TranscriptionJobName="voice-note-a", **base)
    assert "unique" in str(conflict.value)
    # The whole name must match ^[0-9a-zA-Z._-]+, as Transcribe holds it (tests/fakes/transcribe.py).
    with pytest.raises(client.exceptions.BadRequestException, match="at 'transcriptionJobName' failed to satisfy"):
        client.start_transcription_job(TranscriptionJobName="voice/note", **base)
    with pytest.raises(client.exceptions.BadRequestException, match="length between 1 and 200"):
        client.start_transcription_job(TranscriptionJobName="v" * 201, **base)
    with pytest.raises(client.exceptions.BadRequestException, match="exactly one"):
        client.start_transcription_job(TranscriptionJobName="voice-note-b", LanguageCode="ko-KR", **base)
    with pytest.raises(client.exceptions.BadRequestException, match="not one of"):
        client.start_transcription_job(TranscriptionJobName="voice-note-c", MediaFormat="aiff", **base)
    with pytest.raises(client.exceptions.BadRequestException, match="couldn't be found"):
        client.get_transcription_job(TranscriptionJobName="voice-note-none")


def test_transcribe_failing_fails_the_note_with_its_reason_and_stores_nothing(aws, user, db):
    aws["transcribe"].fail_next.append("The media format provided does not match the detected media format.")
    note = _spoken(aws, user, KOREAN)

    assert note["status"] == "failed" and note["record_id"] is None
    assert "does not match the detected media format" in note["failure"]
    assert call("GET", "/records", query={"date": DAY}, user=user).body["items"] == []
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 0


def test_nothing_heard_fails_the_note(aws, user):
    note = _spoken(aws, user, "   ")
    assert note["status"] == "failed" and "no speech" in note["failure"]


def test_a_note_is_handed_over_only_once_its_audio_is_there(aws, user):
    reply = _ask(user, b"never uploaded")
    note_id = reply.body["voice_note"]["id"]
    handed = call("POST", f"/voice-notes/{note_id}/transcribe", user=user)
    assert handed.status == 409 and handed.body["error"]["code"] == "not_uploaded"
    assert call("GET", f"/voice-notes/{note_id}", user=user).body["status"] == "uploading"
    assert aws["transcribe"].calls == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"content_type": "audio/aiff", "size_bytes": 10}, 422),
        ({"content_type": "audio/webm", "size_bytes": 0}, 422),
        ({"content_type": "audio/webm", "size_bytes": "10"}, 422),
        ({"content_type": "audio/webm", "size_bytes": 10, "record_date": "2999-01-01"}, 422),
        ({"content_type": "audio/webm", "size_bytes": 10, "user_id": "someone"}, 422),
        ({"content_type": "audio/webm", "size_bytes": 3 * 1024**3}, 422),
    ],
)
def test_bad_input_is_a_4xx_and_stores_nothing(aws, user, db, body, status):
    reply = call("POST", "/voice-notes", body, user=user)
    assert reply.status == status, reply.body
    db.execute("SELECT count(*) AS n FROM voice_notes WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 0


def test_another_users_note_is_not_found(aws, user, other_user):
    note_id = _ask(user, b"mine").body["voice_note"]["id"]
    assert call("GET", f"/voice-notes/{note_id}", user=other_user).status == 404
    assert call("POST", f"/voice-notes/{note_id}/transcribe", user=other_user).status == 404
    assert call("GET", f"/voice-notes/{note_id}", user=user).status == 200


def test_deleted_with_its_record_exported_and_erased_with_the_user(aws, user, db):
    note = _spoken(aws, user, ENGLISH)
    exported = call("GET", "/me/export", user=user).body
    assert [n["id"] for n in exported["voice_notes"]] == [note["id"]]
    assert exported["records"][0]["voice_note"]["voice_note_id"] == note["id"]

    assert _objects(aws, f"{prefix_for(user)}voice-notes/")  # audio and transcript
    assert call("DELETE", f"/records/{note['record_id']}", user=user).status == 204
    assert call("GET", f"/voice-notes/{note['id']}", user=user).status == 404
    assert _objects(aws, f"{prefix_for(user)}voice-notes/") == []

    second = _spoken(aws, user, KOREAN)
    assert second["status"] == "done"
    assert call("DELETE", "/me", user=user).status == 202
    assert invoke_raw(sqs_event(receive(aws["erasure_queue_url"], wait_s=1))) == {"batchItemFailures": []}
    db.execute("SELECT count(*) AS n FROM voice_notes WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 0
    assert _objects(aws, prefix_for(user)) == []


def test_a_job_still_running_is_left_to_the_next_delivery_then_finished(aws, user, monkeypatch):
    """Transcribe not done within TRANSCRIBE_WAIT_S: the message fails back to the queue (a batch
    item failure), the note stays transcribing, and the next delivery finishes it without starting
    a second job."""
    monkeypatch.setenv("TRANSCRIBE_WAIT_S", "0")
    services.reload()
    aws["transcribe"].polls_before_done = 1
    audio = ENGLISH.encode()
    reply = _ask(user, audio, record_date=DAY)
    note_id = reply.body["voice_note"]["id"]
    _upload(reply.body["upload"], audio)
    call("POST", f"/voice-notes/{note_id}/transcribe", user=user)
    messages = receive(aws["queue_url"], wait_s=1)
    first = invoke_raw(sqs_event(messages))
    assert first == {"batchItemFailures": [{"itemIdentifier": messages[0]["MessageId"]}]}
    assert call("GET", f"/voice-notes/{note_id}", user=user).body["status"] == "transcribing"

    again = [{**messages[0], "Attributes": {**messages[0]["Attributes"], "ApproximateReceiveCount": "2"}}]
    assert invoke_raw(sqs_event(again)) == {"batchItemFailures": []}
    note = call("GET", f"/voice-notes/{note_id}", user=user).body
    assert note["status"] == "done"
    starts = [c for c in aws["transcribe"].calls if c.operation == "StartTranscriptionJob"]
    assert len(starts) == 2 and len(aws["transcribe"].jobs) == 1  # the second met ConflictException


def test_a_note_never_handed_over_is_swept_with_its_audio(aws, user, db):
    """Uploaded (or not) but never sent to Transcribe: a day past its upload window the retention
    sweep deletes the row and the object; a note handed over is kept."""
    audio = b"uploaded, then the app was closed"
    kept = _spoken(aws, user, ENGLISH)
    reply = _ask(user, audio)
    note_id = reply.body["voice_note"]["id"]
    assert _upload(reply.body["upload"], audio)[0] == 204
    never = _ask(user, b"never uploaded").body["voice_note"]["id"]
    db.execute(
        "UPDATE voice_notes SET upload_expires_at = now() - interval '25 hours' WHERE id = ANY(%s::uuid[])",
        ([note_id, never, kept["id"]],),
    )

    _sweep(aws)

    db.execute("SELECT id::text FROM voice_notes WHERE user_id = %s", (user,))
    assert [row["id"] for row in db.fetchall()] == [kept["id"]]
    assert _objects(aws, f"{prefix_for(user)}voice-notes/{note_id}/") == []
    assert _objects(aws, f"{prefix_for(user)}voice-notes/{kept['id']}/")
    assert call("GET", f"/voice-notes/{kept['id']}", user=user).body["status"] == "done"


def test_an_erased_users_open_form_is_left_over_for_the_sweep(aws, user, db):
    """The form of a note still uploading cannot be taken back: its key stays in photo_leftovers
    until the form expires, and nothing else of the user."""
    reply = _ask(user, b"late")
    assert call("DELETE", "/me", user=user).status == 202
    assert invoke_raw(sqs_event(receive(aws["erasure_queue_url"], wait_s=1))) == {"batchItemFailures": []}
    db.execute("SELECT s3_key FROM photo_leftovers WHERE user_id = %s", (user,))
    assert [row["s3_key"] for row in db.fetchall()] == [reply.body["upload"]["fields"]["key"]]


def test_an_erased_users_note_in_transcription_leaves_its_prefix_over_for_the_transcript(aws, user, db):
    """Transcribe writes its transcript when it finishes, perhaps after the user is erased: the note's
    prefix is kept for the sweep, which deletes whatever arrived."""
    audio = KOREAN.encode()
    reply = _ask(user, audio)
    note_id = reply.body["voice_note"]["id"]
    _upload(reply.body["upload"], audio)
    call("POST", f"/voice-notes/{note_id}/transcribe", user=user)  # queued, not yet run
    assert call("DELETE", "/me", user=user).status == 202
    assert invoke_raw(sqs_event(receive(aws["erasure_queue_url"], wait_s=1))) == {"batchItemFailures": []}
    db.execute("SELECT s3_key, delete_after > now() AS later FROM photo_leftovers WHERE user_id = %s", (user,))
    assert [(row["s3_key"], row["later"]) for row in db.fetchall()] == [
        (f"{prefix_for(user)}voice-notes/{note_id}/", True)
    ]
