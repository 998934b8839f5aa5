"""In AWS the function reaches PostgreSQL through RDS Proxy over TLS, and checks the proxy's
certificate (sslmode=verify-full): signed by a CA it trusts (DB_SSL_ROOT_CERT), for the host name it
dialled. A certificate that fails either check is a 503 with nothing stored: never a session with
an impostor, which sslmode=require would have accepted.

The proxy is tests/tls_proxy.py, with a certificate of the test's own, in front of the tests'
PostgreSQL; the credentials come from moto's Secrets Manager through the function's own path
(handler/dal/credentials.py), as in AWS, and the proxy checks them.
"""

from __future__ import annotations

import json
import uuid

import pytest
from psycopg2.extensions import parse_dsn

from tests.integration.conftest import configured_as_in_aws
from tests.support import services
from tests.support.requests import call
from tests.tls_proxy import TlsProxy, make_certificates, upstream_of


@pytest.fixture
def tls_proxy(test_database, moto_endpoint, monkeypatch, tmp_path):
    """The function configured as in AWS, pointed at a TLS proxy whose certificate names localhost."""
    import boto3

    certs = make_certificates(tmp_path, ["localhost"])
    database = parse_dsn(test_database)
    upstream = upstream_of(test_database)
    login = {"username": database.get("user", "postgres"), "password": f"proxy-{uuid.uuid4().hex}"}
    arn = boto3.client("secretsmanager", endpoint_url=moto_endpoint).create_secret(
        Name=f"diary-db-{uuid.uuid4().hex[:8]}", SecretString=json.dumps(login)
    )["ARN"]
    # The proxy checks the password against its copy of the secret; the tests' server behind it
    # trusts its local clients.
    with (
        TlsProxy(upstream, certs.server_cert, certs.server_key, {login["username"]: login["password"]}) as proxy,
        configured_as_in_aws(
            monkeypatch,
            moto_endpoint,
            DB_SECRET_ARN=arn,
            DB_HOST="localhost",
            DB_PORT=str(proxy.port),
            DB_NAME=database["dbname"],
            DB_SSL_ROOT_CERT=str(certs.ca),
        ),
    ):
        yield proxy


def _reconfigure(monkeypatch, name: str, value: str) -> None:

    monkeypatch.setenv(name, value)
    services.reload()
    services.current().store.close()


def test_a_proxy_with_a_trusted_certificate_for_its_name_gets_the_session(tls_proxy, db, user):
    stored = call("POST", "/records", {"content": "TLS 너머로", "record_date": "2026-11-25"}, user=user)

    assert stored.status == 201, stored.body
    assert tls_proxy.handshakes == 1 and tls_proxy.forwarded == 1
    db.execute("SELECT content FROM records WHERE user_id = %s", (user,))
    assert [row["content"] for row in db.fetchall()] == ["TLS 너머로"]


def test_a_certificate_from_a_ca_the_function_does_not_trust_is_refused(tls_proxy, db, user, tmp_path, monkeypatch):
    (tmp_path / "other").mkdir()
    stranger = make_certificates(tmp_path / "other", ["localhost"])  # same name, another CA
    _reconfigure(monkeypatch, "DB_SSL_ROOT_CERT", str(stranger.ca))

    refused = call("POST", "/records", {"content": "저장 안 됨", "record_date": "2026-11-25"}, user=user)

    assert refused.status == 503 and refused.body["error"]["code"] == "database_unavailable", refused.body
    # The handshake failed: the client sent nothing, not even its user name.
    assert tls_proxy.handshakes == 0 and tls_proxy.forwarded == 0
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 0


def test_a_certificate_for_another_name_is_refused(tls_proxy, db, user, monkeypatch):
    # The same proxy and CA, dialled by its address: the certificate names localhost only.
    _reconfigure(monkeypatch, "DB_HOST", "127.0.0.1")

    refused = call("POST", "/records", {"content": "저장 안 됨", "record_date": "2026-11-25"}, user=user)

    assert refused.status == 503 and refused.body["error"]["code"] == "database_unavailable", refused.body
    # libpq checks the name once the handshake is done, and hangs up before saying anything.
    assert tls_proxy.forwarded == 0
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s", (user,))
    assert db.fetchone()["n"] == 0
