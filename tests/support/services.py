"""The function's services as a test configured them: built from the environment as it is now, in
place of the ones handler.app made at import (a test changes a setting with monkeypatch's setenv,
then calls `reload()`; again after undoing it).

handler.dal.connection still reads its settings through handler.settings.get_settings (the store
bound to the caller takes them over), so its cache is cleared here too, and nowhere else.
"""

from __future__ import annotations

import sys

from handler.composition import Services
from handler.settings import SettingsError, get_settings


def reload() -> Services | None:
    """The app's services made again from the environment; None before handler.app is imported
    (its import makes them)."""
    get_settings.cache_clear()
    app = sys.modules.get("handler.app")
    if app is None:
        return None
    try:
        app.services = Services.from_environment()  # type: ignore[attr-defined]
    except SettingsError:
        # A unit test's environment, restored, configures no database: no request runs in it.
        return None
    return app.services  # type: ignore[attr-defined]


def current() -> Services:
    """The services the app serves requests with now."""
    from handler import app

    return app.services
