"""The routes the app serves, read from the Powertools resolver handler.app builds: the one list the
stack's routes, its authorizer and the sample events are checked against."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from tests.support import services


@dataclasses.dataclass(frozen=True)
class Served:
    method: str
    path: str  # OpenAPI's form, as API Gateway writes routes: /records/{record_id}
    public: bool
    rule: re.Pattern[str]  # Powertools' own matcher of a request path

    @property
    def shape(self) -> tuple[str, str]:
        """(method, path) with parameters unnamed: API Gateway passes the path on as it came (the
        app reads its parameters from the path itself), so a route's parameter names are its own."""
        return self.method, unnamed(self.path)


def unnamed(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def served_routes(resolver: str = "APIGatewayHttpResolver") -> list[Served]:
    """Importing handler.app loads the settings, which need a database: a placeholder that nothing
    connects to, and the app's services made again afterwards for whatever runs next (when the
    environment configures them: an integration test's does)."""
    from aws_lambda_powertools import event_handler

    with pytest.MonkeyPatch.context() as env:
        if not _settings_load():
            env.setenv("DATABASE_URL", "postgresql://placeholder.invalid/none")
        from handler import app
        from handler.api import identity, paths

        # The routes are the same under any base path (it only strips a prefix from the path).
        built: Any = app._resolver_for(getattr(event_handler, resolver), None)
    if _settings_load():
        services.reload()
    return [Served(r.method, r.openapi_path, identity.is_public_route(r), r.rule) for r in paths.routes(built)]


def _settings_load() -> bool:
    from handler.settings import SettingsError, load_settings

    try:
        load_settings()
    except SettingsError:
        return False
    return True
