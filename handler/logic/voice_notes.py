"""Voice notes: a recording the client uploads straight to S3, which Amazon Transcribe (batch, run by
the worker) turns into a record that keeps a link to its audio.

1. `ask_upload` (POST /voice-notes) stores the note `uploading` and answers a presigned S3 POST bound
   to its key under the caller's prefix, its type and exact size: the photos' upload
   (handler.aws.object_store.presigned_post), for the same reasons.
2. `transcribe` (POST /voice-notes/{id}/transcribe), asked by the client once its upload succeeded,
   checks the audio is there (a HEAD), marks the note `transcribing` and queues the job. An explicit
   call rather than an S3 event or a HEAD on a later listing: the client knows when its upload ended,
   the note starts at once, and nothing else (a notification configuration, a listing that may never
   come) is needed to move it on.
3. The job (`run_transcription`, in the worker) starts Transcribe's job (named after the note, so a
   redelivery finds the job its earlier delivery started: ConflictException), waits up to
   TRANSCRIBE_WAIT_S for it, and leaves a job still running to the queue's next delivery (the
   function has 29 s; the queue redelivers after its visibility timeout). COMPLETED: the transcript
   Transcribe wrote under the note's prefix is read and stored as a record (records.new_record, the
   same search terms and embedding POST /records makes) in the transaction that marks the note
   `done`. FAILED, an empty or too long transcript, or the last delivery: `failed` with the reason,
   and no record.

A note goes with its record (audio and transcript deleted, every version) and with its user (the
erasure deletes the user's whole prefix, then the rows; the key of a note whose form is still valid
is left over for the sweep, as a photo's); it is exported with the user. A note never handed over is
deleted by the retention sweep, row and objects, a day after its upload window.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

from aws_lambda_powertools import Logger

from handler.aws import object_store, transcription
from handler.composition import Caller, Services
from handler.dal.store import BoundStore
from handler.dal.voice_notes import StoredVoiceNote, VoiceNoteDraft
from handler.errors import AwsUnavailable, Conflict, NotConfigured, NotFound, Unprocessable
from handler.logic import jobs, records
from handler.models import MAX_RECORD_CHARS, PresignedForm, VoiceNote, VoiceNoteUpload

logger = Logger(child=True)

TRANSCRIBE = "transcribe"
NOT_QUEUED = "the transcription could not be queued; upload the note again"
TOO_LONG = "Transcribe did not finish while the job could wait; record the note again"
NOTHING_HEARD = "no speech was recognised in the recording"
TOO_MUCH = f"the note's text is longer than a record holds ({MAX_RECORD_CHARS} characters); record a shorter note"


class StillTranscribing(AwsUnavailable):
    """Transcribe has not finished yet: the queue delivers the job again later."""


class _Superseded(Exception):
    """The note stopped transcribing while its text was stored (erased, or done by another delivery)."""


def ask_upload(caller: Caller, content_type: str, size_bytes: int, record_date: dt.date | None) -> VoiceNoteUpload:
    """A note `uploading`, and the form that uploads its audio."""
    settings = caller.settings
    if size_bytes > settings.voice_max_bytes:
        raise Unprocessable(f"a voice note is at most {settings.voice_max_bytes} bytes", code="voice_note_too_large")
    records.check_not_ahead(caller, record_date)
    note_id = uuid.uuid4()
    key = object_store.voice_note_key_for(caller.user_id, note_id)
    post = object_store.of(caller.services).presigned_post(
        key, content_type, size_bytes, settings.voice_upload_expiry_s
    )
    stored = caller.store.voice_notes.insert(
        VoiceNoteDraft(note_id, key, content_type, size_bytes, record_date, post.expires_at)
    )
    return VoiceNoteUpload(
        voice_note=shown(stored),
        upload=PresignedForm(url=post.url, fields=post.fields, expires_at=post.expires_at),
    )


def get(caller: Caller, note_id: uuid.UUID) -> VoiceNote:
    stored = caller.store.voice_notes.get(note_id)
    if stored is None:
        raise NotFound("no such voice note")
    return shown(stored)


def transcribe(caller: Caller, note_id: uuid.UUID) -> VoiceNote:
    """Hand an uploaded note to the worker. Asked again for a note already handed over: its state."""
    stored = caller.store.voice_notes.get(note_id)
    if stored is None:
        raise NotFound("no such voice note")
    if stored.status != "uploading":
        return shown(stored)
    if not object_store.of(caller.services).exists(stored.s3_key):
        raise Conflict("the recording has not been uploaded yet", code="not_uploaded")
    started = caller.store.voice_notes.start_transcribing(note_id)
    if started is None:  # another request handed it over meanwhile
        return get(caller, note_id)
    jobs.submit(
        caller.services.aws,
        caller.settings.job_queue_url,
        TRANSCRIBE,
        lambda last_try: run_transcription(caller, note_id, last_try),
        unqueued=lambda: caller.store.voice_notes.fail(note_id, NOT_QUEUED),
        user_id=caller.user_id,
        voice_note_id=str(note_id),
    )
    return get(caller, note_id)


def run_transcription(caller: Caller, note_id: uuid.UUID, last_try: bool) -> None:
    """The transcription job (handler.logic.jobs): on its last try a fault, or Transcribe still
    running, fails the note with the reason instead of leaving it transcribing."""
    stored = caller.store.voice_notes.get(note_id)
    if stored is None or stored.status != "transcribing":
        return  # done by an earlier delivery, or erased with its user

    def fail(exc: Exception) -> None:
        caller.store.voice_notes.fail(note_id, TOO_LONG if isinstance(exc, StillTranscribing) else _reason(exc))

    jobs.attempt(lambda: _transcribe(caller, stored), fail, last_try, voice_note_id=str(note_id))


def _reason(exc: Exception) -> str:
    """What the user is told: a rule the note broke in its own words (a `record_date` too far ahead),
    anything else (storage or Transcribe down through every delivery) in general terms."""
    if isinstance(exc, Unprocessable):
        return exc.client_message
    return "the transcription failed; record the note again"


def _transcribe(caller: Caller, note: StoredVoiceNote) -> None:
    settings, aws = caller.settings, caller.services.aws
    bucket = settings.image_bucket
    if not bucket:
        raise NotConfigured("voice notes need the bucket (IMAGE_BUCKET)")
    name = transcription.job_name(note.id)
    transcript_key = object_store.transcript_key_for(caller.user_id, note.id)
    media_format = transcription.MEDIA_FORMATS[note.content_type]
    transcription.start(aws, name, bucket, note.s3_key, media_format, transcript_key)
    deadline = time.monotonic() + settings.transcribe_wait_s
    job = transcription.state(aws, name)
    while job.status in ("QUEUED", "IN_PROGRESS") and time.monotonic() < deadline:
        time.sleep(min(settings.transcribe_poll_s, max(0.0, deadline - time.monotonic())))
        job = transcription.state(aws, name)
    if job.status in ("QUEUED", "IN_PROGRESS"):
        raise StillTranscribing("Transcribe is still working on the note")
    if job.status != "COMPLETED":
        # Transcribe's own reason (an unsupported or corrupt file, ...): no later try changes it.
        caller.store.voice_notes.fail(note.id, f"Transcribe failed: {job.failure or 'no reason given'}")
        return
    text = _text(object_store.of(caller.services).read(transcript_key))
    if not text:
        caller.store.voice_notes.fail(note.id, NOTHING_HEARD)
        return
    if len(text) > MAX_RECORD_CHARS:
        caller.store.voice_notes.fail(note.id, TOO_MUCH)
        return
    draft = records.new_record(caller, text, note.record_date)
    try:
        with caller.store.transaction() as tx:
            record = tx.records.insert(draft)
            if not tx.voice_notes.complete(note.id, record.id, job.language_code):
                raise _Superseded  # undoes the record with the transaction
    except _Superseded:
        logger.info("the voice note was no longer transcribing; its record was not kept")


def _text(transcript: bytes) -> str:
    """The text of Transcribe's output document: results.transcripts[0].transcript
    (https://docs.aws.amazon.com/transcribe/latest/dg/how-input.html#how-output)."""
    document = json.loads(transcript)
    return " ".join(t.get("transcript", "") for t in document["results"]["transcripts"]).strip()


def purge_abandoned(services: Services, store: BoundStore, limit: int) -> int:
    """The retention sweep's: notes never handed over, a day past their upload window (as
    diary_retention, which sees only those): rows and every S3 version under each note's prefix,
    inside one transaction (S3 fails: nothing is deleted). How many."""
    with store.transaction() as tx:
        keys = tx.voice_notes.delete_abandoned(limit)
        for key in keys:
            object_store.of(services).delete_everything(key.rsplit("/", 1)[0] + "/")
    return len(keys)


def shown(stored: StoredVoiceNote) -> VoiceNote:
    return VoiceNote(
        id=stored.id,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        record_date=stored.record_date,
        status=stored.status,
        record_id=stored.record_id,
        language_code=stored.language_code,
        failure=stored.failure,
        created_at=stored.created_at,
        updated_at=stored.updated_at,
    )
