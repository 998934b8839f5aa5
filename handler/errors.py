"""Every way a request can fail on purpose: one vocabulary, each error carrying its answer as data.

Raised wherever the failure is found (the entry point, use cases, data access, the models, the AWS
clients) by code that knows nothing of HTTP. Each class says what the caller gets: the status, a
stable `code`, the message people read, whether to come back (`retry_after_s`) and how loudly to
log it. handler.api.errors turns any of them into the one error body; the report worker retries a
message on the transient ones.

A message given when raising is for the log (it may name internals); the client reads
`client_message`, which is the class's own wording unless the class says the raiser's wording is
meant for people (`message_is_public`).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

# Seconds a client is told to wait after a dependency failed.
RETRY_AFTER_S = 5


class ServiceError(Exception):
    status: ClassVar[int] = 500
    code: str = "internal_error"
    public_message: ClassVar[str] = "an unexpected error occurred"
    # True: the message given when raising is written for the caller and replaces public_message.
    message_is_public: ClassVar[bool] = False
    # Seconds in the Retry-After header; set per error where the wait depends on the case.
    retry_after_s: int | None = None
    # Logged by the HTTP layer at this level, with the raiser's message and its cause; None: not logged.
    log_level: ClassVar[int | None] = logging.ERROR

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        super().__init__(message or self.public_message)
        if code is not None:
            self.code = code

    @property
    def client_message(self) -> str:
        return str(self) if self.message_is_public else self.public_message

    def body_fields(self) -> dict[str, Any]:
        """Fields of the error body besides `code` and `message`."""
        return {}


class _CallersMistake(ServiceError):
    """A 4xx: the request is wrong, nothing failed here; the message says what to change."""

    message_is_public = True
    log_level: ClassVar[int | None] = None


class InvalidRequest(_CallersMistake):
    status = 400
    code = "invalid_parameter"


class Unauthorized(_CallersMistake):
    status = 401
    code = "unauthorized"


class NotFound(_CallersMistake):
    """The thing does not exist for this caller (another user's thing is reported the same way)."""

    status = 404
    code = "not_found"


class Conflict(_CallersMistake):
    """The request clashes with what is stored (a diary the user edited); `code` says how."""

    status = 409
    code = "conflict"


class InProgress(Conflict):
    """The same request (its Idempotency-Key) is still running."""

    code = "request_in_progress"
    retry_after_s = 1


class Gone(_CallersMistake):
    """A retried request (its Idempotency-Key) whose result the user has deleted since."""

    status = 410
    code = "deleted"


class AccountErased(_CallersMistake):
    """The caller's erasure was asked for (`account_erasing`) or is done (`account_erased`): their
    tokens stay valid until they expire, so the API refuses them itself."""

    status = 410
    code = "account_erased"


class PayloadTooLarge(_CallersMistake):
    status = 413
    code = "body_too_large"


class UnsupportedMediaType(_CallersMistake):
    status = 415
    code = "unsupported_media_type"


class Unprocessable(_CallersMistake):
    """Well-formed input that this request cannot be carried out with; `code` says why."""

    status = 422


class ImageRefused(Unprocessable):
    """The image model's filters refused the prompt or the picture: a request to change, not to retry."""

    code = "image_refused"
    public_message = "the image model's content filters refused this picture; change the diary or text"
    message_is_public = False
    log_level = logging.INFO


class TooManyRequests(_CallersMistake):
    """Past one of the caller's own limits (handler.logic.quotas), decided before any model call:
    `limit` names it in the body, and Retry-After says when it frees."""

    status = 429
    # Logged, without the caller: how often limits bite is the operator's to watch.
    log_level = logging.INFO

    def __init__(self, message: str, *, limit: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.retry_after_s = max(1, retry_after_s)

    def body_fields(self) -> dict[str, Any]:
        return {"limit": self.limit}


class QuotaExceeded(TooManyRequests):
    """A day's model calls, pictures or tokens are used up; Retry-After: the day's end."""

    code = "quota_exceeded"


class RateLimited(TooManyRequests):
    """Too many expensive requests in the short window; Retry-After: when the next one is admitted."""

    code = "rate_limited"


class Unavailable(ServiceError):
    """A dependency failed or could not be reached; the same request can succeed later."""

    status = 503
    code = "service_unavailable"
    public_message = "a service this request needs is unavailable; retry later"
    retry_after_s = RETRY_AFTER_S
    log_level = logging.WARNING


class DatabaseUnavailable(Unavailable):
    """PostgreSQL (or its credentials) cannot be reached, or the connection failed."""

    code = "database_unavailable"
    public_message = "the database is unavailable; retry later"


class ModelUnavailable(Unavailable):
    """The model service throttled, failed or answered something unusable."""

    code = "model_unavailable"
    public_message = "the model is unavailable; retry later"


class ModelAnswerMalformed(ModelUnavailable):
    """The model answered, but not in the shape asked for (a report retries this once)."""


class AwsUnavailable(Unavailable):
    """S3 or SQS failed; the message names which, in words a client may read."""

    message_is_public = True


class NotConfigured(ServiceError):
    """The deployment lacks a setting this capability needs: the operator's to fix, not the caller's."""

    status = 503
    code = "not_configured"
    public_message = "this capability is not configured in this deployment"


class DeadlineExceeded(ServiceError):
    """Not enough time is left to finish the request: a model or a statement was too slow."""

    status = 504
    code = "timeout"
    public_message = "the request took too long; retry later"
    log_level = logging.WARNING
