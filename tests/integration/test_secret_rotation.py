"""RDS rotates the database password in Secrets Manager: a warm container whose cached copy has gone
stale reads the secret again, once, and the request goes through; a secret that is wrong even when
fresh is a 503 with nothing stored.

The database is a PostgreSQL of the test's own that asks the application's login role for its
password (scram-sha-256 on its socket); the secret lives in moto's Secrets Manager and is read through
the function's own path (handler/dal/credentials.py, Powertools' parameters utility). The function
meets the server directly, which answers a stale password in PostgreSQL's words, or through the
stand-in for RDS Proxy (tests/tls_proxy.py), which answers in the proxy's own.
"""

from __future__ import annotations

import json
import select
import uuid
from pathlib import Path

import psycopg2
import pytest

from handler.dal.login_roles import APP_LOGIN
from tests.integration.conftest import configured_as_in_aws
from tests.support.requests import call
from tests.throwaway_postgres import migrate, socket_dir, throwaway_server
from tests.tls_proxy import TlsProxy, make_certificates, upstream_of

LOGIN_ROLE = "rotating_app"
# RDS Proxy's answer to a password that does not match its copy of the secret (its troubleshooting
# page: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html).
PROXY_REFUSAL = f"FATAL:  The password that was provided for the role {LOGIN_ROLE} is wrong."


@pytest.fixture
def password_server(moto_endpoint):
    """A migrated server of its own whose LOGIN_ROLE needs a password, and a secret holding it:
    (server, admin connection, Secrets Manager client, the secret's ARN, the password)."""
    import boto3

    secrets = boto3.client("secretsmanager", endpoint_url=moto_endpoint)
    with throwaway_server() as server:
        migrate(server.get_uri())
        admin = psycopg2.connect(server.get_uri())
        admin.autocommit = True
        first = f"first-{uuid.uuid4().hex}"
        with admin.cursor() as cur:
            # A member of the app login (0008_login_roles.sql): what it may do, this role may.
            cur.execute(f"CREATE ROLE {LOGIN_ROLE} LOGIN PASSWORD %s IN ROLE {APP_LOGIN}", (first,))
            hba = Path(server.pgdata) / "pg_hba.conf"
            hba.write_text(f"local all {LOGIN_ROLE} scram-sha-256\n" + hba.read_text())
            cur.execute("SELECT pg_reload_conf()")
        arn = secrets.create_secret(
            Name=f"diary-db-{uuid.uuid4().hex[:8]}",
            SecretString=json.dumps({"engine": "postgres", "username": LOGIN_ROLE, "password": first}),
        )["ARN"]
        try:
            yield server, admin, secrets, arn, first
        finally:
            admin.close()


@pytest.fixture
def password_database(password_server, moto_endpoint, monkeypatch):
    """The function configured as in AWS, meeting the server directly."""
    server, admin, secrets, arn, _ = password_server
    with configured_as_in_aws(
        monkeypatch, moto_endpoint, DB_SECRET_ARN=arn, DB_HOST=socket_dir(server), DB_PORT="5432", DB_NAME="postgres"
    ):
        yield admin, secrets, arn


@pytest.fixture
def proxied_database(password_server, moto_endpoint, monkeypatch, tmp_path):
    """The function configured as in AWS, meeting the server through the stand-in for RDS Proxy, which
    holds its own copy of the secret (as RDS Proxy reads it from Secrets Manager itself)."""
    server, admin, secrets, arn, first = password_server
    certs = make_certificates(tmp_path, ["localhost"])
    with (
        TlsProxy(upstream_of(server.get_uri()), certs.server_cert, certs.server_key, {LOGIN_ROLE: first}) as proxy,
        configured_as_in_aws(
            monkeypatch,
            moto_endpoint,
            DB_SECRET_ARN=arn,
            DB_HOST="localhost",
            DB_PORT=str(proxy.port),
            DB_NAME="postgres",
            DB_SSL_ROOT_CERT=str(certs.ca),
        ),
    ):
        yield admin, secrets, arn, proxy


def _rotate(admin, secrets, arn: str, role_password: str, secret_password: str) -> None:
    """Set the role's password and the secret's (as rotation does), and cut the function's session."""
    from tests.support import services

    session = services.current().store._current()
    with admin.cursor() as cur:
        cur.execute(f"ALTER ROLE {LOGIN_ROLE} PASSWORD %s", (role_password,))
        cur.execute("SELECT pg_terminate_backend(%s, 5000)", (session.get_backend_pid(),))
    # Until the server's goodbye reaches the function (through the proxy, a moment later).
    select.select([session], [], [], 10)
    secrets.put_secret_value(
        SecretId=arn,
        SecretString=json.dumps({"engine": "postgres", "username": LOGIN_ROLE, "password": secret_password}),
    )


def _record_connects(monkeypatch) -> list[tuple[bool, str | None]]:
    """Each connection attempt of the function: whether it read the secret afresh, and how it was
    refused (the words after libpq's "connection to server ... failed:"), None if it connected."""
    from handler.dal import store

    attempts: list[tuple[bool, str | None]] = []
    real_connect = store._connect

    def connect(settings, refresh_secret: bool):
        try:
            opened = real_connect(settings, refresh_secret)
        except psycopg2.OperationalError as exc:
            attempts.append((refresh_secret, str(exc).split(" failed: ", 1)[-1].strip()))
            raise
        attempts.append((refresh_secret, None))
        return opened

    monkeypatch.setattr(store, "_connect", connect)
    return attempts


