"""Shapes shared by the use cases and the API: what a record, a diary and an agent reply look like."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from handler import clean_text

MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
MAX_RECORD_CHARS = 4000
# Exactly YYYY-MM-DD in ASCII digits: date.fromisoformat alone also takes ISO week dates ("2026-W48-3").
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """Accept only 'YYYY-MM-DD' strings (pydantic alone would also take numbers as timestamps)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a real calendar date (YYYY-MM-DD)") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(f"date must be between {MIN_DATE} and {MAX_DATE}")
    return day


def _storable_text(value: str) -> str:
    """Text PostgreSQL can store and a reader sees as it is (handler/clean_text.py): no lone
    surrogates, no control or bidi override characters, in NFC, not blank."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogates)") from None
    clean_text.refuse_controls(value)
    value = clean_text.content_form(value).strip()
    if clean_text.is_blank(value):
        raise ValueError("must not be empty (nothing but spaces or invisible characters)")
    return value


class Documented:
    """Adds to a type's JSON schema what its validator checks, so /openapi.json says what the API
    accepts (a client generated from it sends nothing the API refuses for its shape). Validation
    itself stays with the validator and its messages."""

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(schema), **self.keywords}


# 1900-01-01 to 2100-12-31 as a pattern; `format: date` adds that the day exists.
DATE_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
# Text: nothing clean_text refuses (NUL among the controls), and one character a reader sees.
_ALLOWED = rf"[^{clean_text.CONTROLS}]*"
TEXT_PATTERN = rf"^{_ALLOWED}[^{clean_text.CONTROLS}{clean_text.BLANK}{clean_text.INVISIBLE}]{_ALLOWED}$"

IsoDate = Annotated[
    dt.date,
    BeforeValidator(_iso_date),
    Documented(pattern=DATE_PATTERN, description=f"YYYY-MM-DD, {MIN_DATE} to {MAX_DATE}"),
]
Text = Annotated[str, AfterValidator(_storable_text), Documented(minLength=1, pattern=TEXT_PATTERN)]
# A tag: Text in its one spelling (NFKC, case-folded, invisible characters out), so that a tag
# written another way is the same tag, in a diary and in a search.
TagText = Annotated[
    Text,
    AfterValidator(clean_text.tag_form),
    Documented(description="Kept NFKC, case-folded, without invisible characters: `ＷＯＲＫ` is the tag `work`."),
]
RequestType = Literal["data", "question", "diary", "image", "report"]


class LeftOut(BaseModel):
    """What the model was not shown, to keep its prompt within its token budget (docs/agents.md,
    "Prompt budgets"): texts left out whole, and texts shown only up to a length, their end cut."""

    omitted_records: int = Field(default=0, description="Records the model was not shown.")
    truncated_records: int = Field(default=0, description="Records the model was shown only the beginning of.")
    omitted_diaries: int = Field(default=0, description="Diaries the model was not shown.")
    truncated_diaries: int = Field(default=0, description="Diaries the model was shown only the beginning of.")

    def __add__(self, other: LeftOut) -> LeftOut:
        return LeftOut(**{name: getattr(self, name) + getattr(other, name) for name in LeftOut.model_fields})


_LEFT_OUT = "What the model writing it was not shown of the user's texts, to keep within its token budget."


PhotoType = Literal["image/jpeg", "image/png", "image/heic", "image/webp"]
# S3's largest object a POST may upload (5 GB); PHOTO_MAX_BYTES is the deployment's own limit below it.
MAX_POST_BYTES = 5 * 1024**3


class Photo(BaseModel):
    id: uuid.UUID
    record_id: uuid.UUID
    content_type: PhotoType
    size_bytes: int
    status: Literal["pending", "stored"] = Field(
        description="`pending`: asked for, its upload not yet seen (shown while its upload may still arrive);"
        " `stored`: in the bucket."
    )
    url: str | None = Field(description="Presigned GET URL of a stored photo; null while pending.")
    url_expires_at: dt.datetime | None = Field(description="When `url` stops working; null while pending.")
    created_at: dt.datetime


class PresignedForm(BaseModel):
    """An HTML form upload to S3: POST `url` as multipart/form-data with every one of `fields`,
    then the file as the field `file`, last."""

    url: str
    fields: dict[str, str] = Field(description="Send each as it is; S3 checks them against the signed policy.")
    expires_at: dt.datetime = Field(description="The policy's expiration: S3 refuses the form after it.")


class PhotoUpload(BaseModel):
    photo: Photo
    upload: PresignedForm


# The audio types a voice note may be: those Amazon Transcribe's MediaFormat takes
# (handler.aws.transcription.MEDIA_FORMATS).
VoiceType = Literal[
    "audio/mpeg", "audio/mp4", "audio/wav", "audio/flac", "audio/ogg", "audio/amr", "audio/webm", "audio/x-m4a"
]


class VoiceAudio(BaseModel):
    """The recording a record was transcribed from."""

    voice_note_id: uuid.UUID
    content_type: VoiceType
    size_bytes: int
    language_code: str | None = Field(description="The language Transcribe identified (ko-KR or en-US).")
    url: str = Field(description="Presigned GET URL of the recording.")
    url_expires_at: dt.datetime = Field(description="When `url` stops working.")


class VoiceNote(BaseModel):
    id: uuid.UUID
    content_type: VoiceType
    size_bytes: int
    record_date: dt.date | None = Field(description="The day its record is dated; null: the day it is transcribed.")
    status: Literal["uploading", "transcribing", "done", "failed"] = Field(
        description="`uploading`: asked for, waiting for POST /voice-notes/{id}/transcribe after the upload;"
        " `transcribing`: with Amazon Transcribe; `done`: its text is the record `record_id`;"
        " `failed`: see `failure`, no record was stored."
    )
    record_id: uuid.UUID | None = Field(description="The record made of it, once done.")
    language_code: str | None = Field(description="The language Transcribe identified, once done.")
    failure: str | None = Field(description="Why it failed; null unless failed.")
    created_at: dt.datetime
    updated_at: dt.datetime


class VoiceNoteUpload(BaseModel):
    voice_note: VoiceNote
    upload: PresignedForm


class Record(BaseModel):
    id: uuid.UUID
    content: str
    record_date: dt.date
    created_at: dt.datetime
    photos: list[Photo] = Field(
        default_factory=list,
        description="Its photos, oldest first, each stored one with a fresh presigned URL"
        " (empty where a route does not list them: a new record, the agent's).",
    )
    voice_note: VoiceAudio | None = Field(
        default=None, description="The recording it was transcribed from, with a fresh URL; null for a typed record."
    )


class RecordPage(BaseModel):
    items: list[Record]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class Diary(BaseModel):
    date: dt.date
    title: str
    content: str
    record_ids: list[uuid.UUID] = Field(description="The records it was written from; empty for the user's own.")
    model: str = Field(description="Which model wrote it; `user` for a diary the user wrote.")
    tags: list[str] = Field(default_factory=list, description="The user's own tags.")
    edited: bool = Field(
        default=False, description="The user edited it (PUT): POST /diaries keeps it unless `overwrite`."
    )
    has_images: bool = Field(default=False, description="Pictures were drawn for it.")
    left_out: LeftOut = Field(default_factory=LeftOut, description=_LEFT_OUT)
    mood: int | None = Field(
        default=None,
        ge=1,
        le=10,
        description="The day's mood, 1 (very hard) to 10 (wonderful), read by the call that wrote it (estimated "
        "from the words for the user's own); null for a diary written before diaries had one, until it is "
        "written again or the backfill reads it.",
    )
    themes: list[str] | None = Field(
        default=None, description="Up to 3 themes of the day, in its language (NFKC, case-folded); null as `mood`."
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class DiaryPage(BaseModel):
    items: list[Diary]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


AgentStepType = Literal["data", "answer", "diary", "image", "report", "small_talk", "failed"]


class AgentStep(BaseModel):
    """One thing a request asked for, done (or, after the first, failed: the earlier ones stand)."""

    type: AgentStepType = Field(description="What was done; `failed`: this step could not be, `error` says why.")
    content: Any = Field(description="The stored record, the answer, the diary, ...; null for small talk.")
    message: str
    error: dict[str, str] | None = Field(default=None, description="`code` and `message`, when `failed`.")


class CrisisLine(BaseModel):
    name: str
    number: str
    source: str = Field(description="Where the number comes from.")


class Care(BaseModel):
    """Said when the words speak of suicide or self-harm: nothing is blocked, the record is kept."""

    message: str
    crisis_lines: list[CrisisLine] = Field(description="Lines for the language of the reply.")


class AgentReply(BaseModel):
    # What was done: a question's route answers with type "answer". A request holding several
    # things (store, then write) did each in order: `steps`; type, content are the last step's.
    type: AgentStepType
    content: Any = Field(description="The stored record, the answer, the diary, ... (the last step's)")
    message: str = Field(description="Every step's message, in order, in the request's language.")
    steps: list[AgentStep] = Field(default_factory=list, description="Every step the request held, in order (1-3).")
    care: Care | None = Field(default=None, description="Present when the words speak of suicide or self-harm.")
    routed_by: str = Field(
        description="'request_type' when the caller chose the route, 'code' when its words decided it, else the"
        " routing model."
    )
    model_calls: int = Field(description="Model round trips this request spent (routing included).")


class QuestionAnswer(BaseModel):
    answer: str
    sources: list[uuid.UUID] = Field(description="Ids of the caller's records the answer relies on.")
    model: str | None = Field(description="Which model answered; null when nothing was found and none was asked.")
    model_calls: int
    # A list of two, not a tuple: pydantic writes a tuple as `prefixItems`, which Powertools'
    # OpenAPI 3.0 document turns into an invalid `items` array.
    period: Annotated[list[dt.date], Field(min_length=2, max_length=2)] | None = Field(
        description="The first and last dates the question was resolved to, if any."
    )
    left_out: LeftOut = Field(
        default_factory=LeftOut,
        description="What of the records and diaries found the model was not shown, to keep within its token budget.",
    )


class Image(BaseModel):
    id: uuid.UUID
    url: str = Field(description="Presigned GET URL; ask for the image again for a fresh one once it expires.")
    url_expires_at: dt.datetime = Field(
        description="When `url` stops working: IMAGE_URL_EXPIRY_S after it was made at the latest, sooner when"
        " the credentials that signed it expire first."
    )
    s3_key: str
    prompt: str
    diary_date: dt.date | None
    model: str = Field(description="The image model that drew it.")
    model_calls: int = Field(description="Model round trips spent drawing it (0 when it is only read).")
    source_truncated: bool = Field(
        default=False,
        description="The diary or text was longer than the image prompt's token budget: the prompt was written"
        " from its beginning (false when the picture is only read).",
    )
    created_at: dt.datetime


class ImagePage(BaseModel):
    items: list[Image]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


Sentiment = Literal["positive", "neutral", "negative"]


class DayScore(BaseModel):
    """One day of a report: what the reporter answers and what the API shows."""

    date: dt.date
    score: int = Field(ge=1, le=10)
    # Optional: reports written before sentiments and themes (and a model that forgot) have none.
    sentiment: Sentiment | None = None
    themes: list[str] = Field(default_factory=list, max_length=5, description="The day's key themes.")


class Report(BaseModel):
    report_id: uuid.UUID
    status: Literal["pending", "running", "completed", "failed"]
    start_date: dt.date
    end_date: dt.date
    daily_scores: list[DayScore] | None = None
    average_score: float | None = None
    themes: list[str] | None = Field(default=None, description="The period's key themes.")
    patterns: list[str] | None = Field(default=None, description="Patterns over the period.")
    feedback_points: list[str] | None = Field(default=None, description="3 to 5 pieces of feedback.")
    feedback: str | None = Field(default=None, description="The overall evaluation.")
    missing_days: list[dt.date] | None = Field(
        default=None, description="Days with records that the model left unscored."
    )
    left_out: LeftOut | None = Field(default=None, description=_LEFT_OUT + " Null until completed.")
    failure: str | None = Field(default=None, description="Why it failed, when it did.")
    model: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class ReportList(BaseModel):
    items: list[Report]


class Export(BaseModel):
    """An export written by the worker, for an account too large to answer in one response."""

    export_id: uuid.UUID
    status: Literal["pending", "running", "completed", "failed", "expired"] = Field(
        description="`expired`: the document was kept EXPORT_RETENTION_DAYS and is gone; ask again."
    )
    url: str | None = Field(
        default=None, description="Presigned GET URL of the JSON document (UserData), once completed."
    )
    url_expires_at: dt.datetime | None = Field(
        default=None, description="When `url` stops working (see Image); poll again for a fresh one until `expires_at`."
    )
    expires_at: dt.datetime | None = Field(default=None, description="When the completed document is deleted.")
    failure: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


# What GET /me/export writes and which of its versions POST /me/import takes. A change to the
# document that an import of it must know about is a new version; IMPORTABLE_VERSIONS keeps the ones
# still read.
EXPORT_FORMAT: Literal["diary-export"] = "diary-export"
EXPORT_VERSION = 1
IMPORTABLE_VERSIONS = (1,)


class UserData(BaseModel):
    """Everything of the caller: GET /me/export answered at once."""

    format: Literal["diary-export"] = Field(default=EXPORT_FORMAT, description="What this document is.")
    version: int = Field(
        default=EXPORT_VERSION,
        description=f"The document's version; POST /me/import takes versions {list(IMPORTABLE_VERSIONS)}.",
    )
    exported_at: dt.datetime
    records: list[Record]
    diaries: list[Diary]
    reports: list[Report]
    images: list[Image]
    voice_notes: list[VoiceNote] = Field(
        default_factory=list, description="Every voice note, whatever its state; a done one's audio is on its record."
    )


# --- POST /me/import: the export document read back, entry by entry as strictly as the API's own
# writes (unknown fields refused: a field an import does not know would be lost without a word).
# Fields the API derives or makes anew (a diary's has_images, a picture's URL) are accepted and not
# read.

IMPORT_MAX_TAGS = 10
IMPORT_MAX_TAG_CHARS = 30


class ImportedRecord(Record, extra="forbid"):
    content: Text = Field(max_length=MAX_RECORD_CHARS)
    record_date: IsoDate
    created_at: AwareDatetime


class ImportedDiary(Diary, extra="forbid"):
    date: IsoDate
    title: Text
    content: Text
    tags: list[Annotated[TagText, Field(max_length=IMPORT_MAX_TAG_CHARS)]] = Field(
        default_factory=list, max_length=IMPORT_MAX_TAGS
    )
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ImportedReport(Report, extra="forbid"):
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ImportedImage(Image, extra="forbid"):
    pass


class ImportDocument(BaseModel, extra="forbid"):
    """The document GET /me/export gives (UserData), as POST /me/import reads it."""

    format: Literal["diary-export"]
    version: int = Field(description=f"One of {list(IMPORTABLE_VERSIONS)}.")
    exported_at: AwareDatetime
    records: list[ImportedRecord]
    diaries: list[ImportedDiary]
    reports: list[ImportedReport]
    images: list[ImportedImage]
    # Absent from a document exported before voice notes existed (the same version: a list added).
    voice_notes: list[VoiceNote] = Field(default_factory=list)


class ImportCounts(BaseModel):
    imported: int = Field(description="Stored by this import.")
    present: int = Field(
        description="Already the caller's (imported before, or never erased): kept as they are, not overwritten."
    )


class ImportSummary(BaseModel):
    records: ImportCounts
    diaries: ImportCounts = Field(description="By day: a day that has a diary keeps it.")
    reports: ImportCounts
    reports_unfinished: int = Field(
        description="Reports still `pending` or `running` in the document: not imported (ask for them again)."
    )
    images_skipped: int = Field(
        description="Pictures are not imported: the document holds only URLs to them, which expire (and which "
        "an erasure deletes); draw them again with POST /images."
    )
    voice_notes_skipped: int = Field(
        description="Voice notes are not imported either: their recordings are gone with the account that made "
        "them; their records come back, as text, without the recording."
    )
    photos_skipped: int = Field(
        description="Records' photos are not imported either, for the same reason: the records come back "
        "without them; upload them again with POST /records/{id}/photos."
    )
    new_ids: int = Field(
        description="Records and reports stored under a new id because another account holds theirs (the "
        "document's account still exists); a diary's `record_ids` follow them."
    )


class Import(BaseModel):
    """An import of an export document (POST /me/import): done at once, or by the worker."""

    import_id: uuid.UUID | None = Field(description="Null for an import done at once; else poll /me/imports/{id}.")
    status: Literal["awaiting_upload", "pending", "running", "completed", "failed"] = Field(
        description="`awaiting_upload`: a document to upload (POST /me/imports), then start."
    )
    summary: ImportSummary | None = Field(default=None, description="What was stored, once completed.")
    failure: str | None = Field(default=None, description="Why it failed, when it did.")
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class ImportUpload(BaseModel):
    """Where to upload an export document too large to send as a body (POST /me/imports): an S3 POST
    form, then POST /me/imports/{id}/start."""

    import_id: uuid.UUID
    status: Literal["awaiting_upload"]
    url: str = Field(description="POST the form here: `fields` as they are, then the document as the field `file`.")
    fields: dict[str, str]
    max_bytes: int = Field(description="The largest document the upload takes (IMPORT_UPLOAD_MAX_BYTES).")
    expires_at: dt.datetime = Field(description="When the upload stops being taken; ask for a new one after.")


class Erasure(BaseModel):
    status: Literal["erasing", "erased"] = Field(
        description="`erasing`: the worker is deleting everything of the caller; `erased`: it is gone."
    )


class Allowance(BaseModel):
    used: int = Field(description="Spent today (may pass `limit` by the tokens of work admitted before it).")
    limit: int
    remaining: int = Field(description="`limit` - `used`, at least 0.")


class RateAllowance(BaseModel):
    limit: int = Field(description="Requests that call a model, in a burst; then one every `window_s` / `limit` s.")
    window_s: int
    available: int = Field(description="Such requests that would be admitted now, one after another.")


class Usage(BaseModel):
    """The caller's model work today against their limits (GET /me/usage)."""

    day: dt.date = Field(description="The day counted, in `time_zone`.")
    time_zone: str
    resets_at: dt.datetime = Field(description="The day's end, when the day's counts start again from 0.")
    model_calls: Allowance = Field(
        description="Text model calls: a diary, an answer, a report, an image prompt, "
        "a routing decision (POST /agent without `request_type`): 1 each."
    )
    pictures: Allowance = Field(description="Image model calls.")
    tokens: Allowance = Field(description="Tokens of every text model call (input, output and cache).")
    photos: Allowance = Field(description="Photo uploads asked for (POST /records/{id}/photos).")
    photo_bytes: Allowance = Field(description="The bytes of those photos.")
    rate: RateAllowance


