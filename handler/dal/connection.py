"""The container's one PostgreSQL connection.

Opened on first use and kept across invocations, because a Lambda container handles one request at a
time and a new connection per request costs a TLS handshake. A frozen container may come back to a
connection the server or RDS Proxy has closed meanwhile; an idle connection has nothing to say, so
one with something to read has hung up (the server's goodbye, or end of file) and is reopened before
use, without a round trip. A connection that died silently fails its first statement instead, and
that request gets DatabaseUnavailable (a 503 to retry): nothing was committed.

Round trips are what a request waits for (through RDS Proxy, more so): the transaction's settings
travel with its first statement, so a one-statement transaction (statement()) takes one round trip
and a longer one (transaction()) one per statement plus its COMMIT.
"""

from __future__ import annotations

import contextlib
import select
from collections.abc import Iterator

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import psycopg2.extras

from handler.dal.credentials import connection_dsn
from handler.errors import DatabaseUnavailable, DeadlineExceeded
from handler.settings import get_settings

# uuid and uuid[] columns come back as uuid.UUID, not strings.
psycopg2.extras.register_uuid()

_connection: psycopg2.extensions.connection | None = None
# The role requests act as (created by migration 0003); row-level security applies to it. The
# function logs in as diary_app_login, which may act as this role and no other
# (handler/dal/login_roles.py): a statement that asks for another role is refused by PostgreSQL.
APP_ROLE = "diary_app"
# A transaction's settings: the caller, the statement timeout, the role (see _scoped).
_ACT_FOR = "SELECT diary_act_for(%s, %s, %s); "
_BOOTSTRAP = (
    "SELECT set_config('app.user_id', %s, true), set_config('statement_timeout', %s, true),"
    " set_config('role', %s, true); "
)
# The role the embedding backfill acts as (migration 0005): it reads texts and writes embeddings
# of every user's rows, and nothing else. Only the backfill's own login may act as it.
BACKFILL_ROLE = "diary_backfill"
# The role the worker's retention sweep acts as (migration 0009): it deletes remembered responses
# whose time is up and expired exports, of every user.
RETENTION_ROLE = "diary_retention"


# How a refused password reads when connecting. psycopg2 has no SQLSTATE for a failed connect
# (pgcode is None even when the server sent one: libpq reports it as text), so the words are all
# there is. PostgreSQL's own, also inside what RDS Proxy passes on when the database refuses the
# proxy's login ("Request returned an error: ..."); and RDS Proxy's, which checks the password
# against its own copy of the secret: "The password that was provided for the role <role> is wrong."
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html
_PASSWORD_REFUSED = ("password authentication failed for user", "The password that was provided for the role")


def _open() -> psycopg2.extensions.connection:
    try:
        return _connect(refresh_secret=False)
    except psycopg2.OperationalError as exc:
        if not (get_settings().db_secret_arn and any(words in str(exc) for words in _PASSWORD_REFUSED)):
            raise DatabaseUnavailable("database connection failed") from exc
    # RDS rotates the managed secret, and a cached password fails until the cache expires: read the
    # secret again, once. A fresh password still refused (RDS Proxy may not have read it yet) is a
    # 503; a later request connects with it once the proxy has read it too.
    try:
        return _connect(refresh_secret=True)
    except psycopg2.OperationalError as exc:
        raise DatabaseUnavailable("database connection failed") from exc


def _connect(refresh_secret: bool) -> psycopg2.extensions.connection:
    settings = get_settings()
    conn = psycopg2.connect(
        connection_dsn(settings, refresh=refresh_secret),
        connect_timeout=settings.db_connect_timeout_s,
        application_name="diary-orchestrator",
        # Detect a peer that vanished while the container was frozen.
        keepalives=1,
        keepalives_idle=30,
        keepalives_interval=10,
        keepalives_count=3,
    )
    # transaction() sends BEGIN itself, with the transaction's first statement; outside autocommit
    # psycopg2 would send a BEGIN of its own first, one more round trip.
    conn.autocommit = True
    return conn


