"""A record's recording, for those transcribed from a voice note (handler.logic.voice_notes): shown
with the record (a fresh presigned URL) and deleted with it. Apart from voice_notes, which stores its
records through handler.logic.records, so that records needs neither it nor the job machinery."""

from __future__ import annotations

import uuid

from handler.aws import object_store
from handler.composition import Caller
from handler.dal.store import Tables
from handler.models import Record, VoiceAudio


def with_audio(caller: Caller, found: list[Record]) -> list[Record]:
    """The records, those transcribed from a note each with its recording's fresh URL (one statement
    for all of them)."""
    if not found or not caller.settings.image_bucket:
        return found  # no bucket, no note was ever asked for
    notes = {n.record_id: n for n in caller.store.voice_notes.of_records([r.id for r in found])}
    if not notes:
        return found
    objects = object_store.of(caller.services)
    shown = []
    for record in found:
        note = notes.get(record.id)
        if note is None:
            shown.append(record)
            continue
        signed = objects.presigned_url(note.s3_key)
        audio = VoiceAudio(
            voice_note_id=note.id,
            content_type=note.content_type,
            size_bytes=note.size_bytes,
            language_code=note.language_code,
            url=signed.url,
            url_expires_at=signed.expires_at,
        )
        shown.append(record.model_copy(update={"voice_note": audio}))
    return shown


def delete_with_record(caller: Caller, tx: Tables, record_id: uuid.UUID) -> None:
    """Inside the transaction that deletes a record: the note it was made of, its row and every S3
    version of its audio and transcript. S3 fails: the transaction, record included, is undone."""
    if not caller.settings.image_bucket:
        return
    for note_id in tx.voice_notes.delete_of_record(record_id):
        object_store.of(caller.services).delete_everything(object_store.voice_note_prefix_for(caller.user_id, note_id))
