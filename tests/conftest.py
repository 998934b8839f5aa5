"""Shared fixtures: a real PostgreSQL database, API Gateway events, and the fake Bedrock.

The database is the one DATABASE_URL points at (CI: the machine's PostgreSQL) or, when it is unset,
the embedded `pgserver` one. Each test session gets a database of its own, migrated with the same
code as `python -m handler.migrate`, and drops it at the end.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from psycopg2.extensions import parse_dsn

from handler.local.embedded_postgres import database_url
from handler.local.invoke import LocalContext
from tests.fakes.bedrock import IMAGE_MODEL_ID, MODEL_ID, ROUTING_MODEL_ID, FakeBedrock, serve

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"

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
    from handler.dal import connection

    migrate.migrate()
    yield url
    connection.close()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def db(test_database: str) -> Iterator[Any]:
    """A separate autocommit connection for checking what the function stored."""
    conn = psycopg2.connect(test_database)
    conn.autocommit = True
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        yield cur
    conn.close()


# The local runner's stand-in for Lambda's context object; `FakeContext(remaining_ms)`.
FakeContext = LocalContext


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def http_event(
    method: str,
    path: str,
    body: Any = None,
    *,
    user: str | None = None,
    query: dict[str, str] | None = None,
    shape: str = "2.0",
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway proxy event as the HTTP API (2.0) or REST API (1.0) sends it."""
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body, ensure_ascii=False))
    all_headers = {"content-type": "application/json", **(headers or {})}
    request_id = str(uuid.uuid4())
    if shape == "2.0":
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
            "headers": all_headers,
            "queryStringParameters": query,
            "requestContext": {
                "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9"},
                "requestId": request_id,
                "routeKey": "$default",
                "stage": "$default",
            },
            "body": text,
            "isBase64Encoded": False,
        }
        if user:
            event["requestContext"]["authorizer"] = {"jwt": {"claims": {"sub": user}, "scopes": None}}
        return event
    event = {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/prod{path}",
            "requestId": request_id,
            "stage": "prod",
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": text,
        "isBase64Encoded": False,
    }
    if user:
        event["requestContext"]["authorizer"] = {"claims": {"sub": user}}
    return event


def invoke_raw(event: dict[str, Any], remaining_ms: int = 29_000) -> dict[str, Any]:
    from handler.app import lambda_handler

    return lambda_handler(event, FakeContext(remaining_ms))


def invoke(event: dict[str, Any], remaining_ms: int = 29_000) -> Reply:
    response = invoke_raw(event, remaining_ms)
    body = response.get("body")
    return Reply(
        status=response["statusCode"],
        headers={k.lower(): v for k, v in (response.get("headers") or {}).items()},
        body=json.loads(body) if body else None,
    )


def call(method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
    return invoke(http_event(method, path, body, **kwargs))


def jot(user: str, day: str, *contents: str) -> list[str]:
    """Store records for `user` on `day` through the API; their ids."""
    return [call("POST", "/records", {"content": c, "record_date": day}, user=user).body["id"] for c in contents]


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


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
    from handler.inference import provider
    from handler.aws import client
    from handler.settings import get_settings

    fake, url = bedrock_server
    fake.reset()
    monkeypatch.setenv("MODEL_PROVIDER", "bedrock")
    monkeypatch.setenv("BEDROCK_MODEL_ID", MODEL_ID)
    monkeypatch.setenv("BEDROCK_ROUTING_MODEL_ID", ROUTING_MODEL_ID)
    monkeypatch.setenv("BEDROCK_IMAGE_MODEL_ID", IMAGE_MODEL_ID)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", url)
    get_settings.cache_clear()
    provider.clear_cache()
    client.cache_clear()
    yield fake
    get_settings.cache_clear()
    provider.clear_cache()
    client.cache_clear()


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
    """A fresh images bucket and report queue (with its dead-letter queue) in the local moto server."""
    import boto3

    from handler.aws import client
    from handler.settings import get_settings

    suffix = uuid.uuid4().hex[:8]
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", moto_endpoint)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint)
    bucket = f"diary-images-{suffix}"
    s3.create_bucket(Bucket=bucket)
    queue_url = sqs.create_queue(QueueName=f"reports-{suffix}")["QueueUrl"]
    monkeypatch.setenv("IMAGE_BUCKET", bucket)
    monkeypatch.setenv("REPORT_QUEUE_URL", queue_url)
    get_settings.cache_clear()
    client.cache_clear()
    yield {"bucket": bucket, "queue_url": queue_url, "endpoint": moto_endpoint}
    get_settings.cache_clear()
    client.cache_clear()


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
