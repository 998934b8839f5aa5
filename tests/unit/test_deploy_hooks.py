"""handler.deploy_hooks: the custom resource that migrates the database on deploy.

CloudFormation is played by a local HTTP server standing in for the presigned ResponseURL; the
database is a real PostgreSQL one, fresh and unmigrated for each test that migrates.
"""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from handler import deploy_hooks, migrate
from tests.fakes.cloudformation import Context
from tests.support import services

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/diary-dev/5b5a1e60-0000-11f0-8000-0a1b2c3d4e5f"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:diary-dev-MigrationFunction-AbC"
MIGRATIONS = sorted(p.stem for p in migrate.MIGRATIONS_DIR.glob("*.sql"))
UNREACHABLE = "postgresql://diary_admin:s3cr3t-Passw0rd@127.0.0.1:1/diary?connect_timeout=1"


def cfn_event(
    request_type: str, url: str, *, version: int = 3, old_version: int | None = None, physical_id: str | None = None
) -> dict:
    event = {
        "RequestType": request_type,
        "ServiceToken": FUNCTION,
        "ResponseURL": url,
        "StackId": STACK_ID,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": "DatabaseMigration",
        "ResourceType": "Custom::DatabaseMigration",
        "ResourceProperties": {"ServiceToken": FUNCTION, "FunctionVersion": f"{FUNCTION}:{version}", "RunId": "1"},
    }
    if physical_id:
        event["PhysicalResourceId"] = physical_id
    if old_version is not None:
        event["OldResourceProperties"] = {
            "ServiceToken": FUNCTION,
            "FunctionVersion": f"{FUNCTION}:{old_version}",
            "RunId": "1",
        }
    return event


@pytest.fixture
def point_at(monkeypatch):
    """Point the function's settings at another database for one test."""

    def use(url: str, **env: str) -> None:
        services.current().store.close()
        monkeypatch.setenv("DATABASE_URL", url)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        services.reload()

    yield use
    services.current().store.close()
    monkeypatch.undo()
    services.reload()


@pytest.fixture
def fresh_database(test_database: str) -> Iterator[str]:
    """An empty, unmigrated database on the same server as the session's one."""
    dsn = psycopg2.extensions.parse_dsn(test_database)
    name = f"{dsn['dbname']}_deploy_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(**{**dsn, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield psycopg2.extensions.make_dsn(test_database, dbname=name)
    finally:
        services.current().store.close()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def applied_versions(url: str) -> list[str]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
            if not cur.fetchone()[0]:
                return []
            cur.execute("SELECT version FROM schema_migrations ORDER BY version")
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


def test_create_migrates_a_fresh_database_and_answers_success(fresh_database, point_at, response_url):
    point_at(fresh_database)
    sent = deploy_hooks.migrate_on_deploy(cfn_event("Create", response_url.url), Context())

    assert applied_versions(fresh_database) == MIGRATIONS
    (put,) = response_url.puts
    answer = put["body"]
    assert answer == sent
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {"Applied": ",".join(MIGRATIONS)}
    assert answer["StackId"] == STACK_ID and answer["LogicalResourceId"] == "DatabaseMigration"
    assert answer["PhysicalResourceId"] == "DatabaseMigration-schema"
    # The presigned URL is signed without a content type.
    assert put["headers"].get("Content-Type", "") == ""
    assert put["path"].endswith("X-Amz-Signature=0123456789abcdef-signature")


