"""What the integration tests share: the migrated database, and the function configured as in AWS."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.support import services


@pytest.fixture(autouse=True)
def _migrated_database(test_database: str) -> str:
    """Every integration test talks to the session's migrated database."""
    return test_database


@contextlib.contextmanager
def configured_as_in_aws(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str, **database: str) -> Iterator[None]:
    """The function without DATABASE_URL: its credentials from the secret DB_SECRET_ARN in moto's
    Secrets Manager and the server from DB_HOST, DB_PORT, DB_NAME... (`database`: upper-case names),
    as in AWS; fresh settings and a fresh connection on the way in and on the way out."""
    from aws_lambda_powertools.utilities.parameters import base as parameters_base

    services.current().store.close()
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name, value in {**database, "AWS_ENDPOINT_URL_SECRETS_MANAGER": moto_endpoint}.items():
        monkeypatch.setenv(name, value)
    # Powertools keeps one secrets client per process: a fresh one that sees this endpoint.
    monkeypatch.setattr(parameters_base, "DEFAULT_PROVIDERS", {})
    services.reload()
    try:
        yield
    finally:
        services.current().store.close()
        monkeypatch.undo()
        services.reload()


@contextlib.contextmanager
def logged_in_as(login: str) -> Iterator[None]:
    """The function's connection logged in to the session's database as `login` (a login of
    handler/dal/login_roles.py, as another function of the stack is in AWS); the app login's again
    afterwards."""
    import os

    from handler.local.embedded_postgres import login_url

    services.current().store.close()
    saved = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = login_url(saved, login)
    services.reload()
    try:
        yield
    finally:
        services.current().store.close()
        os.environ["DATABASE_URL"] = saved
        services.reload()
