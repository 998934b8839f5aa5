"""Faults not covered elsewhere: the report queue refusing a message, the report worker dying
mid-report, and a real PostgreSQL restart under a warm process.

What is decided here:
- A report whose message could not be queued must not stay `pending` with nobody to run it: the
  request answers 503 with Retry-After, and the report is either not kept or kept as `failed`.
  A retry with the same Idempotency-Key then runs once.
- A worker that dies after claiming a report (an exception that is not a model error, or the
  process killed) leaves it `running`; SQS redelivers the message and the next delivery completes
  it. On the last allowed delivery the report must end `failed`, never stay `running`.
- PostgreSQL restarted between two invocations of the same warm process: the next invocation
  reconnects and succeeds. Only a throwaway `pgserver` instance made for this test is restarted.

Faults injected and survived are counted in the run's summary.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import psycopg2
import pytest

from handler.local.aws_stand_ins import receive, sqs_event
from tests import tally
from tests.support import services
from tests.support.requests import ROOT, call, invoke_raw, jot
from tests.throwaway_postgres import migrate, throwaway_server

SECTION = "faults"
WEEK = {"start_date": "2026-11-23", "end_date": "2026-11-29"}


def _week(user: str) -> None:
    jot(user, "2026-11-23", "친구랑 맛있는 저녁 먹어서 행복했어")
    jot(user, "2026-11-24", "야근해서 너무 피곤하고 힘들었어")
    jot(user, "2026-11-26", "산책하며 좋은 하루")


def _injected() -> None:
    tally.add(SECTION, "injected")


def _survived() -> None:
    tally.add(SECTION, "survived")


def _reports(db, user) -> list[dict]:
    db.execute("SELECT id::text AS id, status, attempts, failure FROM reports WHERE user_id = %s", (user,))
    return db.fetchall()


@pytest.fixture
def missing_queue(aws_services, monkeypatch):
    """JOB_QUEUE_URL pointing at a queue that does not exist in moto: SendMessage fails."""

    monkeypatch.setenv("JOB_QUEUE_URL", f"{aws_services['endpoint']}/000000000000/no-such-queue")
    services.reload()
    yield aws_services
    services.reload()


def _restore_queue(aws_services, monkeypatch) -> None:

    monkeypatch.setenv("JOB_QUEUE_URL", aws_services["queue_url"])
    services.reload()


# --- the report queue refuses the message ---------------------------------------------------


def test_a_report_that_cannot_be_queued_is_503_and_a_retry_runs_once(missing_queue, monkeypatch, user, db):
    _injected()
    _week(user)
    refused = call("POST", "/reports", WEEK, user=user, headers={"idempotency-key": "report-1"})
    assert refused.status == 503, refused.body
    assert refused.body["error"]["code"] == "service_unavailable"
    assert refused.headers["retry-after"]
    assert "no-such-queue" not in json.dumps(refused.body)

    _restore_queue(missing_queue, monkeypatch)
    retried = call("POST", "/reports", WEEK, user=user, headers={"idempotency-key": "report-1"})
    assert retried.status == 202, retried.body
    messages = receive(missing_queue["queue_url"], wait_s=1)
    assert [json.loads(m["Body"])["report_id"] for m in messages] == [retried.body["report_id"]]
    assert invoke_raw(sqs_event(messages)) == {"batchItemFailures": []}
    assert call("GET", f"/reports/{retried.body['report_id']}", user=user).body["status"] == "completed"
    _survived()


def test_a_report_that_cannot_be_queued_is_not_left_pending(missing_queue, user, db):
    _injected()
    _week(user)
    refused = call("POST", "/reports", WEEK, user=user)
    assert refused.status == 503, refused.body
    stranded = [r for r in _reports(db, user) if r["status"] in ("pending", "running")]
    assert not stranded, f"no worker will ever run these: {stranded}"
    _survived()


# --- the worker dies mid-report -------------------------------------------------------------


def _queued_report(aws_services, user) -> tuple[str, dict]:
    _week(user)
    created = call("POST", "/reports", WEEK, user=user)
    assert created.status == 202, created.body
    [message] = receive(aws_services["queue_url"], wait_s=1)
    return created.body["report_id"], message


def _crash_once(monkeypatch, exc: BaseException) -> list[int]:
    """Make the report model call raise `exc` on its first call only (after the report was claimed)."""
    from handler.agents.reporter import agent as reporter

    real, calls = reporter.write, []

    def write(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise exc
        return real(*args, **kwargs)

    monkeypatch.setattr(reporter, "write", write)
    return calls


def test_a_worker_crash_after_claiming_is_retried_and_completes(aws_services, monkeypatch, user, db):
    _injected()
    report_id, message = _queued_report(aws_services, user)
    calls = _crash_once(monkeypatch, RuntimeError("the worker died mid-report"))

    first = invoke_raw(sqs_event([message]))
    assert first == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}  # SQS will redeliver
    assert [r["status"] for r in _reports(db, user)] == ["running"]

    message["Attributes"]["ApproximateReceiveCount"] = "2"
    assert invoke_raw(sqs_event([message])) == {"batchItemFailures": []}
    [report] = _reports(db, user)
    assert (report["id"], report["status"], report["attempts"]) == (report_id, "completed", 2)
    assert len(calls) == 2
    _survived()


def test_a_worker_crash_on_the_last_delivery_fails_the_report(aws_services, monkeypatch, user, db):

    _injected()
    _report_id, message = _queued_report(aws_services, user)
    _crash_once(monkeypatch, RuntimeError("the worker died mid-report"))
    message["Attributes"]["ApproximateReceiveCount"] = str(services.current().settings.job_max_receives)

    invoke_raw(sqs_event([message]))
    assert [r["status"] for r in _reports(db, user)] == ["failed"]
    _survived()


_DYING_WORKER = textwrap.dedent(
    """
    import json, os, sys
    from handler.agents.reporter import agent as reporter

    def die(*args, **kwargs):
        os._exit(137)  # killed mid-report, as a Lambda timeout or out-of-memory would

    reporter.write = die
    from handler.app import lambda_handler
    from tests.support.requests import FakeContext
    lambda_handler(json.loads(sys.stdin.read()), FakeContext())
    """
)


def test_a_worker_process_killed_mid_report_is_completed_by_the_redelivery(aws_services, user, db, test_database):
    _injected()
    report_id, message = _queued_report(aws_services, user)
    env = {**os.environ, "DATABASE_URL": test_database, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    dying = subprocess.run(
        [sys.executable, "-c", _DYING_WORKER],
        input=json.dumps(sqs_event([message])),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dying.returncode == 137, dying.stderr[-2000:]
    [report] = _reports(db, user)
    assert (report["status"], report["attempts"]) == ("running", 1)

    # SQS redelivers after the visibility timeout, to another container (here: this process).
    message["Attributes"]["ApproximateReceiveCount"] = "2"
    assert invoke_raw(sqs_event([message])) == {"batchItemFailures": []}
    [report] = _reports(db, user)
    assert (report["id"], report["status"], report["attempts"]) == (report_id, "completed", 2)
    _survived()


# --- PostgreSQL restarted under a warm process ----------------------------------------------


@pytest.fixture
def throwaway_postgres(monkeypatch):
    """A PostgreSQL of this test's own, migrated, that the handler in this process uses."""

    with throwaway_server() as server:
        migrate(server.get_uri())
        services.current().store.close()
        monkeypatch.setenv("DATABASE_URL", server.get_uri())
        services.reload()
        try:
            yield server
        finally:
            services.current().store.close()
            monkeypatch.undo()
            services.reload()


def test_a_real_postgres_restart_between_invocations_is_survived(throwaway_postgres, user):
    from pgserver._commands import pg_ctl

    _injected()
    first = call("POST", "/records", {"content": "재시작 전", "record_date": "2026-11-25"}, user=user)
    assert first.status == 201, first.body
    backend_before = services.current().store._current().get_backend_pid()

    # A real restart of this test's own server (fast shutdown: sessions are cut, as in a failover).
    pg_ctl(["-w", "restart", "-m", "fast"], pgdata=throwaway_postgres.pgdata, user=throwaway_postgres.system_user)

    second = call("POST", "/records", {"content": "재시작 후", "record_date": "2026-11-25"}, user=user)
    assert second.status == 201, second.body
    assert services.current().store._current().get_backend_pid() != backend_before
    listed = call("GET", "/records", query={"date": "2026-11-25"}, user=user)
    assert [r["content"] for r in listed.body["items"]] == ["재시작 전", "재시작 후"]
    with psycopg2.connect(throwaway_postgres.get_uri()) as check, check.cursor() as cur:
        cur.execute("SELECT count(*) FROM records WHERE user_id = %s", (user,))
        assert cur.fetchone()[0] == 2
    _survived()
