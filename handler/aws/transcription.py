"""Amazon Transcribe's batch API, as the worker uses it to turn a voice note into text.

StartTranscriptionJob with the audio's S3 URI, language identification among LanguageOptions and
the transcript written to our own bucket (OutputBucketName/OutputKey, so that it stays under the
user's prefix and goes with their data), then GetTranscriptionJob until it is COMPLETED or FAILED
(https://docs.aws.amazon.com/transcribe/latest/APIReference/API_StartTranscriptionJob.html,
https://docs.aws.amazon.com/transcribe/latest/APIReference/API_GetTranscriptionJob.html).
Transcribe reads the media and writes the transcript with the caller's own permissions on the
bucket (the function's role: s3:GetObject and s3:PutObject under users/*, template.yaml).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from handler.aws import Clients
from handler.errors import AwsUnavailable

# MediaFormat for each audio type a voice note may be (the service model's MediaFormat enum:
# mp3 | mp4 | wav | flac | ogg | amr | webm | m4a).
MEDIA_FORMATS = {
    "audio/mpeg": "mp3",
    "audio/mp4": "mp4",
    "audio/wav": "wav",
    "audio/flac": "flac",
    "audio/ogg": "ogg",
    "audio/amr": "amr",
    "audio/webm": "webm",
    "audio/x-m4a": "m4a",
}
# The languages a note is identified among: the service's two (IdentifyLanguage needs at least two
# LanguageOptions).
LANGUAGE_OPTIONS = ["ko-KR", "en-US"]


def job_name(note_id: uuid.UUID) -> str:
    """Unique in the account (the note's id), within ^[0-9a-zA-Z._-]+ and 200 characters; the
    template grants the Transcribe actions on `transcription-job/voice-note-*` only."""
    return f"voice-note-{note_id}"


@dataclasses.dataclass(frozen=True)
class JobState:
    """`status`: QUEUED, IN_PROGRESS, COMPLETED or FAILED; `failure`: FailureReason when FAILED."""

    status: str
    language_code: str | None
    failure: str | None


def start(clients: Clients, name: str, bucket: str, media_key: str, media_format: str, output_key: str) -> bool:
    """Start the job; False when a job of that name exists already (an earlier delivery started it:
    Transcribe answers ConflictException)."""
    try:
        _client(clients).start_transcription_job(
            TranscriptionJobName=name,
            Media={"MediaFileUri": f"s3://{bucket}/{media_key}"},
            MediaFormat=media_format,
            IdentifyLanguage=True,
            LanguageOptions=LANGUAGE_OPTIONS,
            OutputBucketName=bucket,
            OutputKey=output_key,
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConflictException":
            return False
        raise AwsUnavailable("transcription failed; retry later") from exc
    except BotoCoreError as exc:
        raise AwsUnavailable("transcription failed; retry later") from exc
    return True


def state(clients: Clients, name: str) -> JobState:
    try:
        job = _client(clients).get_transcription_job(TranscriptionJobName=name)["TranscriptionJob"]
    except (BotoCoreError, ClientError) as exc:
        raise AwsUnavailable("transcription failed; retry later") from exc
    return JobState(job["TranscriptionJobStatus"], job.get("LanguageCode"), job.get("FailureReason"))


def _client(clients: Clients) -> Any:
    return clients.client("transcribe")
