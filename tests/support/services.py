"""The function's services as a test configured them: built from the environment as it is now, in
place of the ones the entry points (handler.app, handler.backfill) made at import. A test changes a
setting with monkeypatch's setenv and calls `reload()`; after the test, once monkeypatch has
restored the environment, tests/conftest.py makes them again (a fixture that reloads on its way out
runs before monkeypatch's undo).

The services made before are closed (their store's connection): a process holds one connection, as
a Lambda container does.
"""

from __future__ import annotations

import sys

from handler.composition import Services
from handler.settings import SettingsError

ENTRY_POINTS = ("handler.app", "handler.backfill")
# How many times the services were made again (tests/conftest.py makes them once more after a test
# that did, once monkeypatch has restored the environment).
reloads = 0


def reload() -> Services | None:
    """The entry points' services made again from the environment; None when none is imported yet
    (its import makes them) or the environment configures none."""
    global reloads
    reloads += 1
    entry_points = [sys.modules[name] for name in ENTRY_POINTS if name in sys.modules]
    if not entry_points:
        return None
    for module in entry_points:
        module.services.store.close()  # type: ignore[attr-defined]
    try:
        services = Services.from_environment()
    except SettingsError:
        # A unit test's environment, restored, configures no database: no request runs in it.
        return None
    for module in entry_points:
        module.services = services  # type: ignore[attr-defined]
    return services


def current() -> Services:
    """The services the app serves requests with now."""
    from handler import app

    return app.services
