"""The database password and the AWS secret key never reach a log line, stdout, stderr or a response.

A full run in a process of its own, the way it runs in AWS: no DATABASE_URL; DB_SECRET_ARN names a
Secrets Manager secret (moto's server) holding the username and a known password, and DB_HOST /
DB_PORT / DB_NAME point at a PostgreSQL of the test's own (handler/dal/credentials.py reads the
secret with Powertools' parameters utility and connects with sslmode=verify-full, which libpq
leaves aside on the Unix socket used here; tests/integration/test_database_tls.py covers TLS). AWS_SECRET_ACCESS_KEY
is a known value too; Bedrock is the fake server, S3 and SQS are moto's. The run stores records,
writes a diary (through the orchestrator and directly), answers a question, draws an image,
queues a report and runs the worker on it, meets bad input, a dropped connection and an
unreachable database. Everything the process writes to stdout and stderr is captured at the file
descriptor, with the service's log level at DEBUG, and searched for the secrets (as written, JSON-
escaped, URL-quoted and base64-encoded).

The root logger is set as the Lambda runtime sets it: a handler at WARNING by default. With
AWS_LAMBDA_LOG_LEVEL=DEBUG the runtime lowers the root logger to DEBUG, and botocore then logs the
GetSecretValue response body, password included, unless the handler caps botocore's loggers at
INFO (handler/app.py does); both levels are tested.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import uuid
from urllib.parse import quote

from tests import tally
from tests.support.requests import ROOT
from tests.throwaway_postgres import migrate, socket_dir, throwaway_server

SECTION = "secrets"
DB_PASSWORD = f"db-pw-{uuid.uuid4().hex}-Zq9!"
AWS_SECRET_KEY = f"aws-sk-{uuid.uuid4().hex}"

_RUN = textwrap.dedent(
    """
    import json, logging, os, sys
    import boto3, psycopg2

    # The Lambda runtime's root logger: one handler, at AWS_LAMBDA_LOG_LEVEL when set, else WARNING.
    logging.basicConfig(stream=sys.stdout, level=os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "WARNING")

    from handler.app import lambda_handler
    from handler.dal import store
    from handler.dal.credentials import connection_dsn
    from handler.local.aws_stand_ins import receive, sqs_event
    from tests.support import services
    from tests.support.requests import FakeContext, http_event

    user, out = sys.argv[1], sys.argv[2]
    replies = []

    def send(method, path, body=None, **kwargs):
        event = http_event(method, path, body, user=kwargs.pop("as_user", user), **kwargs)
        response = lambda_handler(event, FakeContext())
        replies.append({"request": f"{method} {path}", **response})
        return response

    assert services.current().settings.database_url is None and services.current().settings.db_secret_arn
    send("GET", "/health")
    # The connection came from the secret: psycopg2 shows a password was given (and masks it).
    dsn = services.current().store._current().dsn
    assert "password=xxx" in dsn and "sslmode=verify-full" in dsn
    key = {"idempotency-key": "secret-run-1"}
    send("POST", "/records", {"content": "오늘 친구랑 영화 봤어 🎬", "record_date": "2026-11-25"}, headers=key)
    send("POST", "/records", {"content": "오늘 친구랑 영화 봤어 🎬", "record_date": "2026-11-25"}, headers=key)
    send("POST", "/records", {"content": "친구랑 저녁 먹어서 행복했어", "record_date": "2026-11-23"})
    send("POST", "/records", {"content": "야근해서 피곤했어", "record_date": "2026-11-24"})
    send("GET", "/records", query={"from": "2026-11-23", "to": "2026-11-29"})
    send("POST", "/agent", {"content": "오늘 하루 정리해서 일기로 만들어줘", "current_date": "2026-11-25"})
    send("POST", "/diaries", {"date": "2026-11-25"})
    send("GET", "/diaries/2026-11-25")
    send("POST", "/questions", {"question": "어제 나 무슨 영화 봤어?", "current_date": "2026-11-26"})
    send("POST", "/images", {"date": "2026-11-25"})
    report = json.loads(send("POST", "/reports", {"start_date": "2026-11-23", "end_date": "2026-11-29"})["body"])
    messages = receive(os.environ["JOB_QUEUE_URL"], wait_s=1)
    replies.append({"request": "SQS batch", **lambda_handler(sqs_event(messages), FakeContext())})
    send("GET", f"/reports/{report['report_id']}")
    send("GET", "/reports")
    send("GET", "/openapi.json")
    # Bad input and refusals.
    send("POST", "/records", raw_body="{not json")
    send("POST", "/records", {"content": "x", "password": "guess"})
    send("GET", "/nothing-here")
    send("POST", "/records", {"content": "누구세요"}, as_user=None)
    # A dropped connection (a restart, an idle timeout): reconnects, reading the secret again if due.
    with psycopg2.connect(connection_dsn(services.current().settings)) as admin, admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s, 5000)", (services.current().store._current().get_backend_pid(),))
    send("POST", "/records", {"content": "다시 연결", "record_date": "2026-11-25"})
    # An unreachable database.
    services.current().store.close()
    os.environ["DB_HOST"] = "/nonexistent-socket-dir"
    services.reload()
    send("POST", "/records", {"content": "못 저장", "record_date": "2026-11-25"})
    send("GET", "/health")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(replies, f, ensure_ascii=False)
    """
)


def _forms(secret: str) -> set[str]:
    """The ways a secret could show up in text: as is, escaped for JSON, URL-quoted, in base64."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        quote(secret, safe=""),
        base64.b64encode(secret.encode()).decode().rstrip("="),
        base64.b64encode(("password=" + secret).encode()).decode()[:-4],
    }