def test_update_is_safe_to_rerun_and_keeps_the_physical_id(fresh_database, point_at, response_url):
    point_at(fresh_database)
    deploy_hooks.migrate_on_deploy(cfn_event("Create", response_url.url), Context())
    event = cfn_event("Update", response_url.url, version=4, old_version=3, physical_id="DatabaseMigration-schema")
    deploy_hooks.migrate_on_deploy(event, Context())

    first, second = response_url.answers
    assert second["Status"] == "SUCCESS"
    assert second["Data"] == {"Applied": "none"}
    assert second["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert applied_versions(fresh_database) == MIGRATIONS


def test_delete_succeeds_without_touching_the_database(point_at, response_url):
    point_at(UNREACHABLE)
    started = time.monotonic()
    deploy_hooks.migrate_on_deploy(
        cfn_event("Delete", response_url.url, physical_id="DatabaseMigration-schema"), Context()
    )
    (answer,) = response_url.answers
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == "DatabaseMigration-schema"
    assert time.monotonic() - started < 2


def test_an_unreachable_database_fails_the_deploy_without_revealing_the_password(point_at, response_url, monkeypatch):
    # What the function writes to CloudWatch: Powertools' JSON lines, extra fields included.
    log = io.StringIO()
    monkeypatch.setattr(deploy_hooks.logger.registered_handler, "stream", log)
    # A short remaining time: the retries stop once a statement would no longer fit.
    point_at(UNREACHABLE, DB_STATEMENT_TIMEOUT_MS="1000")
    context = Context(remaining_ms=deploy_hooks.RETRY_MARGIN_MS + 1000 + 3000)
    started = time.monotonic()
    deploy_hooks.migrate_on_deploy(cfn_event("Create", response_url.url), context)

    (answer,) = response_url.answers
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("migrations failed: DatabaseUnavailable")
    assert context.log_stream_name in answer["Reason"]
    assert len(answer["Reason"]) <= 300
    assert time.monotonic() - started < 10
    logged = log.getvalue()
    assert "database not reachable yet; retrying" in logged
    assert "Connection refused" in logged  # the cause is there for the operator
    assert "s3cr3t" not in json.dumps(answer) + logged
    # The presigned URL is a credential for the answer: not in the logs either.
    assert "0123456789abcdef-signature" not in logged


def test_a_failing_migration_answers_failed_and_leaves_nothing_half_applied(
    fresh_database, point_at, response_url, tmp_path, monkeypatch
):
    broken = tmp_path / "migrations"
    broken.mkdir()
    (broken / "0001_fine.sql").write_text("CREATE TABLE fine (id int PRIMARY KEY);", encoding="utf-8")
    (broken / "0002_broken.sql").write_text(
        "CREATE TABLE broken (id int); SELECT * FROM no_such_table;", encoding="utf-8"
    )
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", Path(broken))
    point_at(fresh_database)

    deploy_hooks.migrate_on_deploy(cfn_event("Update", response_url.url, version=5, old_version=4), Context())

    (answer,) = response_url.answers
    assert answer["Status"] == "FAILED"
    assert 'relation "no_such_table" does not exist' in answer["Reason"]
    # Each file is one transaction: the good one stays, the broken one left no table behind.
    assert applied_versions(fresh_database) == ["0001_fine"]
    conn = psycopg2.connect(fresh_database)
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('broken') IS NULL")
        assert cur.fetchone()[0]
    conn.close()


def test_a_rollback_succeeds_without_migrating(point_at, response_url):
    """Rolling back from version 5 to 4: the database may be the reason, so it is not asked."""
    point_at(UNREACHABLE)
    deploy_hooks.migrate_on_deploy(cfn_event("Update", response_url.url, version=4, old_version=5), Context())
    (answer,) = response_url.answers
    assert answer["Status"] == "SUCCESS"
    assert answer["Reason"].startswith("rollback")


@pytest.mark.parametrize(
    ("new", "old", "expected"),
    [(4, 5, True), (5, 4, False), (5, 5, False), (None, 5, False)],
)
def test_is_rollback(new, old, expected):
    event = cfn_event("Update", "http://unused", version=new or 0, old_version=old)
    if new is None:
        event["ResourceProperties"]["FunctionVersion"] = "not-a-version"
    assert deploy_hooks.is_rollback(event) is expected
    assert deploy_hooks.is_rollback(cfn_event("Create", "http://unused")) is False


def test_a_hung_migration_is_answered_failed_once_before_the_timeout(point_at, response_url, monkeypatch):
    point_at(UNREACHABLE)
    release = threading.Event()

    def hang(settings) -> list[str]:
        release.wait(10)
        return []

    monkeypatch.setattr(migrate, "migrate", hang)
    context = Context(remaining_ms=deploy_hooks.WATCHDOG_MARGIN_MS + 500)
    worker = threading.Thread(
        target=deploy_hooks.migrate_on_deploy, args=(cfn_event("Create", response_url.url), context)
    )
    worker.start()
    assert response_url.received.wait(5), "the watchdog did not answer"
    release.set()  # the migration "finishes" after the answer went out
    worker.join(10)

    (answer,) = response_url.answers
    assert answer["Status"] == "FAILED"
    assert "timeout" in answer["Reason"]


def test_the_answer_is_retried_when_the_url_fails(point_at, response_url, monkeypatch):
    point_at(UNREACHABLE)
    response_url.fail_first = 1
    monkeypatch.setattr(deploy_hooks.time, "sleep", lambda s: None)
    deploy_hooks.migrate_on_deploy(cfn_event("Delete", response_url.url, physical_id="x"), Context())
    assert [a["Status"] for a in response_url.answers] == ["SUCCESS"]


def test_an_unknown_request_type_fails(point_at, response_url):
    point_at(UNREACHABLE)
    deploy_hooks.migrate_on_deploy(cfn_event("Replace", response_url.url), Context())
    (answer,) = response_url.answers
    assert answer["Status"] == "FAILED"


@pytest.mark.parametrize(
    "text",
    [
        "connection to server failed: password=s3cr3t host=db",
        "could not connect to postgresql://diary_admin:s3cr3t@proxy:5432/diary",
        "password: s3cr3t\nsecond line",
    ],
)
def test_redact_removes_passwords(text):
    assert "s3cr3t" not in deploy_hooks.redact(text)
