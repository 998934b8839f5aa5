"""The store: the container's one PostgreSQL connection, and the repositories bound to who acts.

Opened on first use and kept across invocations, because a Lambda container handles one request at a
time and a new connection per request costs a TLS handshake. A frozen container may come back to a
connection the server or RDS Proxy has closed meanwhile; an idle connection has nothing to say, so
one with something to read has hung up (the server's goodbye, or end of file) and is reopened before
use, without a round trip. A connection that died silently fails its first statement instead, and
that request gets DatabaseUnavailable (a 503 to retry): nothing was committed.

Who acts is bound once: `store.for_user(user_id)` (a request's or a job's caller, as diary_app),
`as_backfill()`, `as_retention()`, `as_service()` (the service's own tables, for no user), and
`bootstrap()` for the migrations. A bound store offers one repository per table group; each of its
statements is a transaction of its own, and `transaction()` runs several in one.

Round trips are what a request waits for (through RDS Proxy, more so): the transaction's settings
travel with its first statement, so a statement of its own takes one round trip and a
`transaction()` one per statement plus its COMMIT.
"""

from __future__ import annotations

import contextlib
import functools
import select
from collections.abc import Iterator

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import psycopg2.extras

from handler.dal.credentials import connection_dsn
from handler.dal.day_prompts import DayPrompts
from handler.dal.diaries import Diaries
from handler.dal.erasures import Erasures
from handler.dal.exports import Exports
from handler.dal.idempotency import RememberedResponses
from handler.dal.images import Images
from handler.dal.imports import Imports
from handler.dal.insights import InsightsReader
from handler.dal.photos import Photos
from handler.dal.quotas import Quotas
from handler.dal.records import Records
from handler.dal.reports import Reports
from handler.dal.repository import Unit
from handler.dal.voice_notes import VoiceNotes
from handler.errors import DatabaseUnavailable, DeadlineExceeded
from handler.settings import Settings

# uuid and uuid[] columns come back as uuid.UUID, not strings.
psycopg2.extras.register_uuid()

# The role requests act as (created by migration 0003); row-level security applies to it. The
# function logs in as diary_app_login, which may act as this role and no other
# (handler/dal/login_roles.py): a statement that asks for another role is refused by PostgreSQL.
APP_ROLE = "diary_app"
# The role the embedding backfill acts as (migration 0005): it reads texts and writes embeddings
# of every user's rows, and nothing else. Only the backfill's own login may act as it.
BACKFILL_ROLE = "diary_backfill"
# The role the worker's retention sweep acts as (migration 0009): it deletes remembered responses
# whose time is up and expired exports, of every user.
RETENTION_ROLE = "diary_retention"
# A transaction's settings: the caller, the statement timeout, the role (see _scoped).
_ACT_FOR = "SELECT diary_act_for(%s, %s, %s); "
_BOOTSTRAP = (
    "SELECT set_config('app.user_id', %s, true), set_config('statement_timeout', %s, true),"
    " set_config('role', %s, true); "
)

# How a refused password reads when connecting. psycopg2 has no SQLSTATE for a failed connect
# (pgcode is None even when the server sent one: libpq reports it as text), so the words are all
# there is. PostgreSQL's own, also inside what RDS Proxy passes on when the database refuses the
# proxy's login ("Request returned an error: ..."); and RDS Proxy's, which checks the password
# against its own copy of the secret: "The password that was provided for the role <role> is wrong."
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html
_PASSWORD_REFUSED = ("password authentication failed for user", "The password that was provided for the role")


