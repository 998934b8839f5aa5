"""Shared fixtures: a real PostgreSQL database, API Gateway events, and the fake Bedrock.

The database server is the embedded `pgserver` one (PostgreSQL 16 with pgvector, on 127.0.0.1), or
the one DATABASE_URL points at, which needs pgvector too: without it the migrations refuse, and the
tests fail with their message. Each test session gets a database of its own, migrated with the same
code as `python -m handler.migrate` (as the superuser, standing for the RDS master user), and drops it
at the end; the function logs in to it as its own login (handler/dal/login_roles.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
from psycopg2.extensions import parse_dsn

from handler.local.embedded_postgres import database_url, login_url
from tests.fakes.bedrock import IMAGE_MODEL_ID, MODEL_ID, ROUTING_MODEL_ID, FakeBedrock, serve
from tests.support import services
from tests.support.requests import ROOT

BASE_ENV = {
    "MODEL_PROVIDER": "offline",
    "POWERTOOLS_SERVICE_NAME": "diary-tests",
    "POWERTOOLS_METRICS_NAMESPACE": "DiaryTests",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


def _admin_dsn(url: str) -> dict[str, str]:
    return {**parse_dsn(url), "dbname": "postgres"}


@pytest.fixture(scope="session")
def test_database() -> Iterator[str]:
    base = database_url()
    name = f"diary_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(**_admin_dsn(base))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = psycopg2.extensions.make_dsn(base, dbname=name)
    saved = {key: os.environ.get(key) for key in [*BASE_ENV, "DATABASE_URL"]}
    os.environ.update(BASE_ENV, DATABASE_URL=url)
    from handler import migrate
    from handler.dal.login_roles import APP_LOGIN
    from handler.settings import load_settings

    try:
        migrate.migrate(services.current().store, load_settings())
        # The superuser migrated; the function logs in as its own login, as in AWS (the `db`
        # fixture and `url` stay the superuser's, to see what the function stored).
        services.current().store.close()
        os.environ["DATABASE_URL"] = login_url(url, APP_LOGIN)
        services.reload()
        yield url
    finally:
        services.current().store.close()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(autouse=True)
def _services_follow_the_environment() -> Iterator[None]:
    """A test or fixture that changes settings sets them with monkeypatch and makes the services
    again (tests/support/services.py); monkeypatch restores the environment after every fixture's
    teardown but this one's (autouse: set up first, torn down last), and the services are made
    again from the restored environment here."""
    before = services.reloads
    yield
    if services.reloads != before:
        services.reload()


@pytest.fixture
def db(test_database: str) -> Iterator[Any]:
    """A separate autocommit connection for checking what the function stored."""
    conn = psycopg2.connect(test_database)
    conn.autocommit = True
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        yield cur
    conn.close()


@pytest.fixture
def user() -> str:
    """A fresh user id per test, so tests never see each other's rows."""
    return str(uuid.uuid4())


@pytest.fixture
def other_user() -> str:
    return str(uuid.uuid4())


@pytest.fixture(scope="session")
def bedrock_server() -> Iterator[tuple[FakeBedrock, str]]:
    fake = FakeBedrock()
    server = serve(fake)
    yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def fake_bedrock(bedrock_server, monkeypatch) -> Iterator[FakeBedrock]:
    """Switch the function to MODEL_PROVIDER=bedrock, its client pointed at the fake by the standard variable."""

    fake, url = bedrock_server
    fake.reset()
    monkeypatch.setenv("MODEL_PROVIDER", "bedrock")
    monkeypatch.setenv("BEDROCK_MODEL_ID", MODEL_ID)
    monkeypatch.setenv("BEDROCK_ROUTING_MODEL_ID", ROUTING_MODEL_ID)
    monkeypatch.setenv("BEDROCK_IMAGE_MODEL_ID", IMAGE_MODEL_ID)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", url)
    services.reload()
    yield fake
    services.reload()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server mode: S3 and SQS over real HTTP on a local port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_services(moto_endpoint, monkeypatch) -> Iterator[dict[str, str]]:
    """A fresh versioned bucket, job queue and erasure queue in the local moto server."""
    import boto3

    suffix = uuid.uuid4().hex[:8]
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", moto_endpoint)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint)
    bucket = f"diary-images-{suffix}"
    s3.create_bucket(Bucket=bucket)
    # Versioned, as the stack's bucket is: a plain delete would leave the picture behind.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    queue_url = sqs.create_queue(QueueName=f"jobs-{suffix}")["QueueUrl"]
    erasure_queue_url = sqs.create_queue(QueueName=f"erasures-{suffix}")["QueueUrl"]
    monkeypatch.setenv("IMAGE_BUCKET", bucket)
    monkeypatch.setenv("JOB_QUEUE_URL", queue_url)
    monkeypatch.setenv("ERASURE_QUEUE_URL", erasure_queue_url)
    services.reload()
    yield {"bucket": bucket, "queue_url": queue_url, "erasure_queue_url": erasure_queue_url, "endpoint": moto_endpoint}
    services.reload()


def pytest_terminal_summary(terminalreporter) -> None:
    """Print what the robustness tests counted (tests/tally.py), for the closing note to quote."""
    from tests import tally

    lines = tally.summary_lines()
    if not lines:
        return
    terminalreporter.section("robustness tallies")
    for line in lines:
        terminalreporter.write_line(line)
    tally.write(ROOT / ".local" / "robustness-tallies.json")
