"""Each user's limits on model work, so that one user cannot spend everyone's budget.

Two kinds, both counted in PostgreSQL (handler.dal.quotas: the Lambda containers share no memory)
and both decided before any model call, past them a 429 with Retry-After and the limit's name:
- a day's text model calls, pictures and tokens (`quota_exceeded`): MODEL_CALLS_PER_DAY,
  PICTURES_PER_DAY, MODEL_TOKENS_PER_DAY. The day is the user's day in DEFAULT_TIMEZONE (the day
  records default to); its counts start again from 0 at its midnight.
- a day's photo uploads and their bytes (`quota_exceeded`, limit `photos` or `photo_bytes`):
  PHOTOS_PER_DAY, PHOTO_BYTES_PER_DAY, counted when an upload is asked for (its declared size, which
  its POST policy binds exactly), so that an abandoned one counts too: asking is what costs.
- a short-window rate on the routes that call a model (`rate_limited`): RATE_LIMIT_REQUESTS per
  RATE_LIMIT_WINDOW_S, as a burst that refills one request every window/limit seconds.

How model work is counted:
- `spending(caller, calls=, pictures=)` around the work: reserves what it needs in one atomic
  statement (refused: nothing is reserved, no model is called), counts what the calls inside really
  were (handler.inference.usage) and settles when the block ends: calls and pictures reserved but
  not made are given back, tokens added.
- `charge(caller, calls)` + `prepaid(caller)`: a report's one call is charged when POST /reports
  accepts it; the worker writes it inside `prepaid`, which adds only its tokens (a malformed
  answer's retry and a redelivery are the service's, not the user's).
- Tokens are known only once a call has answered, so they cannot be reserved: work is admitted
  while the day's tokens are below the limit, and all its tokens are counted when it ends, even past
  the limit; the next request is refused. A day can pass the token limit by the tokens of the work
  admitted before it was reached (one request's, times the user's requests running at once).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterator

from aws_lambda_powertools import Logger

from handler.composition import Caller
from handler.dal.quotas import DayLimits, DayUsage, Quotas
from handler.errors import DatabaseUnavailable, DeadlineExceeded, QuotaExceeded, RateLimited
from handler.inference import usage
from handler.models import Allowance, RateAllowance, Usage
from handler.settings import Settings

logger = Logger(child=True)


def admit_request(caller: Caller) -> None:
    """Count one request to a route that calls a model against the caller's rate; RateLimited past it."""
    settings = caller.settings
    window_s = settings.rate_limit_window_s
    wait_s = caller.store.quotas.take_request(window_s / settings.rate_limit_requests, window_s)
    if wait_s is not None:
        raise RateLimited(
            f"at most {settings.rate_limit_requests} requests that call a model per {window_s} s",
            limit="rate",
            retry_after_s=math.ceil(wait_s),
        )


@contextlib.contextmanager
def spending(caller: Caller, calls: int = 0, pictures: int = 0) -> Iterator[None]:
    """Model work of `calls` text model calls and `pictures` pictures at most, reserved before it
    runs and settled after it; QuotaExceeded (nothing reserved) when the day has no room for it."""
    day = _reserve(caller, calls, pictures)
    with usage.tally_for(caller.user_id, caller.settings.caller_id_salt) as tally:
        try:
            yield
        finally:
            _settle(caller, day, tally.model_calls - calls, tally.pictures - pictures, tally.tokens)


def charge(caller: Caller, calls: int) -> None:
    """Charge model work that runs later (a report, in the worker, inside `prepaid`): reserved like
    `spending`'s, and never given back."""
    _reserve(caller, calls, 0)


@contextlib.contextmanager
def prepaid(caller: Caller) -> Iterator[None]:
    """Model work charged already (`charge`): its calls are not counted again, its tokens are."""
    day = _now(caller.settings).date()
    with usage.tally_for(caller.user_id, caller.settings.caller_id_salt) as tally:
        try:
            yield
        finally:
            _settle(caller, day, 0, 0, tally.tokens)


