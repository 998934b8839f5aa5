"""A PostgreSQL server of a test's own (the `pgserver` package, in a temporary folder), migrated.

For tests that must do what no shared server may suffer: restart it, or reach it the way the
function does in AWS (host, port and database from settings, TLS verified). It listens only on a
Unix socket in its folder (libpq does not use TLS on a Unix socket, so `sslmode=verify-full` still
connects), and is deleted when the test is done. The machine's PostgreSQL is never touched.

`server_without_pgvector`: the same PostgreSQL without the `vector` extension, what a server
without the pgvector package looks like (Debian's PostgreSQL here, for one), on any machine.
`server_with_settings`: the same PostgreSQL started with given settings (a parameter group's), its
server log in a file a test can read.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2

from tests.support import services


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
    from handler.settings import load_settings

    saved = os.environ.get("DATABASE_URL")
    services.current().store.close()
    os.environ["DATABASE_URL"] = url
    services.reload()
    try:
        migrations.migrate(services.current().store, load_settings())
    finally:
        services.current().store.close()
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved
        services.reload()


@contextlib.contextmanager
def server_without_pgvector() -> Iterator[str]:
    """The URL of a running PostgreSQL whose extensions lack pgvector, deleted afterwards.

    pgserver's own programs, copied: PostgreSQL looks for extensions in the share/ folder next to
    its executable (symlinks resolved), so a copy beside a share/ folder without `vector*` files has
    no pgvector, while everything else is the embedded server's."""
    from pgserver._commands import POSTGRES_BIN_PATH

    install = POSTGRES_BIN_PATH.parent
    with tempfile.TemporaryDirectory(prefix="diary-pg-nopgvector-") as folder:
        root = Path(folder)
        root.chmod(0o755)
        (root / "bin").mkdir()
        for program in ("initdb", "pg_ctl", "postgres"):
            shutil.copy2(POSTGRES_BIN_PATH / program, root / "bin")
        (root / "lib").symlink_to(install / "lib")
        share = install / "share" / "postgresql"
        extensions = root / "share" / "postgresql" / "extension"
        extensions.mkdir(parents=True)
        for entry in share.iterdir():
            if entry.name != "extension":
                (extensions.parent / entry.name).symlink_to(entry)
        for entry in (share / "extension").iterdir():
            if not entry.name.startswith("vector"):
                (extensions / entry.name).symlink_to(entry)
        # The programs find pgserver's libpq through a path relative to where they were installed.
        env = {**os.environ, "LD_LIBRARY_PATH": str(install.parents[1] / "pgserver.libs")}
        with _running(root / "bin", root / "data", env) as (url, _):
            yield url


@contextlib.contextmanager
def server_with_settings(settings: dict[str, str]) -> Iterator[tuple[str, Path]]:
    """The URL of a running PostgreSQL started with `settings` (name -> value, as a parameter group
    sets them; the rest PostgreSQL's defaults), and the file its server log is written to."""
    from pgserver._commands import POSTGRES_BIN_PATH

    with tempfile.TemporaryDirectory(prefix="diary-pg-settings-") as folder:
        root = Path(folder)
        root.chmod(0o755)
        options = " ".join(f"-c {name}={value}" for name, value in settings.items())
        with _running(POSTGRES_BIN_PATH, root / "data", dict(os.environ), options) as running:
            yield running


@contextlib.contextmanager
def _running(bin_dir: Path, data: Path, env: dict[str, str], options: str = "") -> Iterator[tuple[str, Path]]:
    """initdb into `data` and start the server there on a Unix socket only; its URL and log file."""
    from pgserver.utils import ensure_user_exists

    data.mkdir()
    # PostgreSQL refuses to run as root; as root, run it as pgserver's own user, as pgserver does.
    user = None
    if os.geteuid() == 0:
        user = ensure_user_exists("pgserver").pw_name
        shutil.chown(data, user)

    def run(program: str, *args: str) -> None:
        subprocess.run(
            [str(bin_dir / program), "-D", str(data), *args],
            user=user, env=env, check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    run("initdb", "--auth=trust", "--encoding=utf8", "-U", "postgres")
    log = data / "log"
    run("pg_ctl", "-w", "-o", f'-h "" -k {data} {options}', "-l", str(log), "start")
    try:
        yield f"postgresql://postgres@/postgres?host={data}", log
    finally:
        run("pg_ctl", "-w", "-m", "immediate", "stop")