def _current() -> psycopg2.extensions.connection:
    global _connection
    if _connection is not None and not _connection.closed and _hung_up(_connection):
        close()
    if _connection is None or _connection.closed:
        _connection = _open()
    return _connection


def _hung_up(conn: psycopg2.extensions.connection) -> bool:
    # Between transactions the server sends nothing (this function never LISTENs); anything
    # readable is a termination notice or the end of the stream.
    idle = select.poll()
    idle.register(conn, select.POLLIN)
    return bool(idle.poll(0))


def close() -> None:
    """Close the container's connection (tests, the local runner, and handler.snap_start before a snapshot)."""
    global _connection
    if _connection is not None and not _connection.closed:
        _connection.close()
    _connection = None


class _ScopedCursor(psycopg2.extras.RealDictCursor):
    """Sends `opening` (the transaction's settings) in front of its first statement; with `single`,
    refuses a second statement."""

    opening: bytes = b""
    single: bool = False

    def execute(self, query, vars=None):
        if self.opening:
            # mogrify binds the parameters exactly as execute would; the joined text has none left.
            statement, self.opening = self.opening + self.mogrify(query, vars), b""
            return super().execute(statement)
        if self.single:
            raise RuntimeError("connection.statement() runs one statement; use connection.transaction()")
        return super().execute(query, vars)


@contextlib.contextmanager
def transaction(
    user_id: str | None, role: str | None = None, bootstrap: bool = False
) -> Iterator[psycopg2.extras.RealDictCursor]:
    """A cursor in one transaction acting for `user_id` (None for service-level statements).
    Two round trips for one statement: BEGIN and the settings go with the first, then COMMIT.
    `bootstrap`: for the migrations, which run before diary_act_for exists."""
    with _scoped(user_id, explicit=True, role=role, bootstrap=bootstrap) as cur:
        yield cur
        cur.execute("COMMIT")


@contextlib.contextmanager
def statement(user_id: str | None, role: str | None = None) -> Iterator[psycopg2.extras.RealDictCursor]:
    """A cursor for exactly one statement, a transaction of its own, acting for `user_id`.
    One round trip: the statements of one query string run as one implicit transaction, committed
    when the last succeeds, so the settings and the statement need no BEGIN and no COMMIT.
    `role`: act as that role instead (the backfill's), for no user."""
    with _scoped(user_id, explicit=False, role=role) as cur:
        yield cur


@contextlib.contextmanager
def _scoped(
    user_id: str | None, explicit: bool, role: str | None = None, bootstrap: bool = False
) -> Iterator[psycopg2.extras.RealDictCursor]:
    """`explicit`: a BEGIN ... COMMIT transaction; otherwise one statement, an implicit transaction."""
    conn = _current()
    try:
        with conn.cursor(cursor_factory=_ScopedCursor) as cur:
            # Transaction-local settings: a reused connection never carries the previous caller's
            # id, and they survive poolers such as RDS Proxy that reset session state. Acting for
            # a user also means acting as diary_app, the role row-level security applies to.
            # Through diary_act_for (migration 0007), which RDS Proxy does not pin a session for;
            # the migrations that create it set the same settings directly.
            settings = (
                user_id or "",
                str(get_settings().db_statement_timeout_ms),
                role or (APP_ROLE if user_id else "none"),
            )
            cur.opening = (b"BEGIN; " if explicit else b"") + cur.mogrify(
                _BOOTSTRAP if bootstrap else _ACT_FOR, settings
            )
            cur.single = not explicit
            yield cur
    except psycopg2.errors.QueryCanceled as exc:
        _rollback(conn)
        raise DeadlineExceeded("statement timed out") from exc
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
        close()
        raise DatabaseUnavailable("database connection lost") from exc
    except BaseException:
        _rollback(conn)
        raise


def ping() -> None:
    """Raise DatabaseUnavailable unless PostgreSQL answers a trivial query."""
    with statement(None) as cur:
        cur.execute("SELECT 1")


def _rollback(conn: psycopg2.extensions.connection) -> None:
    # Nothing to roll back when the opening was never sent (no statement ran).
    if not conn.closed and conn.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
        with conn.cursor() as cur:
            cur.execute("ROLLBACK")