def admit_photo(caller: Caller, quotas: Quotas, size_bytes: int) -> None:
    """Count one photo upload of `size_bytes` on the caller's day (PHOTOS_PER_DAY, PHOTO_BYTES_PER_DAY),
    on `quotas`, the caller's transaction's: the day's row stays locked until it ends, so that the
    user's photo admissions run one after another; QuotaExceeded (nothing counted) past either."""
    settings = caller.settings
    now = _now(settings)
    if quotas.reserve_photo(now.date(), size_bytes, settings.photos_per_day, settings.photo_bytes_per_day):
        return
    used = quotas.day_usage(now.date())
    limit = "photos" if used.photos + 1 > settings.photos_per_day else "photo_bytes"
    raise QuotaExceeded(
        f"today's {limit.replace('_', ' ')} are used up; they start again at midnight ({settings.default_timezone})",
        limit=limit,
        retry_after_s=seconds_to_midnight(now),
    )


def today_usage(caller: Caller) -> Usage:
    settings = caller.settings
    now = _now(settings)
    limits = _limits(settings)
    used = caller.store.quotas.day_usage(now.date())
    ahead_s = caller.store.quotas.rate_ahead_s()
    step_s = settings.rate_limit_window_s / settings.rate_limit_requests
    available = math.floor((settings.rate_limit_window_s - ahead_s) / step_s + 1e-9)
    return Usage(
        day=now.date(),
        time_zone=settings.default_timezone,
        resets_at=now + dt.timedelta(seconds=seconds_to_midnight(now)),
        model_calls=_allowance(used.model_calls, limits.model_calls),
        pictures=_allowance(used.pictures, limits.pictures),
        tokens=_allowance(used.tokens, limits.tokens),
        photos=_allowance(used.photos, settings.photos_per_day),
        photo_bytes=_allowance(used.photo_bytes, settings.photo_bytes_per_day),
        rate=RateAllowance(
            limit=settings.rate_limit_requests,
            window_s=settings.rate_limit_window_s,
            available=max(0, min(settings.rate_limit_requests, available)),
        ),
    )


def _reserve(caller: Caller, calls: int, pictures: int) -> dt.date:
    """Reserve on today's counts; the day reserved on, or QuotaExceeded."""
    settings = caller.settings
    now = _now(settings)
    limits = _limits(settings)
    reserved = caller.store.quotas.reserve(now.date(), calls, pictures, limits)
    if reserved is not None:
        return now.date()
    used = caller.store.quotas.day_usage(now.date())
    limit = _reached(used, limits, calls)
    raise QuotaExceeded(
        f"today's {limit.replace('_', ' ')} are used up; they start again at midnight ({settings.default_timezone})",
        limit=limit,
        retry_after_s=seconds_to_midnight(now),
    )


def _settle(caller: Caller, day: dt.date, calls: int, pictures: int, tokens: int) -> None:
    """Settle what the work spent; when the database fails here, the work is done and answered
    anyway: what it reserved stays counted, and only its tokens are lost (logged)."""
    if not (calls or pictures or tokens):
        return
    try:
        caller.store.quotas.settle(day, calls, pictures, tokens)
    except (DatabaseUnavailable, DeadlineExceeded) as exc:
        who = usage.pseudonym(caller.user_id, caller.settings.caller_id_salt)
        logger.warning("model usage not settled", extra={"caller": who, "tokens": tokens, "reason": str(exc)})


def _reached(used: DayUsage, limits: DayLimits, calls: int) -> str:
    """Which limit refused a reservation (read just after it, for the answer only)."""
    if used.tokens >= limits.tokens:
        return "tokens"
    if used.model_calls + calls > limits.model_calls:
        return "model_calls"
    return "pictures"


def _allowance(used: int, limit: int) -> Allowance:
    return Allowance(used=used, limit=limit, remaining=max(0, limit - used))


def _limits(settings: Settings) -> DayLimits:
    return DayLimits(
        model_calls=settings.model_calls_per_day,
        pictures=settings.pictures_per_day,
        tokens=settings.model_tokens_per_day,
    )


def _now(settings: Settings) -> dt.datetime:
    return dt.datetime.now(settings.timezone)


def seconds_to_midnight(now: dt.datetime) -> int:
    """Seconds from `now` (aware, in the service's time zone) to the start of the next day there,
    counted on UTC so that a daylight-saving change that day is taken into account."""
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=now.tzinfo)
    return math.ceil((midnight.astimezone(dt.UTC) - now.astimezone(dt.UTC)).total_seconds())