class Streak(BaseModel):
    days: int = Field(description="Consecutive days written; 0 for none.")
    start: dt.date | None = Field(default=None, description="Its first day; null when `days` is 0.")
    end: dt.date | None = Field(default=None, description="Its last day; null when `days` is 0.")


class Streaks(BaseModel):
    current: Streak = Field(
        description="The run of days written that ends today or yesterday (today is not lost until it ends), in "
        "`time_zone`, counted back as far as it goes, before `start` too; 0 days when neither day was written."
    )
    longest: Streak = Field(description="The longest run of days written within the period (the latest of equals).")


class WeekdayCount(BaseModel):
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    records: int = Field(description="Records of the period jotted on this weekday (by their date).")
    days_written: int = Field(description="Days of the period on this weekday with a record or a diary.")


class MoodPoint(BaseModel):
    date: dt.date
    mood: int = Field(ge=1, le=10, description="The diary's mood that day.")
    moving_average: float = Field(
        description="The mean mood of the diaries of the 7 days ending that day (the days before the period "
        "included), 2 decimals."
    )


class MoodSummary(BaseModel):
    series: list[MoodPoint] = Field(description="Each day of the period whose diary has a mood, oldest first.")
    average: float | None = Field(description="The period's mean mood, 2 decimals; null with no mood.")
    previous_average: float | None = Field(description="The previous period's, alike.")
    change: float | None = Field(description="`average` - `previous_average`; null when either is null.")


