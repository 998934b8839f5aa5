"""RDS rotates the database password in Secrets Manager: a warm container whose cached copy has gone
stale reads the secret again, once, and the request goes through; a secret that is wrong even when
fresh is a 503 with nothing stored.

The database is a PostgreSQL of the test's own that asks the application's login role for its
password (scram-sha-256 on its socket); the secret lives in moto's Secrets Manager and is read through
the function's own path (handler/dal/credentials.py, Powertools' parameters utility).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import psycopg2
import pytest

from tests.integration.conftest import configured_as_in_aws
from tests.support.requests import call
from tests.throwaway_postgres import migrate, socket_dir, throwaway_server

LOGIN_ROLE = "rotating_app"


@pytest.fixture
def password_database(moto_endpoint, monkeypatch):
    """A migrated server of its own whose LOGIN_ROLE needs a password, and a secret holding it."""
    import boto3

    secrets = boto3.client("secretsmanager", endpoint_url=moto_endpoint)
    with throwaway_server() as server:
        migrate(server.get_uri())
        admin = psycopg2.connect(server.get_uri())
        admin.autocommit = True
        first = f"first-{uuid.uuid4().hex}"
        with admin.cursor() as cur:
            # Membership in diary_app lets the connection act as it, as the RDS master user can.
            cur.execute(f"CREATE ROLE {LOGIN_ROLE} LOGIN PASSWORD %s IN ROLE diary_app", (first,))
            hba = Path(server.pgdata) / "pg_hba.conf"
            hba.write_text(f"local all {LOGIN_ROLE} scram-sha-256\n" + hba.read_text())
            cur.execute("SELECT pg_reload_conf()")
        arn = secrets.create_secret(
            Name=f"diary-db-{uuid.uuid4().hex[:8]}",
            SecretString=json.dumps({"engine": "postgres", "username": LOGIN_ROLE, "password": first}),
        )["ARN"]
        try:
            with configured_as_in_aws(
                monkeypatch,
                moto_endpoint,
                DB_SECRET_ARN=arn,
                DB_HOST=socket_dir(server),
                DB_PORT="5432",
                DB_NAME="postgres",
            ):
                yield admin, secrets, arn
        finally:
            admin.close()


def _rotate(admin, secrets, arn: str, role_password: str, secret_password: str) -> None:
    """Set the role's password and the secret's (as rotation does), and cut the function's session."""
    from handler.dal import connection

    backend = connection._current().get_backend_pid()
    with admin.cursor() as cur:
        cur.execute(f"ALTER ROLE {LOGIN_ROLE} PASSWORD %s", (role_password,))
        cur.execute("SELECT pg_terminate_backend(%s, 5000)", (backend,))
    secrets.put_secret_value(
        SecretId=arn,
        SecretString=json.dumps({"engine": "postgres", "username": LOGIN_ROLE, "password": secret_password}),
    )


def test_a_rotated_password_is_read_again_once_and_nothing_is_lost(password_database, monkeypatch, user):
    from handler.dal import connection

    admin, secrets, arn = password_database
    connects: list[bool] = []  # refresh_secret of each connection attempt
    real_connect = connection._connect
    monkeypatch.setattr(
        connection, "_connect", lambda refresh_secret: connects.append(refresh_secret) or real_connect(refresh_secret)
    )

    before = call("POST", "/records", {"content": "회전 전", "record_date": "2026-11-25"}, user=user)
    assert before.status == 201, before.body
    assert connects == [False]

    rotated = f"second-{uuid.uuid4().hex}"
    _rotate(admin, secrets, arn, role_password=rotated, secret_password=rotated)
    after = call("POST", "/records", {"content": "회전 후", "record_date": "2026-11-25"}, user=user)
    assert after.status == 201, after.body
    # The cached password failed; the secret was read again and the second try connected.
    assert connects == [False, False, True]

    # A secret that is wrong even when fresh: the request fails with a 503 and stores nothing.
    _rotate(admin, secrets, arn, role_password=f"third-{uuid.uuid4().hex}", secret_password="not-the-password")
    refused = call("POST", "/records", {"content": "저장 안 됨", "record_date": "2026-11-25"}, user=user)
    assert refused.status == 503 and refused.body["error"]["code"] == "database_unavailable"
    assert connects == [False, False, True, False, True]
    assert "not-the-password" not in json.dumps(refused.body)

    with admin.cursor() as cur:
        cur.execute("SELECT content FROM records WHERE user_id = %s ORDER BY created_at", (user,))
        assert [row[0] for row in cur.fetchall()] == ["회전 전", "회전 후"]
