"""POST /voice-notes (a presigned upload), POST /voice-notes/{id}/transcribe, GET /voice-notes/{id}."""

import uuid
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from handler.api.errors import READ_FAILURES, WRITE_FAILURES, documented
from handler.api.idempotency import idempotent
from handler.api.identity import Caller
from handler.api.schemas import NewVoiceNote
from handler.logic import voice_notes
from handler.models import VoiceNote, VoiceNoteUpload

router = Router()


@router.post(
    "/voice-notes",
    summary="Record a voice note: a presigned S3 upload for its audio",
    description="Answers a voice note `uploading` and an HTML form upload (POST `upload.url` as multipart/form-data "
    "with every one of `upload.fields`, then the file as `file`, last) that S3 accepts only for this note's key, "
    "with exactly the `content_type` and `size_bytes` asked for, until `upload.expires_at`. Once uploaded, POST "
    "/voice-notes/{id}/transcribe. 422 `voice_note_too_large` past VOICE_MAX_BYTES, `future_date` for a "
    "`record_date` past tomorrow. With an `Idempotency-Key`, a retry gets the same note and form.",
    responses=documented(201, "The voice note and its upload form", *WRITE_FAILURES),
    middlewares=[idempotent],
)
def ask_voice_upload(body: NewVoiceNote, caller: Caller) -> Response[VoiceNoteUpload]:
    upload = voice_notes.ask_upload(caller, body.content_type, body.size_bytes, body.record_date)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=upload)


@router.post(
    "/voice-notes/<voice_note_id>/transcribe",
    summary="Turn an uploaded voice note into a record (Amazon Transcribe, Korean or English, in the worker)",
    description="Answers the note `transcribing` (202); poll GET /voice-notes/{id} until it is `done` (its "
    "`record_id`) or `failed` (its `failure`, and no record). Asked again for a note already handed over: its "
    "state, unchanged. 404 for a note that is not the caller's; 409 `not_uploaded` while its audio is not in "
    "the bucket.",
    responses=documented(202, "The voice note, handed to the worker", 404, *WRITE_FAILURES),
)
def transcribe_voice_note(voice_note_id: Annotated[uuid.UUID, Path()], caller: Caller) -> Response[VoiceNote]:
    note = voice_notes.transcribe(caller, voice_note_id)
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=note)


@router.get(
    "/voice-notes/<voice_note_id>",
    summary="One of the caller's voice notes: uploading, transcribing, done (with its record) or failed (why)",
    responses=documented(200, "The voice note", 404, *READ_FAILURES),
)
def get_voice_note(voice_note_id: Annotated[uuid.UUID, Path()], caller: Caller) -> VoiceNote:
    return voice_notes.get(caller, voice_note_id)
