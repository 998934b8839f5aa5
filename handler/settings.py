"""Settings from environment variables, validated once per container.

A missing or malformed variable stops the container at start with a message naming it, instead of
failing on the first request that happens to need it.
"""

from __future__ import annotations

import os
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aws_lambda_powertools import Logger
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

logger = Logger(child=True)


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names it and never echoes a secret."""


# A report's least prompt: its fixed part, and a day trimmed to one record and its diary, each with
# margin (tests/unit/test_prompt_fit.py builds the longest report at exactly this budget).
REPORT_FIXED_TOKENS = 6_000
REPORT_DAY_TOKENS = 64


class Settings(BaseModel, frozen=True):
    database_url: str | None = None
    db_secret_arn: str | None = None
    db_host: str | None = None
    db_port: int = 5432
    db_name: str = "postgres"
    db_statement_timeout_ms: int = 5000
    db_connect_timeout_s: int = 5
    # The CA bundle that verifies RDS Proxy's certificate (an ACM certificate that chains to Amazon's
    # root CAs, which the base image's ca-certificates carries).
    db_ssl_root_cert: str = "/etc/ssl/certs/ca-certificates.crt"
    # The migration function's only: the secrets of the logins the other functions use
    # (handler/dal/login_roles.py sets each login's password from its secret). Unset locally.
    db_app_login_secret_arn: str | None = None
    db_backfill_login_secret_arn: str | None = None

    model_provider: Literal["bedrock", "offline"] = "offline"
    # One model per task, each used exactly as given: "us."/"global." inference-profile ids must
    # keep their prefix. Every default is a model Bedrock's documentation lists as Active (README,
    # "Models"); the deploy checks their lifecycle again (handler.model_lifecycle).
    # Writing: diaries, answers, reports and image prompts.
    bedrock_model_id: str = "us.anthropic.claude-sonnet-4-6"
    # Routing the natural-language front door: a small fast model.
    bedrock_routing_model_id: str = "us.anthropic.claude-haiku-5-5"
    bedrock_read_timeout_s: int = 20
    # Attempts per model call, the first included: retries must fit inside API Gateway's ~30 s.
    bedrock_max_attempts: int = 2

    bedrock_image_model_id: str = "stability.stable-image-core-v1:1"
    # Where the image model is called; unset: the function's own region. Stable Image Core is
    # offered in us-west-2 only.
    bedrock_image_region: str | None = None
    bedrock_image_timeout_s: int = 25

    # Retrieval by meaning: a multilingual embedding model (Titan Text Embeddings V2 lists Korean
    # among its languages), kept in pgvector columns. An embedding is bounded by its own
    # timeout and one attempt: a record whose embedding fails is stored anyway, and embedded later.
    bedrock_embedding_model_id: str = "amazon.titan-embed-text-v2:0"
    embedding_timeout_s: float = Field(default=3.0, gt=0, le=20)
    # "요즘", "lately": the last this many days.
    question_recent_days: int = Field(default=14, ge=1, le=366)

    # The most input tokens one model call of each task may send, counted as handler.inference.
    # prompt_budget bounds them (one per UTF-8 byte, plus the output tool and a reserve); what does
    # not fit is trimmed by handler.logic.prompt_fit and the answer says what was left out.
    # Routing: enough for the longest request the API accepts (4,000 characters of 4 bytes) with the
    # instructions for compound requests (about 4,800 tokens without the request).
    prompt_tokens_routing: int = Field(default=22_000, ge=6_000, le=200_000)
    prompt_tokens_diary: int = Field(default=32_000, ge=4_000, le=200_000)
    # At least room for the longest question (1,000 characters of 4 bytes) and one short record.
    prompt_tokens_answer: int = Field(default=24_000, ge=10_000, le=200_000)
    # At least room for one short record and diary line per day of REPORT_MAX_DAYS (_report_fits).
    prompt_tokens_report: int = Field(default=64_000, ge=4_000, le=200_000)
    prompt_tokens_image_prompt: int = Field(default=12_000, ge=4_000, le=200_000)
    # Today's question (GET /prompts/today): a few recent records, cut short (handler.logic.day_prompts).
    prompt_tokens_day_prompt: int = Field(default=12_000, ge=6_000, le=200_000)

    image_bucket: str | None = None
    # botocore's own endpoint variables, which its clients read themselves; read here as well only to
    # address a local S3 by path (handler.aws, Clients). Unset in AWS.
    aws_endpoint_url_s3: str | None = None
    aws_endpoint_url: str | None = None
    # How long a presigned URL lives at most; sooner when the credentials that sign it expire first
    # (handler.aws.credentials_expiry). SigV4 allows at most 604800 s, 7 days
    # (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html).
    image_url_expiry_s: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    # Photos on records (handler.logic.photos): the largest photo a client may upload, how long its
    # presigned POST works (a pending photo not uploaded by then is never listed and is swept), and
    # how many a record holds. Each user's day (DEFAULT_TIMEZONE) admits PHOTOS_PER_DAY uploads of
    # PHOTO_BYTES_PER_DAY bytes in all (handler.logic.quotas).
    photo_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1, le=5 * 1024**3)
    photo_upload_expiry_s: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    photos_per_record: int = Field(default=10, ge=1, le=100)
    photos_per_day: int = Field(default=50, ge=0)
    photo_bytes_per_day: int = Field(default=500 * 1024 * 1024, ge=0)
    # Voice notes (handler.logic.voice_notes): the largest recording a client may upload (Transcribe
    # takes up to 2 GB, https://docs.aws.amazon.com/transcribe/latest/dg/limits-guidelines.html),
    # how long its presigned POST works, and how long one run of the worker waits for Transcribe,
    # asking every TRANSCRIBE_POLL_S, before it leaves the job to the queue's next delivery (within
    # the function's 29 s timeout; the queue redelivers after its visibility timeout).
    voice_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1, le=2 * 1024**3)
    voice_upload_expiry_s: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    transcribe_wait_s: float = Field(default=20, ge=0, le=25)
    transcribe_poll_s: float = Field(default=3, gt=0, le=25)
    # The worker's queue: reports, exports and the embedding backfill (handler.logic.jobs). Unset:
    # they run inline in the request that asks for them (local runs, tests).
    job_queue_url: str | None = None
    report_max_days: int = 31
    # A job message received this many times is failed instead of retried again: the queue's
    # maxReceiveCount (template ReportMaxReceives), at least 5 as Lambda's SQS guide says, since a
    # throttled delivery counts as a receive too
    # (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
    job_max_receives: int = Field(default=5, ge=1, le=10)
    # Erasures (DELETE /me) have a queue of their own, so that no backlog of other jobs delays
    # them; unset: an erasure runs inline. The erasures table is their record (handler.logic.erasure).
    erasure_queue_url: str | None = None
    # An erasure still pending this long after it was asked for is reported to the operator (the
    # OverdueErasures metric and its alarm); the re-drive sends it again meanwhile.
    erasure_deadline_hours: int = Field(default=24, ge=1, le=24 * 30)
    # The stack's Cognito user pool: an erased user is signed out everywhere and deleted from it.
    # Unset (local runs, or an identity provider the stack does not own): skipped, and logged.
    user_pool_id: str | None = None
    # GET /me/export answers at once up to about this many bytes of document (Lambda's response
    # limit is 6 MB); a larger account's export is written to S3 by the worker.
    export_inline_max_bytes: int = Field(default=2_000_000, ge=0, le=5_000_000)
    # How long an export (its row and its document) is kept after its last change: the retention
    # sweep deletes both (handler.logic.retention); the stack's lifecycle rule says the same days.
    export_retention_days: int = Field(default=7, ge=1, le=365)
    # POST /me/import: the largest export document it takes as its body. Lambda takes at most 6 MB of
    # request event (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), and the
    # body travels inside it as a JSON string, its quotes escaped: 4 MB of document leaves room.
    import_max_body_bytes: int = Field(default=4_000_000, ge=1024, le=5_000_000)
    # A document up to this size is imported in the request; a larger one by the worker (a 202 to poll).
    import_inline_max_bytes: int = Field(default=1_000_000, ge=0, le=5_000_000)
    # POST /me/imports: the largest document uploaded to S3 for the worker to import (an export of any
    # size is one document; the worker reads it whole, within the function's memory and time).
    import_upload_max_bytes: int = Field(default=20_000_000, ge=1024, le=100_000_000)

    # Each user's model work per day (the day of DEFAULT_TIMEZONE), handler.logic.quotas: text model
    # calls (a diary, an answer, a report, an image prompt, a routing decision: 1 each), pictures
    # (image model calls, the dearest), and tokens (input, output and cache, all calls together).
    # 0 refuses all such work. Embeddings are not counted (they index what users write).
    model_calls_per_day: int = Field(default=100, ge=0)
    pictures_per_day: int = Field(default=10, ge=0)
    model_tokens_per_day: int = Field(default=500_000, ge=0)
    # The expensive routes (POST /agent, /diaries, /questions, /images, /reports), per user: a burst
    # of RATE_LIMIT_REQUESTS, then one every RATE_LIMIT_WINDOW_S / RATE_LIMIT_REQUESTS seconds.
    rate_limit_requests: int = Field(default=10, ge=1)
    rate_limit_window_s: int = Field(default=60, ge=1, le=24 * 3600)
    # The key of the pseudonymous caller id on every model call's usage line and metric (an HMAC of
    # the user's id); one per deployment, made by the stack. Unset (local runs): an empty key.
    caller_id_salt: str | None = None

    # The base path of a custom domain's API mapping ("/v1"), which the events' paths carry; unset: none.
    api_base_path: str | None = Field(default=None, pattern=r"^(/[A-Za-z0-9._~-]+)+$")
    default_timezone: str = "Asia/Seoul"
    max_body_bytes: int = 64 * 1024
    # Local runs only: trust an X-User-Id header when no authorizer claim is present.
    allow_user_id_header: bool = False
    # Lambda's own: "snap-start" for an init that will be snapshotted (handler.snap_start).
    aws_lambda_initialization_type: str | None = None
    # Powertools' own variable, read here too so every metric set shares one default.
    powertools_metrics_namespace: str = "Diary"

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("bedrock_image_model_id")
    @classmethod
    def _drawable(cls, value: str) -> str:
        if image_format_of(value) is None:
            raise ValueError(f"no request format for image model {value!r}; supported: {', '.join(IMAGE_FORMATS)}*")
        return value

    @field_validator("bedrock_embedding_model_id")
    @classmethod
    def _embeddable(cls, value: str) -> str:
        if embedding_format_of(value) is None:
            raise ValueError(
                f"no request format for embedding model {value!r}; supported: {', '.join(EMBEDDING_FORMATS)}*"
            )
        return value

    @model_validator(mode="after")
    def _database_configured(self) -> Settings:
        if not self.database_url and not (self.db_secret_arn and self.db_host):
            raise ValueError("set DATABASE_URL, or DB_SECRET_ARN with DB_HOST (DB_PORT, DB_NAME)")
        return self

    @model_validator(mode="after")
    def _report_fits(self) -> Settings:
        """The report's prompt without records is about 3,600 tokens, and each day adds about 40 when
        trimmed to its least (one record and its diary, cut to nothing): refuse a budget that a report
        of REPORT_MAX_DAYS days could not fit in, at start rather than on the worker's first report."""
        least = REPORT_FIXED_TOKENS + REPORT_DAY_TOKENS * self.report_max_days
        if self.prompt_tokens_report < least:
            days = self.report_max_days
            raise ValueError(f"PROMPT_TOKENS_REPORT must be at least {least} for REPORT_MAX_DAYS={days}")
        return self

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)

    @property
    def image_format(self) -> ImageFormatName:
        return image_format_of(self.bedrock_image_model_id) or "stability"

    @property
    def embedding_format(self) -> EmbeddingFormatName:
        return embedding_format_of(self.bedrock_embedding_model_id) or "titan"


