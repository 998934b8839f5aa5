"""PgBouncer (Debian's `pgbouncer`) in transaction pooling mode, in front of the tests' PostgreSQL.

What RDS Proxy does in AWS: many client connections multiplexed onto fewer server connections, a
server connection handed to another client at the end of each transaction. With `pool_size`
smaller than the number of clients, transactions of different users run on the same server
connections, so any setting that outlived its transaction would show up in another user's.

    with PgBouncer(test_database_url, pool_size=2) as bouncer:
        bouncer.url            # the same database, through the pooler
        bouncer.server_connections()

PgBouncer refuses to run as root; as root it is started as the owner of the server's Unix socket
folder (the embedded server's), or as `nobody` for a server on TCP.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2.extensions import make_dsn, parse_dsn

BINARY_PATHS = ("pgbouncer", "/usr/sbin/pgbouncer")


def binary() -> str | None:
    return next((found for name in BINARY_PATHS if (found := shutil.which(name))), None)


class PgBouncer:
    def __init__(self, upstream_url: str, pool_size: int) -> None:
        self.upstream = parse_dsn(upstream_url)
        self.pool_size = pool_size
        self.folder = Path(tempfile.mkdtemp(prefix="diary-pgbouncer-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.user = self.upstream.get("user", "postgres")
        self.url = make_dsn(
            host="127.0.0.1", port=self.port, dbname=self.upstream["dbname"], user=self.user, sslmode="disable"
        )
        self._process: subprocess.Popen | None = None
        self._log: Any = None

    def __enter__(self) -> PgBouncer:
        host = self.upstream.get("host", "127.0.0.1")
        port = self.upstream.get("port", "5432")
        (self.folder / "users.txt").write_text(f'"{self.user}" ""\n')
        (self.folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={host} port={port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.folder / 'users.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {self.pool_size}\nmax_client_conn = 200\n"
            f"admin_users = {self.user}\n"
        )
        self.folder.chmod(0o755)
        for path in self.folder.iterdir():
            path.chmod(0o644)
        command = [binary() or "pgbouncer", str(self.folder / "pgbouncer.ini")]
        if os.geteuid() == 0:
            command[1:1] = ["-u", _run_as(host)]
        # Its log goes to stderr, into a file this process opened (the pooler's user may not write here).
        self._log = open(self.folder / "pgbouncer.log", "w")
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self._log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                psycopg2.connect(self.url, connect_timeout=2).close()
                return self
            except psycopg2.OperationalError:
                if self._process.poll() is not None:
                    break
                time.sleep(0.1)
        log = (
            (self.folder / "pgbouncer.log").read_text(errors="replace")
            if (self.folder / "pgbouncer.log").exists()
            else ""
        )
        self.__exit__()
        raise RuntimeError(f"pgbouncer did not start: {log[-2000:]}")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def server_connections(self) -> int:
        """Server connections PgBouncer holds to the database now (its admin console's SHOW POOLS)."""
        admin = psycopg2.connect(make_dsn(self.url, dbname="pgbouncer"))
        admin.autocommit = True
        try:
            with admin.cursor() as cur:
                cur.execute("SHOW POOLS")
                names = [column.name for column in cur.description]
                rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        finally:
            admin.close()
        kinds = ("sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login")
        return sum(int(row[kind]) for row in rows if row["database"] == self.upstream["dbname"] for kind in kinds)


def _run_as(host: str) -> str:
    """Whom to run as when started by root: who may reach the server's socket folder."""
    if host.startswith("/"):
        owner = pwd.getpwuid(os.stat(host).st_uid).pw_name
        if owner != "root":
            return owner
    return "nobody"