def _script_the_model(fake) -> None:
    fake.answer("RouteDecision", {"type": "diary", "date": "2026-11-25"})
    fake.answer(
        "DiaryDraft",
        {"title": "영화 본 날", "content": "친구랑 영화를 봤다."},
        {"title": "영화 본 날", "content": "친구랑 영화를 봤다. 즐거웠다."},
    )
    fake.answer("AnswerDraft", {"answer": "영화를 봤어요.", "used_records": ["r1"]})
    fake.answer("ImagePrompt", {"prompt": "two friends at a cinema, watercolor"})
    fake.answer(
        "ReportDraft",
        {
            "daily_scores": [
                {"date": "2026-11-23", "score": 8, "sentiment": "positive", "themes": ["친구"]},
                {"date": "2026-11-24", "score": 3, "sentiment": "negative", "themes": ["야근"]},
                {"date": "2026-11-25", "score": 7, "sentiment": "positive", "themes": ["영화"]},
            ],
            "themes": ["친구", "야근"],
            "patterns": ["친구를 만난 날 기분이 좋아요"],
            "feedback_points": ["친구를 자주 만나요", "야근 뒤에는 쉬어요", "영화를 즐겨요"],
            "overall": "좋은 날이 많았어요.",
        },
    )


def _run(tmp_path, fake_bedrock, aws_services, root_log_level: str | None) -> tuple[str, list[dict]]:
    import boto3

    fake_bedrock.reset()
    _script_the_model(fake_bedrock)
    secrets = boto3.client("secretsmanager", endpoint_url=aws_services["endpoint"])
    arn = secrets.create_secret(
        Name=f"diary-db-{uuid.uuid4().hex[:8]}",
        SecretString=json.dumps({"engine": "postgres", "username": "postgres", "password": DB_PASSWORD}),
    )["ARN"]
    with throwaway_server() as server:
        migrate(server.get_uri())
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(
            PYTHONPATH=str(ROOT),
            DB_SECRET_ARN=arn,
            DB_HOST=socket_dir(server),
            DB_PORT="5432",
            DB_NAME="postgres",
            AWS_ACCESS_KEY_ID="AKIDSECRETTEST",
            AWS_SECRET_ACCESS_KEY=AWS_SECRET_KEY,
            AWS_ENDPOINT_URL_SECRETS_MANAGER=aws_services["endpoint"],
            LOG_LEVEL="DEBUG",
            POWERTOOLS_LOG_LEVEL="DEBUG",
        )
        env.pop("AWS_LAMBDA_LOG_LEVEL", None)
        if root_log_level:
            env["AWS_LAMBDA_LOG_LEVEL"] = root_log_level
        out = tmp_path / "replies.json"
        user = f"secret-{uuid.uuid4()}"
        run = subprocess.run(
            [sys.executable, "-c", _RUN, user, str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )
    assert run.returncode == 0, run.stderr[-4000:]
    replies = json.loads(out.read_text(encoding="utf-8"))
    return run.stdout + run.stderr, replies


def _check(text: str, replies: list[dict], runtime_level: str) -> None:
    by_request = {}
    for reply in replies:
        by_request.setdefault(reply["request"], []).append(reply.get("statusCode"))
    # The run really went through every capability (and the faults answered as they should).
    assert by_request["POST /records"][:4] == [201, 201, 201, 201]
    assert by_request["POST /agent"] == [200] and by_request["POST /diaries"] == [201]
    assert by_request["POST /questions"] == [200] and by_request["POST /images"] == [201]
    assert by_request["POST /reports"] == [202] and replies[[r["request"] for r in replies].index("SQS batch")] == {
        "request": "SQS batch",
        "batchItemFailures": [],
    }
    assert by_request["POST /records"][-2:] == [201, 503]
    assert by_request["GET /health"] == [200, 503]
    everything = text + json.dumps(replies, ensure_ascii=False) + json.dumps(replies)
    tally.add(SECTION, f"runs at runtime log level {runtime_level}")
    tally.add(SECTION, f"bytes searched at {runtime_level}", len(text.encode()))
    leaks = sorted(form for secret in (DB_PASSWORD, AWS_SECRET_KEY) for form in _forms(secret) if form in everything)
    tally.add(SECTION, f"leaks at {runtime_level}", len(leaks))
    for form in leaks:
        at = everything.index(form)
        print("LEAK:", everything[max(0, at - 300) : at + 100])
    assert not leaks


def test_no_secret_in_logs_stdout_or_responses(tmp_path, fake_bedrock, aws_services):
    text, replies = _run(tmp_path, fake_bedrock, aws_services, root_log_level=None)
    compact = text.replace(" ", "")
    # The output holds the service's own logs (JSON, Powertools) of the faults it met.
    assert '"message":"databaseunavailable"' in compact and '"level":"WARNING"' in compact, text[-3000:]
    _check(text, replies, "WARNING (default)")


def test_no_secret_in_logs_even_with_the_runtime_at_debug(tmp_path, fake_bedrock, aws_services):
    text, replies = _run(tmp_path, fake_bedrock, aws_services, root_log_level="DEBUG")
    _check(text, replies, "DEBUG")