ImageFormatName = Literal["stability", "nova-canvas"]
# The InvokeModel request formats handler.inference.image_models speaks, by foundation-model id prefix.
IMAGE_FORMATS: dict[str, ImageFormatName] = {
    "stability.stable-image-core": "stability",
    "stability.stable-image-ultra": "stability",
    "stability.sd3-5-large": "stability",
    "amazon.nova-canvas": "nova-canvas",
}


EmbeddingFormatName = Literal["titan", "cohere"]
# The InvokeModel request formats handler.inference.embeddings speaks, by foundation-model id prefix.
EMBEDDING_FORMATS: dict[str, EmbeddingFormatName] = {
    "amazon.titan-embed-text-v2": "titan",
    "cohere.embed-multilingual-v3": "cohere",
    "cohere.embed-v4": "cohere",
}


def _format_of(model_id: str, formats: dict[str, Any]) -> Any:
    """The request format of a model id; an inference-profile prefix ("us.") is looked past."""
    for candidate in (model_id, model_id.partition(".")[2]):
        for prefix, name in formats.items():
            if candidate.startswith(prefix):
                return name
    return None


def image_format_of(model_id: str) -> ImageFormatName | None:
    return _format_of(model_id, IMAGE_FORMATS)


def embedding_format_of(model_id: str) -> EmbeddingFormatName | None:
    return _format_of(model_id, EMBEDDING_FORMATS)


_FIELDS = tuple(Settings.model_fields)
# Settings renamed, new name -> old name. The old name is read when the new one is unset, with a
# warning, for one release (README, "Settings"): the queue carries every job, not reports only.
RENAMED = {"JOB_QUEUE_URL": "REPORT_QUEUE_URL", "JOB_MAX_RECEIVES": "REPORT_MAX_RECEIVES"}


def load_settings(environ: dict[str, str] | os._Environ[str] = os.environ) -> Settings:
    """Read every setting from its upper-case environment variable."""
    raw = {name: environ[name.upper()] for name in _FIELDS if environ.get(name.upper())}
    for new, old in RENAMED.items():
        if not environ.get(new) and environ.get(old):
            logger.warning(f"{old} is deprecated and will be removed in the next release; set {new} instead")
            raw[new.lower()] = environ[old]
    try:
        return Settings(**raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper() or 'settings'}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"invalid configuration: {problems}") from None
