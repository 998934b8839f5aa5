"""The user's "today": the service's default time zone (`zone`, DEFAULT_TIMEZONE's) decides which
day a record belongs to."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def today(zone: ZoneInfo) -> dt.date:
    return dt.datetime.now(zone).date()


def local_time(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")
