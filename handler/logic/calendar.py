"""The user's "today": the service's default time zone decides which day a record belongs to."""

from __future__ import annotations

import datetime as dt

from handler.settings import get_settings


def today() -> dt.date:
    return dt.datetime.now(get_settings().timezone).date()


def local_time(moment: dt.datetime) -> str:
    return moment.astimezone(get_settings().timezone).strftime("%H:%M")
