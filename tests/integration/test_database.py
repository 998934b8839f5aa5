"""The container's connection and the migrations, against the real server."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import pytest

from handler.dal import store
from handler.errors import DeadlineExceeded
from handler.migrate import pending_files
from tests.support import services
from tests.support.requests import ROOT, call


def test_a_dropped_connection_is_reopened_on_the_next_invocation(user, db):
    assert call("GET", "/health").status == 200
    conn = services.current().store._current()
    backend_pid = conn.get_backend_pid()
    # What a database restart or an idle-timeout in RDS Proxy looks like to a frozen container: the
    # session ended before the next invocation (the timeout waits until the backend is gone; a
    # drop racing a request is the 503 of the unseen-drop test below).
    db.execute("SELECT pg_terminate_backend(%s, 5000)", (backend_pid,))

    created = call("POST", "/records", {"content": "재접속 후 저장", "record_date": "2026-11-25"}, user=user)
    assert created.status == 201
    assert services.current().store._current().get_backend_pid() != backend_pid
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 1


def test_a_connection_that_died_unseen_fails_one_request_with_503_and_nothing_stored(monkeypatch, user, db):
    """A drop the idle check cannot see (no goodbye on the socket) surfaces on the first statement:
    that request is a 503 to retry, and the next one reconnects."""
    assert call("GET", "/health").status == 200
    backend_pid = services.current().store._current().get_backend_pid()
    db.execute("SELECT pg_terminate_backend(%s, 5000)", (backend_pid,))  # waits until it is gone
    monkeypatch.setattr(store, "_hung_up", lambda conn: False)

    lost = call("POST", "/records", {"content": "끊긴 연결", "record_date": "2026-11-25"}, user=user)
    monkeypatch.undo()
    again = call("POST", "/records", {"content": "다시 연결", "record_date": "2026-11-25"}, user=user)

    assert lost.status == 503 and lost.body["error"]["code"] == "database_unavailable"
    assert lost.headers["retry-after"]
    assert again.status == 201
    db.execute("SELECT content FROM records WHERE user_id = %s", (user,))
    assert [row["content"] for row in db.fetchall()] == ["다시 연결"]


def test_the_connection_is_reused_across_invocations(user):
    call("GET", "/health")
    pid = services.current().store._current().get_backend_pid()
    for _ in range(3):
        call("POST", "/records", {"content": "같은 연결"}, user=user)
    assert services.current().store._current().get_backend_pid() == pid


def test_an_unreachable_database_is_503_with_retry_after(monkeypatch, user):

    services.current().store.close()
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none")
    monkeypatch.setenv("DB_CONNECT_TIMEOUT_S", "2")
    services.reload()
    try:
        health = call("GET", "/health")
        stored = call("POST", "/records", {"content": "못 저장"}, user=user)
    finally:
        monkeypatch.undo()
        services.reload()
        services.current().store.close()
    assert health.status == 503
    assert health.body == {"status": "unavailable", "database": "unreachable"}
    assert stored.status == 503
    assert stored.body["error"]["code"] == "database_unavailable"
    assert stored.headers["retry-after"] == "5"


def test_a_statement_past_the_timeout_is_504(monkeypatch):

    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "100")
    services.reload()
    try:
        try:
            with services.current().store.transaction_cursor("someone") as cur:
                cur.execute("SELECT pg_sleep(1)")
        except DeadlineExceeded:
            timed_out = True
        else:
            timed_out = False
    finally:
        monkeypatch.undo()
        services.reload()
    assert timed_out
    # The connection is still usable afterwards.
    assert call("GET", "/health").status == 200


def test_a_failed_statement_rolls_back_the_whole_transaction(user, db):
    """transaction() sends BEGIN, COMMIT and ROLLBACK itself (the connection is in autocommit):
    a failure after a write must undo the write and leave no transaction open behind it."""
    with pytest.raises(psycopg2.errors.UndefinedTable), services.current().store.transaction_cursor(user) as cur:
        cur.execute(
            "INSERT INTO records (id, user_id, content, record_date, search_terms)"
            " VALUES (gen_random_uuid(), %s, 'undone', current_date, to_tsvector('simple', 'undone'))",
            (user,),
        )
        cur.execute("SELECT * FROM no_such_table")
    assert services.current().store._current().get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 0
    # The next request on the same connection works and commits.
    assert call("POST", "/records", {"content": "그다음"}, user=user).status == 201
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 1


def test_a_single_statement_commits_on_its_own_and_takes_no_second(user, other_user, db):
    insert = (
        "INSERT INTO records (id, user_id, content, record_date, search_terms)"
        " VALUES (gen_random_uuid(), %s, %s, current_date, to_tsvector('simple', %s)) RETURNING content"
    )
    with services.current().store.statement_cursor(user) as cur:
        cur.execute(insert, (user, "한 번에", "한 번에"))
        assert cur.fetchone() == {"content": "한 번에"}
        with pytest.raises(RuntimeError, match="one statement"):
            cur.execute("SELECT 1")
    # Row-level security holds inside it: acting for one user, a row for another is refused.
    with pytest.raises(psycopg2.errors.InsufficientPrivilege), services.current().store.statement_cursor(user) as cur:
        cur.execute(insert, (other_user, "남의 것", "남의 것"))
    assert services.current().store._current().get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE
    db.execute("SELECT user_id, content FROM records WHERE user_id IN (%s, %s)", (user, other_user))
    assert db.fetchall() == [{"user_id": user, "content": "한 번에"}]


def test_a_bound_store_holds_its_repositories_to_the_caller_and_its_transaction_to_all_or_nothing(user, other_user, db):
    """caller.store: each repository statement a transaction of its own (a repository method of two
    statements is refused outside a transaction), several in transaction(), rolled back together."""
    import datetime as dt
    import uuid

    from handler.dal.records import RecordDraft

    def draft(text: str) -> RecordDraft:
        return RecordDraft(uuid.uuid4(), text, dt.date(2026, 11, 25), text)

    mine, theirs = services.current().store.for_user(user), services.current().store.for_user(other_user)
    kept = mine.records.insert(draft("내 기록"))
    theirs.records.insert(draft("남의 기록"))
    with pytest.raises(RuntimeError, match="one statement"):
        mine.quotas.erase()  # two DELETEs: in a transaction only
    with pytest.raises(LookupError), mine.transaction() as tx:
        tx.records.insert(draft("되돌릴 기록"))
        tx.records.erase()
        raise LookupError("after two writes")

    assert [r.id for r in mine.records.of_user()] == [kept.id]
    assert [r.content for r in theirs.records.of_user()] == ["남의 기록"]
    assert services.current().store._current().get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE
    db.execute("SELECT user_id, content FROM records WHERE user_id IN (%s, %s)", (user, other_user))
    assert sorted((row["user_id"], row["content"]) for row in db.fetchall()) == sorted(
        [(other_user, "남의 기록"), (user, "내 기록")]
    )


def test_transaction_settings_do_not_outlive_the_transaction(user):
    with services.current().store.transaction_cursor(user) as cur:
        cur.execute("SELECT current_user AS role, current_setting('app.user_id') AS uid")
        inside = cur.fetchone()
    with services.current().store.statement_cursor(user) as cur:
        cur.execute("SELECT current_user AS role, current_setting('app.user_id') AS uid")
        single = cur.fetchone()
    with services.current().store.statement_cursor(None) as cur:
        cur.execute("SELECT current_user AS role, current_setting('app.user_id', true) AS uid")
        after = cur.fetchone()
    assert inside == single == {"role": store.APP_ROLE, "uid": user}
    assert after["role"] != store.APP_ROLE and after["uid"] in ("", None)


def test_migrations_are_safe_twice_and_concurrently(test_database):
    """Two processes migrate a fresh database at once, then a third finds nothing to do."""
    dsn = psycopg2.extensions.parse_dsn(test_database)
    name = dsn["dbname"] + "_mig"
    admin = psycopg2.connect(**{**dsn, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": psycopg2.extensions.make_dsn(test_database, dbname=name),
        "PYTHONPATH": str(ROOT),
    }
    try:
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "handler.migrate"], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=60)[0] for run in runs]
        assert [run.returncode for run in runs] == [0, 0]
        versions = [p.stem for p in pending_files(set())]
        assert sorted(outputs) == [
            "applied 0 migration(s): none pending\n",
            f"applied {len(versions)} migration(s): {', '.join(versions)}\n",
        ]
        again = subprocess.run(
            [sys.executable, "-m", "handler.migrate"], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert again.returncode == 0
        assert "none pending" in again.stdout
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_fresh_databases_of_a_fresh_cluster_migrate_at_once():
    """Roles are cluster-wide and the migrations' advisory lock holds within one database: processes
    migrating several databases of one cluster (the tests' sessions, local runs) create the same
    roles at the same moment, and the loser of that race must not fail. A race is not certain to
    happen in one run; before 0003 and 0005 caught unique_violation, 2 runs in 3 failed here."""
    from tests.throwaway_postgres import socket_dir, throwaway_server

    with throwaway_server() as server:
        admin = psycopg2.connect(server.get_uri())
        admin.autocommit = True
        names = [f"fresh_{i}" for i in range(4)]
        with admin.cursor() as cur:
            for name in names:
                cur.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "handler.migrate"],
                env={
                    **os.environ,
                    "DATABASE_URL": f"postgresql://postgres@/{name}?host={socket_dir(server)}",
                    "PYTHONPATH": str(ROOT),
                },
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in names
        ]
        failed = [err[-300:] for run in runs for _, err in [run.communicate(timeout=120)] if run.returncode]
        assert not failed


def test_migrating_a_postgresql_without_pgvector_fails_naming_it_and_what_to_do():
    """The schema needs pgvector (RDS has it): a server without it is refused before anything is
    applied, with the extension's name and what to do, and so is a database that an earlier version
    migrated there without embeddings (everything recorded as applied)."""
    from tests.throwaway_postgres import server_without_pgvector

    def migrate(url: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        return subprocess.run(
            [sys.executable, "-m", "handler.migrate"], env=env, cwd=ROOT, capture_output=True, text=True
        )

    with server_without_pgvector() as url:
        fresh = migrate(url)
        check = psycopg2.connect(url)
        check.autocommit = True
        with check.cursor() as cur:
            cur.execute("SELECT to_regclass('schema_migrations') IS NULL AND to_regclass('records') IS NULL")
            assert cur.fetchone() == (True,)  # nothing applied
            cur.execute("CREATE TABLE schema_migrations (version text PRIMARY KEY)")
            cur.execute(
                "INSERT INTO schema_migrations SELECT unnest(%s::text[])", ([p.stem for p in pending_files(set())],)
            )
        check.close()
        migrated_before = migrate(url)
    for run in (fresh, migrated_before):
        assert run.returncode != 0, run.stdout
        assert "pgvector (the `vector` extension)" in run.stderr, run.stderr
        assert "RDS" in run.stderr and "DATABASE_URL" in run.stderr, run.stderr
        assert "Traceback" not in run.stderr, run.stderr


def test_the_embedded_postgresql_answers_on_loopback_tcp_with_pgvector(monkeypatch):
    """Without DATABASE_URL the tests and `make run` use the embedded server; a function in a
    container (the image tests) shares the host's network but cannot see a socket in the project."""
    from handler.local.embedded_postgres import database_url

    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = database_url()
    dsn = psycopg2.extensions.parse_dsn(url)
    assert dsn["host"] == "127.0.0.1" and int(dsn["port"]) > 0, url
    check = psycopg2.connect(url, connect_timeout=5)
    with check.cursor() as cur:
        cur.execute("SELECT inet_server_addr()::text, count(*) FROM pg_available_extensions WHERE name = 'vector'")
        found = cur.fetchone()
    check.close()
    assert found == ("127.0.0.1/32", 1)