class ThemeCount(BaseModel):
    theme: str
    days: int = Field(description="Diaries of the period with this theme.")
    previous_days: int = Field(description="Diaries of the previous period with it.")
    change: int = Field(description="`days` - `previous_days`.")


class PeriodSummary(BaseModel):
    start: dt.date
    end: dt.date
    days: int = Field(description="Days in the period, both ends included.")
    days_written: int = Field(description="Days with at least one record or a diary.")
    records: int


class Insights(BaseModel):
    """GET /insights: what the caller's records and diaries say over a period, from the database alone."""

    time_zone: str = Field(description="Whose days `today` and the streaks count (DEFAULT_TIMEZONE).")
    today: dt.date
    period: PeriodSummary
    previous: PeriodSummary = Field(description="The period of the same length just before `period`.")
    streaks: Streaks
    weekdays: list[WeekdayCount] = Field(description="Monday first, 7 items.")
    mood: MoodSummary
    themes: list[ThemeCount] = Field(
        description="The period's most frequent diary themes (at most 5, most days first), each against the "
        "previous period."
    )
    fading_themes: list[ThemeCount] = Field(
        description="The previous period's most frequent themes (at most 5) that the period has not at all."
    )


class DayPrompt(BaseModel):
    """GET /prompts/today: one question to write about today, the same all day."""

    day: dt.date = Field(description="Today, in `time_zone`.")
    time_zone: str
    question: str
    language: Literal["ko", "en"]
    model: str = Field(description="The model that asked it; `offline` for one from the templates.")
    created_at: dt.datetime