class Store:
    """The container's one connection (opened on first use), and who may act on it."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._connection: psycopg2.extensions.connection | None = None

    def for_user(self, user_id: str) -> BoundStore:
        """Acting for `user_id`, as diary_app: row-level security holds every statement to that user."""
        return BoundStore(self, user_id, None)

    def as_service(self) -> BoundStore:
        """The service's own tables (the erasures), for no user."""
        return BoundStore(self, None, None)

    def as_backfill(self) -> BoundStore:
        """As diary_backfill, for no user: every user's texts and embeddings, nothing else."""
        return BoundStore(self, None, BACKFILL_ROLE)

    def as_retention(self) -> BoundStore:
        """As diary_retention, for no user: what expired, of every user."""
        return BoundStore(self, None, RETENTION_ROLE)

    def bootstrap(self) -> contextlib.AbstractContextManager[psycopg2.extras.RealDictCursor]:
        """A transaction for the migrations, which run before diary_act_for exists."""
        return self.transaction_cursor(None, bootstrap=True)

    def ping(self) -> None:
        """Raise DatabaseUnavailable unless PostgreSQL answers a trivial query."""
        with self.statement_cursor(None) as cur:
            cur.execute("SELECT 1")

    # The cursors below are what the repositories run on (through a BoundStore); taken directly,
    # only by the migrations and by tests of the connection itself.

    def statement_cursor(
        self, user_id: str | None, role: str | None = None
    ) -> contextlib.AbstractContextManager[psycopg2.extras.RealDictCursor]:
        """A cursor for exactly one statement, a transaction of its own, acting for `user_id` (as
        `role` instead, for no user). One round trip: the statements of one query string run as one
        implicit transaction, committed when the last succeeds, so the settings and the statement
        need no BEGIN and no COMMIT."""
        return self._scoped(user_id, explicit=False, role=role)

    @contextlib.contextmanager
    def transaction_cursor(
        self, user_id: str | None, role: str | None = None, bootstrap: bool = False
    ) -> Iterator[psycopg2.extras.RealDictCursor]:
        """A cursor in one transaction acting for `user_id`: BEGIN and the settings go with the first
        statement, then COMMIT (two round trips for one statement). An exception rolls it all back."""
        with self._scoped(user_id, explicit=True, role=role, bootstrap=bootstrap) as cur:
            yield cur
            cur.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (tests, the local runner, the backfill after its run, and
        handler.snap_start before a snapshot); the next statement opens a new one."""
        if self._connection is not None and not self._connection.closed:
            self._connection.close()
        self._connection = None

    @contextlib.contextmanager
    def _scoped(
        self, user_id: str | None, explicit: bool, role: str | None = None, bootstrap: bool = False
    ) -> Iterator[psycopg2.extras.RealDictCursor]:
        """`explicit`: a BEGIN ... COMMIT transaction; otherwise one statement, an implicit
        transaction (the statements of one query string run as one, committed when the last
        succeeds, so the settings and the statement need no BEGIN and no COMMIT)."""
        conn = self._current()
        try:
            with conn.cursor(cursor_factory=_ScopedCursor) as cur:
                # Transaction-local settings: a reused connection never carries the previous caller's
                # id, and they survive poolers such as RDS Proxy that reset session state. Acting for
                # a user also means acting as diary_app, the role row-level security applies to.
                # Through diary_act_for (migration 0007), which RDS Proxy does not pin a session for;
                # the migrations that create it set the same settings directly.
                settings = (
                    user_id or "",
                    str(self._settings.db_statement_timeout_ms),
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
            self.close()
            raise DatabaseUnavailable("database connection lost") from exc
        except BaseException:
            _rollback(conn)
            raise

    def _current(self) -> psycopg2.extensions.connection:
        if self._connection is not None and not self._connection.closed and _hung_up(self._connection):
            self.close()
        if self._connection is None or self._connection.closed:
            self._connection = _open(self._settings)
        return self._connection


class Tables:
    """One repository per table group, each statement run in `unit`, acting for `user_id`; each
    made when first used."""

    def __init__(self, unit: Unit, user_id: str | None) -> None:
        self._unit = unit
        self._user_id = user_id

    @functools.cached_property
    def records(self) -> Records:
        return Records(self._unit, self._user_id)

    @functools.cached_property
    def diaries(self) -> Diaries:
        return Diaries(self._unit, self._user_id)

    @functools.cached_property
    def images(self) -> Images:
        return Images(self._unit, self._user_id)

    @functools.cached_property
    def photos(self) -> Photos:
        return Photos(self._unit, self._user_id)

    @functools.cached_property
    def voice_notes(self) -> VoiceNotes:
        return VoiceNotes(self._unit, self._user_id)

    @functools.cached_property
    def reports(self) -> Reports:
        return Reports(self._unit, self._user_id)

    @functools.cached_property
    def exports(self) -> Exports:
        return Exports(self._unit, self._user_id)

    @functools.cached_property
    def imports(self) -> Imports:
        return Imports(self._unit, self._user_id)

    @functools.cached_property
    def quotas(self) -> Quotas:
        return Quotas(self._unit, self._user_id)

    @functools.cached_property
    def remembered(self) -> RememberedResponses:
        return RememberedResponses(self._unit, self._user_id)

    @functools.cached_property
    def erasures(self) -> Erasures:
        return Erasures(self._unit, self._user_id)

    @functools.cached_property
    def insights(self) -> InsightsReader:
        return InsightsReader(self._unit, self._user_id)

    @functools.cached_property
    def day_prompts(self) -> DayPrompts:
        return DayPrompts(self._unit, self._user_id)


class BoundStore(Tables):
    """The store bound to who acts: each repository statement a transaction of its own (one round
    trip: the cursor refuses a second statement), or several in `transaction()`."""

    def __init__(self, store: Store, user_id: str | None, role: str | None) -> None:
        super().__init__(lambda: store.statement_cursor(user_id, role), user_id)
        self._store = store
        self._role = role

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tables]:
        """The repositories, every statement in one transaction (Store.transaction_cursor)."""
        with self._store.transaction_cursor(self._user_id, self._role) as cur:
            yield Tables(lambda: contextlib.nullcontext(cur), self._user_id)


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
            raise RuntimeError("a statement of its own runs one statement; use transaction()")
        return super().execute(query, vars)


def _open(settings: Settings) -> psycopg2.extensions.connection:
    try:
        return _connect(settings, refresh_secret=False)
    except psycopg2.OperationalError as exc:
        if not (settings.db_secret_arn and any(words in str(exc) for words in _PASSWORD_REFUSED)):
            raise DatabaseUnavailable("database connection failed") from exc
    # RDS rotates the managed secret, and a cached password fails until the cache expires: read the
    # secret again, once. A fresh password still refused (RDS Proxy may not have read it yet) is a
    # 503; a later request connects with it once the proxy has read it too.
    try:
        return _connect(settings, refresh_secret=True)
    except psycopg2.OperationalError as exc:
        raise DatabaseUnavailable("database connection failed") from exc


def _connect(settings: Settings, refresh_secret: bool) -> psycopg2.extensions.connection:
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


def _hung_up(conn: psycopg2.extensions.connection) -> bool:
    # Between transactions the server sends nothing (this function never LISTENs); anything
    # readable is a termination notice or the end of the stream.
    idle = select.poll()
    idle.register(conn, select.POLLIN)
    return bool(idle.poll(0))


def _rollback(conn: psycopg2.extensions.connection) -> None:
    # Nothing to roll back when the opening was never sent (no statement ran).
    if not conn.closed and conn.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
        with conn.cursor() as cur:
            cur.execute("ROLLBACK")
