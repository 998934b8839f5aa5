"""A PostgreSQL for local runs and tests when DATABASE_URL is not set: the `pgserver` package's
(PostgreSQL 16 with pgvector, which the schema requires, as RDS for PostgreSQL has it).

The server lives in a folder of the project (.local/pgdata), so its data survives between runs and
never touches a system database. It stops when the last process that asked for it exits.

It listens on 127.0.0.1, on a port that is free when it starts, as well as on its Unix socket: a
function run in a container (the image tests' `buildah run`, which shares the host's network)
cannot see a socket in the project's folder. pgserver's trust authentication, on loopback only.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from psycopg2.extensions import make_dsn, parse_dsn

PGDATA = Path(__file__).resolve().parents[2] / ".local" / "pgdata"
HOST = "127.0.0.1"
# The option pgserver starts PostgreSQL with to keep it off TCP.
_NO_TCP = '-h ""'


def login_url(url: str, login: str) -> str:
    """`url` with `login` as its user and no password: how a function's login
    (handler/dal/login_roles.py), which has no password locally, logs in where the server trusts
    local connections, as the embedded one does. Migrations keep the superuser's `url`."""
    params = parse_dsn(url)
    params.pop("password", None)
    return make_dsn(**{**params, "user": login})


def database_url() -> str:
    """DATABASE_URL when set, else the URL of the embedded server (TCP), started if needed."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    import pgserver  # dev dependency only
    from pgserver._commands import POSTGRES_BIN_PATH

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    with _on_tcp():
        server = pgserver.get_server(PGDATA, cleanup_mode="stop")
    info = server.get_postmaster_info()
    if info.hostname != HOST or not info.port:
        raise RuntimeError(
            f"the embedded PostgreSQL in {PGDATA} runs without TCP (started by an earlier version of"
            f" this project): stop it ({POSTGRES_BIN_PATH / 'pg_ctl'} -D {PGDATA} stop) and run again"
        )
    return f"postgresql://postgres@{HOST}:{info.port}/postgres"


@contextlib.contextmanager
def _on_tcp() -> Iterator[None]:
    """pgserver has no setting for TCP: while it starts a server here, its `-h ""` becomes loopback
    and a free port. Loud, not silent, if pgserver ever starts servers otherwise."""
    from pgserver import postgres_server
    from pgserver.utils import find_suitable_port

    pg_ctl = postgres_server.pg_ctl

    def pg_ctl_on_tcp(args: list[str], **kwargs: object) -> str:
        if "start" in args:
            if _NO_TCP not in args:
                raise RuntimeError(f"pgserver starts PostgreSQL without {_NO_TCP}: see {__file__}")
            args = [f"-h {HOST} -p {find_suitable_port(HOST)}" if arg == _NO_TCP else arg for arg in args]
        return pg_ctl(args, **kwargs)

    postgres_server.pg_ctl = pg_ctl_on_tcp
    try:
        yield
    finally:
        postgres_server.pg_ctl = pg_ctl
