"""A PostgreSQL server of a test's own (the `pgserver` package, in a temporary folder), migrated.

For tests that must do what no shared server may suffer: restart it, or reach it the way the
function does in AWS (host, port and database from settings, TLS verified). It listens only on a
Unix socket in its folder (libpq does not use TLS on a Unix socket, so `sslmode=verify-full` still
connects), and is deleted when the test is done. The machine's PostgreSQL is never touched.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from typing import Any

import psycopg2


@contextlib.contextmanager
def throwaway_server() -> Iterator[Any]:
    import pgserver

    server = pgserver.get_server(tempfile.mkdtemp(prefix="diary-pg-"), cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()


def socket_dir(server: Any) -> str:
    return psycopg2.extensions.parse_dsn(server.get_uri())["host"]


def migrate(url: str) -> None:
    """Apply the migrations to `url` with the same code as `python -m handler.migrate`."""
    import os

    from handler import migrate as migrations
    from handler.dal import connection
    from handler.settings import get_settings

    saved = os.environ.get("DATABASE_URL")
    connection.close()
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        migrations.migrate()
    finally:
        connection.close()
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved
        get_settings.cache_clear()
