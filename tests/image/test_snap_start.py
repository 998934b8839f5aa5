"""SnapStart in the image: its own entry point (awslambdaric) through the restore lifecycle of the
Runtime API emulator, configured as in AWS (the database secret from Secrets Manager, TLS to the
database verified against the proxy's CA).

Init runs with AWS_LAMBDA_INITIALIZATION_TYPE=snap-start up to the snapshot point
(GET /runtime/restore/next). There the test cuts every database connection and rotates the secret
(a new login role, the old one refused), as happens between a snapshot and a restore days later,
then restores; the first request after restore must succeed, as the new role.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from psycopg2.extensions import parse_dsn

from handler.dal.login_roles import APP_LOGIN
from tests.support.lambda_image.engine import START_TIMEOUT_S, function_environment, tail
from tests.support.lambda_image.routes import AwsFakes
from tests.support.lambda_image.runtime_api import RuntimeAPI
from tests.support.requests import load_event
from tests.tls_proxy import TlsProxy, make_certificates, upstream_of

pytestmark = pytest.mark.image

# The image's trust store, replaced in the container by the test CA's (a read-only bind): the
# default DB_SSL_ROOT_CERT, as RDS Proxy's CA is in AWS.
TRUST_STORE = "/etc/ssl/certs/ca-certificates.crt"


@pytest.fixture
def login_roles(image_database_url: str):
    """Two login roles that may do what the app login may (0008_login_roles.sql): before and after
    the rotation."""
    admin = psycopg2.connect(image_database_url)
    admin.autocommit = True
    names = [f"snap_{which}_{uuid.uuid4().hex[:8]}" for which in ("before", "after")]
    with admin.cursor() as cur:
        for name in names:
            cur.execute(f"CREATE ROLE {name} LOGIN IN ROLE {APP_LOGIN}")
    yield admin, names
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY(%s)", (names,))
        for name in names:
            cur.execute(f"DROP ROLE IF EXISTS {name}")
    admin.close()


def _backends(admin, roles: list[str]) -> list[tuple[str, str]]:
    with admin.cursor() as cur:
        cur.execute(
            "SELECT usename, application_name FROM pg_stat_activity WHERE usename = ANY(%s) ORDER BY 1", (roles,)
        )
        return cur.fetchall()


def test_a_restored_snapshot_answers_with_fresh_connections_and_secret(image_engine, image_config, login_roles):
    admin, (before, after) = login_roles
    database = parse_dsn(admin.dsn)["dbname"]
    argv = [*image_config.entrypoint, *image_config.cmd]
    with (
        tempfile.TemporaryDirectory(prefix="snap-start-") as tmp,
        AwsFakes() as fakes,
        RuntimeAPI() as api,
    ):
        certs = make_certificates(Path(tmp), ["localhost"])
        secrets = fakes.client("secretsmanager")
        arn = secrets.create_secret(
            Name=f"diary-db-{uuid.uuid4().hex[:8]}", SecretString=json.dumps({"username": before, "password": "-"})
        )["ARN"]
        env = {
            **function_environment(api.address, "", image_config.cmd[-1]),
            "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start",
            "DB_SECRET_ARN": arn,
            "DB_HOST": "localhost",
            "DB_NAME": database,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": fakes.moto_url,
        }
        log_path = Path(tmp) / "function.log"
        # The proxy holds both roles' secrets (the password "-" of each); the server trusts the proxy.
        logins = {before: "-", after: "-"}
        with (
            TlsProxy(upstream_of(admin.dsn), certs.server_cert, certs.server_key, logins) as proxy,
            log_path.open("wb") as log,
        ):
            env["DB_PORT"] = str(proxy.port)
            process = image_engine.start(argv, env, log, files={str(certs.ca): TRUST_STORE})
            try:
                assert api.wait_for_snapshot(START_TIMEOUT_S), f"no snapshot point:\n{tail(log_path.read_text())}"
                assert api.init_error is None, f"{api.init_error}\n{tail(log_path.read_text())}"
                # Nothing of the function's is connected at the snapshot point; cut anything anyway.
                assert _backends(admin, [before, after]) == []
                with admin.cursor() as cur:
                    cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (before,))
                    cur.execute(f"ALTER ROLE {before} NOLOGIN")
                secrets.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": after, "password": "-"}))

                api.restore()
                started = time.monotonic()
                reply = api.invoke(load_event("http-api/records-create.json"), timeout=60)
                first_response_s = time.monotonic() - started
                assert api.restore_error is None
                assert reply["statusCode"] == 201, f"{reply}\n{tail(log_path.read_text())}"
                assert _backends(admin, [before, after]) == [(after, "diary-orchestrator")]
                health = api.invoke(load_event("http-api/health.json"), timeout=30)
                assert json.loads(health["body"]) == {"status": "ok", "database": "ok"}
            finally:
                image_engine.stop(process)
                print(f"\n[image] snap-start function output (last lines):\n{tail(log_path.read_text(), 20)}")
    record = json.loads(reply["body"])
    with admin.cursor() as cur:
        cur.execute("SELECT content FROM records WHERE id = %s", (record["id"],))
        assert cur.fetchall() == [(record["content"],)]
        cur.execute("DELETE FROM records WHERE id = %s", (record["id"],))
    print(f"[image] snap-start: first response after restore in {first_response_s:.3f} s")
