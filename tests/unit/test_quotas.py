"""The parts of the per-user limits that need no database: when a day ends, the 429's answer, and
the caller's pseudonym."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from zoneinfo import ZoneInfo

import pytest

from handler.api.errors import proxy_response
from handler.composition import Services
from handler.errors import QuotaExceeded, RateLimited
from handler.logic.quotas import seconds_to_midnight


@pytest.mark.parametrize(
    ("moment", "seconds"),
    [
        (dt.datetime(2026, 12, 4, 23, 59, 30, tzinfo=ZoneInfo("Asia/Seoul")), 30),
        (dt.datetime(2026, 12, 4, 0, 0, tzinfo=ZoneInfo("Asia/Seoul")), 24 * 3600),
        # The day daylight-saving time starts has 23 hours, the day it ends 25.
        (dt.datetime(2026, 3, 8, 0, 0, tzinfo=ZoneInfo("America/New_York")), 23 * 3600),
        (dt.datetime(2026, 11, 1, 0, 0, tzinfo=ZoneInfo("America/New_York")), 25 * 3600),
        (dt.datetime(2026, 12, 4, 12, 0, 0, 1, tzinfo=ZoneInfo("UTC")), 12 * 3600),
    ],
)
def test_a_day_ends_at_the_next_midnight_of_its_time_zone(moment, seconds):
    assert seconds_to_midnight(moment) == seconds


@pytest.mark.parametrize(
    ("error", "code", "limit"),
    [
        (
            QuotaExceeded("today's pictures are used up", limit="pictures", retry_after_s=3600),
            "quota_exceeded",
            "pictures",
        ),
        (RateLimited("at most 10 per 60 s", limit="rate", retry_after_s=0), "rate_limited", "rate"),
    ],
)
def test_a_429_says_which_limit_and_when_to_come_back(error, code, limit):
    response = proxy_response(error)
    assert response["statusCode"] == 429
    assert json.loads(response["body"]) == {"error": {"code": code, "message": str(error), "limit": limit}}
    # Never 0: a client told to retry at once would hammer the limit.
    assert int(response["headers"]["Retry-After"]) == max(1, error.retry_after_s)


def test_the_pseudonym_is_a_keyed_hash_of_the_user_id(monkeypatch):
    from handler.inference import usage

    def salt() -> str | None:
        """CALLER_ID_SALT as the function's settings read it."""
        return Services.from_environment().settings.caller_id_salt

    monkeypatch.setenv("DATABASE_URL", "postgresql://unused")
    monkeypatch.setenv("CALLER_ID_SALT", "key-a")
    user = "3f6c1e2a-8b4d-4c1e-9a7f-2d5b6e8c9a01"
    first = usage.pseudonym(user, salt())
    assert first == hmac.new(b"key-a", user.encode(), hashlib.sha256).hexdigest()[:16]
    assert first == usage.pseudonym(user, salt()) and first != usage.pseudonym("another user", salt())
    monkeypatch.setenv("CALLER_ID_SALT", "key-b")
    # Another deployment's key: another pseudonym for the same user.
    assert usage.pseudonym(user, salt()) != first