def _contents(admin, user: str) -> list[str]:
    with admin.cursor() as cur:
        cur.execute("SELECT content FROM records WHERE user_id = %s ORDER BY created_at", (user,))
        return [row[0] for row in cur.fetchall()]


def test_a_rotated_password_is_read_again_once_and_nothing_is_lost(password_database, monkeypatch, user):
    admin, secrets, arn = password_database
    connects = _record_connects(monkeypatch)

    before = call("POST", "/records", {"content": "회전 전", "record_date": "2026-11-25"}, user=user)
    assert before.status == 201, before.body
    assert connects == [(False, None)]

    rotated = f"second-{uuid.uuid4().hex}"
    _rotate(admin, secrets, arn, role_password=rotated, secret_password=rotated)
    after = call("POST", "/records", {"content": "회전 후", "record_date": "2026-11-25"}, user=user)
    assert after.status == 201, after.body
    # The cached password failed, in PostgreSQL's words; the secret was read again and the second try connected.
    postgres_refusal = f'FATAL:  password authentication failed for user "{LOGIN_ROLE}"'
    assert connects == [(False, None), (False, postgres_refusal), (True, None)]

    # A secret that is wrong even when fresh: the request fails with a 503 and stores nothing.
    _rotate(admin, secrets, arn, role_password=f"third-{uuid.uuid4().hex}", secret_password="not-the-password")
    refused = call("POST", "/records", {"content": "저장 안 됨", "record_date": "2026-11-25"}, user=user)
    assert refused.status == 503 and refused.body["error"]["code"] == "database_unavailable"
    assert [refresh for refresh, _ in connects] == [False, False, True, False, True]
    assert "not-the-password" not in json.dumps(refused.body)

    assert _contents(admin, user) == ["회전 전", "회전 후"]


def test_behind_rds_proxy_a_rotated_password_is_read_again_once_and_nothing_is_lost(
    proxied_database, monkeypatch, user
):
    admin, secrets, arn, proxy = proxied_database
    connects = _record_connects(monkeypatch)
    before = call("POST", "/records", {"content": "회전 전", "record_date": "2026-11-25"}, user=user)
    assert before.status == 201, before.body

    rotated = f"second-{uuid.uuid4().hex}"
    _rotate(admin, secrets, arn, role_password=rotated, secret_password=rotated)
    proxy.logins[LOGIN_ROLE] = rotated  # the proxy has read the rotated secret; the container's copy is stale
    after = call("POST", "/records", {"content": "회전 후", "record_date": "2026-11-25"}, user=user)

    assert after.status == 201, after.body
    # The proxy refused the cached password in its own words; the secret was read again, once.
    assert connects == [(False, None), (False, PROXY_REFUSAL), (True, None)]
    assert proxy.refused == 1 and proxy.forwarded == 2
    assert _contents(admin, user) == ["회전 전", "회전 후"]


def test_behind_rds_proxy_a_secret_still_wrong_when_read_again_is_a_503_after_one_read(
    proxied_database, monkeypatch, user
):
    admin, secrets, arn, proxy = proxied_database
    connects = _record_connects(monkeypatch)
    before = call("POST", "/records", {"content": "회전 전", "record_date": "2026-11-25"}, user=user)
    assert before.status == 201, before.body

    rotated = f"second-{uuid.uuid4().hex}"
    _rotate(admin, secrets, arn, role_password=rotated, secret_password="not-the-password")
    proxy.logins[LOGIN_ROLE] = rotated
    refused = call("POST", "/records", {"content": "저장 안 됨", "record_date": "2026-11-25"}, user=user)

    assert refused.status == 503 and refused.body["error"]["code"] == "database_unavailable", refused.body
    # One fresh read, refused as well: no further tries.
    assert connects == [(False, None), (False, PROXY_REFUSAL), (True, PROXY_REFUSAL)]
    assert proxy.refused == 2 and proxy.forwarded == 1
    assert "not-the-password" not in json.dumps(refused.body)
    assert _contents(admin, user) == ["회전 전"]


def test_while_rds_proxy_lags_behind_a_rotation_a_503_lasts_no_longer_than_the_lag(proxied_database, monkeypatch, user):
    admin, secrets, arn, proxy = proxied_database
    connects = _record_connects(monkeypatch)
    before = call("POST", "/records", {"content": "회전 전", "record_date": "2026-11-25"}, user=user)
    assert before.status == 201, before.body

    rotated = f"second-{uuid.uuid4().hex}"
    _rotate(admin, secrets, arn, role_password=rotated, secret_password=rotated)  # the proxy's copy is stale
    lagging = call("POST", "/records", {"content": "저장 안 됨", "record_date": "2026-11-25"}, user=user)

    assert lagging.status == 503 and lagging.body["error"]["code"] == "database_unavailable", lagging.body
    # The proxy let the stale password in and the server refused the proxy's own login with it; the
    # fresh password, read once, the proxy refused.
    server_refusal = f'FATAL:  Request returned an error: password authentication failed for user "{LOGIN_ROLE}"'
    assert connects[1:] == [(False, server_refusal), (True, PROXY_REFUSAL)]

    proxy.logins[LOGIN_ROLE] = rotated  # the proxy catches up
    caught_up = call("POST", "/records", {"content": "회전 후", "record_date": "2026-11-25"}, user=user)
    assert caught_up.status == 201, caught_up.body
    # The copy read during the 503 was already the right one.
    assert connects[3:] == [(False, None)]
    assert _contents(admin, user) == ["회전 전", "회전 후"]
