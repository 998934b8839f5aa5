"""An erasure that cannot be lost (DELETE /me): its own queue, a record the schedule sends again, the
user refused from the moment it is asked for, the Cognito user signed out and deleted, and a proof
that keeps nothing of the person.

Against moto's SQS and Cognito (server mode, real botocore clients over HTTP) and the real
PostgreSQL. Where moto is more lenient than AWS, the test says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import uuid

import boto3
import pytest

from handler.local.aws_stand_ins import receive, sqs_event
from tests.support import limits, services
from tests.support.requests import ROOT, call, invoke_raw, jot

WEEK = {"start_date": "2026-11-23", "end_date": "2026-11-29"}
BACKLOG = 25


def _queued(aws_services: dict[str, str], queue: str) -> int:
    sqs = boto3.client("sqs", endpoint_url=aws_services["endpoint"])
    attributes = sqs.get_queue_attributes(QueueUrl=aws_services[queue], AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def _deliver(aws_services: dict[str, str], queue: str) -> list[dict]:
    """Hand what is queued to the worker, as the event source mapping would; the messages."""
    messages = receive(aws_services[queue], wait_s=1)
    assert messages
    assert invoke_raw(sqs_event(messages)) == {"batchItemFailures": []}
    return messages


def _rows_of(db, user: str) -> int:
    db.execute(
        "SELECT (SELECT count(*) FROM records WHERE user_id = %(u)s) + (SELECT count(*) FROM reports"
        " WHERE user_id = %(u)s) + (SELECT count(*) FROM diaries WHERE user_id = %(u)s) AS n",
        {"u": user},
    )
    return db.fetchone()["n"]


def _proof(db, user: str) -> dict:
    subject = hashlib.sha256(f"diary-erasure:{user}".encode()).hexdigest()
    db.execute("SELECT * FROM erasures WHERE subject = %s", (subject,))
    return db.fetchone()


def test_a_backlog_of_reports_does_not_delay_an_erasure(aws_services, user, other_user, db):
    with limits.out_of_the_way():
        _a_backlog_of_reports_does_not_delay_an_erasure(aws_services, user, other_user, db)


def _a_backlog_of_reports_does_not_delay_an_erasure(aws_services, user, other_user, db):
    """One user queues many reports, then leaves: the erasure is the only message on its own queue,
    done while every report is still waiting on the job queue. (The per-user limits, which would
    stop such a flood, are set out of the way: tests/integration/test_quotas.py tests them.)"""
    jot(user, "2026-11-25", "친구랑 영화 봤어")
    jot(other_user, "2026-11-25", "남의 기록")
    for _ in range(BACKLOG):
        assert call("POST", "/reports", WEEK, user=user).status == 202
    assert call("POST", "/reports", WEEK, user=other_user).status == 202
    assert call("DELETE", "/me", user=user).body == {"status": "erasing"}

    [message] = _deliver(aws_services, "erasure_queue_url")
    assert json.loads(message["Body"]) == {"job": "erase", "user_id": user}
    assert _rows_of(db, user) == 0
    assert _queued(aws_services, "queue_url") == BACKLOG + 1  # not one report was run before it

    # The backlog then finds nothing of the erased user to write; the other user's report is written.
    while _queued(aws_services, "queue_url"):
        _deliver(aws_services, "queue_url")
    assert _rows_of(db, user) == 0
    [report] = call("GET", "/reports", user=other_user).body["items"]
    assert report["status"] == "completed"


def test_an_erased_users_requests_are_refused_during_and_after_the_erasure(aws_services, user, other_user):
    jot(user, "2026-11-25", "기록")
    assert call("DELETE", "/me", user=user).status == 202
    # Erasing: a token that has not expired yet gets nothing, and can write nothing.
    for method, path, body in (
        ("GET", "/records", None),
        ("POST", "/records", {"content": "다시 쓰기", "record_date": "2026-11-26"}),
        ("POST", "/agent", {"content": "오늘 영화 봤어"}),
        ("GET", "/me/export", None),
    ):
        reply = call(method, path, body, user=user, query={"date": "2026-11-25"} if method == "GET" else None)
        assert (reply.status, reply.body["error"]["code"]) == (410, "account_erasing"), (method, path, reply.body)
    assert call("DELETE", "/me", user=user).body == {"status": "erasing"}  # asking again is answered
    assert call("GET", "/records", user=other_user, query={"date": "2026-11-25"}).status == 200

    _deliver(aws_services, "erasure_queue_url")
    reply = call("POST", "/records", {"content": "다시 쓰기"}, user=user, shape="1.0")
    assert (reply.status, reply.body["error"]["code"]) == (410, "account_erased")
    assert call("GET", "/health", user=user).status == 200  # public routes stay public
    assert call("DELETE", "/me", user=user).body == {"status": "erased"}  # and where it stands


def test_the_proof_of_erasure_keeps_no_personal_data(aws_services, user, db):
    token = f"token{uuid.uuid4().hex}"
    jot(user, "2026-11-25", f"{token} 비밀", f"{token} 일기")
    assert call("DELETE", "/me", user=user).status == 202
    pending = _proof(db, user)
    assert (pending["status"], pending["user_id"]) == ("pending", user)  # what the schedule needs
    _deliver(aws_services, "erasure_queue_url")

    proof = _proof(db, user)
    assert proof["status"] == "done" and proof["user_id"] is None
    assert proof["requested_at"] <= proof["completed_at"]
    assert proof["erased"]["records"] == 2
    assert all(isinstance(n, int) for n in proof["erased"].values())
    as_text = json.dumps(proof, default=str)
    assert user not in as_text and token not in as_text


def test_an_erasure_whose_message_is_lost_is_sent_again_by_the_schedule(aws_services, user, db, capsys):
    """SQS deletes a message when its retention ends, in the dead-letter queue too: the erasures
    table keeps it, and the scheduled re-drive sends it again and tells the operator when overdue."""
    jot(user, "2026-11-25", "기록")
    assert call("DELETE", "/me", user=user).status == 202
    [lost] = receive(aws_services["erasure_queue_url"])
    boto3.client("sqs", endpoint_url=aws_services["endpoint"]).delete_message(
        QueueUrl=aws_services["erasure_queue_url"], ReceiptHandle=lost["ReceiptHandle"]
    )
    subject = _proof(db, user)["subject"]
    redrive = {"job": "redrive_erasures"}

    # Just sent: not again yet (a delivery and its retries may still be under way).
    _run_job(redrive)
    assert _queued(aws_services, "erasure_queue_url") == 0
    # Past its deadline: sent again, and counted for the operator's alarm.
    db.execute(
        "UPDATE erasures SET sent_at = now() - interval '20 minutes', requested_at = now() - interval '2 days'"
        " WHERE subject = %s",
        (subject,),
    )
    capsys.readouterr()
    _run_job(redrive)
    assert _overdue_metric(capsys.readouterr().out) >= 1
    [again] = _deliver(aws_services, "erasure_queue_url")
    assert json.loads(again["Body"]) == {"job": "erase", "user_id": user}
    assert _rows_of(db, user) == 0 and _proof(db, user)["status"] == "done"


def _run_job(body: dict) -> None:
    message = {"MessageId": str(uuid.uuid4()), "ReceiptHandle": "h", "Body": json.dumps(body), "MD5OfBody": "-"}
    assert invoke_raw(sqs_event([message])) == {"batchItemFailures": []}


def _overdue_metric(stdout: str) -> float:
    """OverdueErasures from the embedded-metric-format lines Powertools printed."""
    values = [
        line["OverdueErasures"]
        for line in (json.loads(text) for text in stdout.splitlines() if text.startswith("{"))
        if "OverdueErasures" in line
    ]
    assert values, stdout[-2000:]
    return values[-1][-1] if isinstance(values[-1], list) else values[-1]


_CUT_BEFORE_THE_PROOF = textwrap.dedent(
    """
    import json, os, sys
    from handler.dal import erasures

    def killed(*args, **kwargs):
        os._exit(137)  # a Lambda timeout, or the process killed

    erasures.Erasures.complete = killed
    from handler.app import lambda_handler
    from tests.support.requests import FakeContext
    lambda_handler(json.loads(sys.stdin.read()), FakeContext())
    """
)


def test_a_worker_killed_after_the_data_before_the_proof_is_finished_by_the_redelivery(
    aws_services, user, db, test_database
):
    jot(user, "2026-11-25", "기록")
    assert call("DELETE", "/me", user=user).status == 202
    [message] = receive(aws_services["erasure_queue_url"], wait_s=1)
    cut = subprocess.run(
        [sys.executable, "-c", _CUT_BEFORE_THE_PROOF],
        input=json.dumps(sqs_event([message])),
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": test_database, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cut.returncode == 137, cut.stderr[-2000:]
    assert _rows_of(db, user) == 0 and _proof(db, user)["status"] == "pending"
    # Still refused meanwhile, and the redelivered message completes the record.
    assert call("GET", "/records", user=user, query={"date": "2026-11-25"}).body["error"]["code"] == "account_erasing"
    message["Attributes"]["ApproximateReceiveCount"] = "2"
    assert invoke_raw(sqs_event([message])) == {"batchItemFailures": []}
    assert _proof(db, user)["status"] == "done"


# --- Cognito ------------------------------------------------------------------------------------


@pytest.fixture
def user_pool(aws_services, monkeypatch) -> dict[str, str]:
    """A pool in moto shaped as the stack's (e-mail as username, so the username is the sub) and one
    signed-in user."""

    cognito = boto3.client("cognito-idp", endpoint_url=aws_services["endpoint"])
    pool_id = cognito.create_user_pool(PoolName=f"users-{uuid.uuid4().hex[:8]}", UsernameAttributes=["email"])[
        "UserPool"
    ]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="diary-app",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    email, password = f"u-{uuid.uuid4().hex[:8]}@example.invalid", "Passw0rd-long-enough"
    created = cognito.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS")["User"]
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
    signed_in = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]
    sub = next(a["Value"] for a in created["Attributes"] if a["Name"] == "sub")
    assert created["Username"] == sub  # as in AWS for a pool with UsernameAttributes
    monkeypatch.setenv("USER_POOL_ID", pool_id)
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", aws_services["endpoint"])
    services.reload()
    return {"pool_id": pool_id, "client_id": client_id, "sub": sub, "refresh": signed_in["RefreshToken"]}


def _refresh(cognito, user_pool: dict[str, str]) -> dict:
    return cognito.initiate_auth(
        ClientId=user_pool["client_id"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": user_pool["refresh"]},
    )


def test_the_erased_user_is_signed_out_and_deleted_from_the_user_pool(aws_services, user_pool, db):

    cognito = boto3.client("cognito-idp", endpoint_url=aws_services["endpoint"])
    sub = user_pool["sub"]
    jot(sub, "2026-11-25", "기록")
    assert "AccessToken" in _refresh(cognito, user_pool)["AuthenticationResult"]  # signed in until the erasure
    sent: list[tuple[str, dict]] = []
    services.current().aws.client("cognito-idp").meta.events.register(
        "provide-client-params.cognito-identity-provider.*",
        lambda params, model, **_: sent.append((model.name, dict(params))),
    )

    assert call("DELETE", "/me", user=sub).status == 202
    _deliver(aws_services, "erasure_queue_url")

    asked = {"UserPoolId": user_pool["pool_id"], "Username": sub}
    assert sent == [("AdminUserGlobalSignOut", asked), ("AdminDeleteUser", asked)]
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=user_pool["pool_id"], Username=sub)
    # Not checked here: that the refresh token is refused afterwards. AWS answers NotAuthorizedException;
    # moto 5.2.5 answers a refresh for a deleted user with a 500 of its own. Either way a token that has
    # not expired stays valid for API Gateway's authorizer, which is why the API refuses it itself.
    assert _proof(db, sub)["erased"]["accounts"] == 1
    # A redelivery finds the user gone, and is done all the same.
    message = {"MessageId": "m", "ReceiptHandle": "h", "Body": json.dumps({"job": "erase", "user_id": sub})}
    assert invoke_raw(sqs_event([{**message, "MD5OfBody": "-"}])) == {"batchItemFailures": []}


def test_without_a_user_pool_the_account_step_is_skipped_and_said(aws_services, user, db, caplog):
    assert call("DELETE", "/me", user=user).status == 202
    with caplog.at_level("INFO"):
        _deliver(aws_services, "erasure_queue_url")
    assert "no user pool configured: no account to delete" in caplog.messages
    assert "accounts" not in _proof(db, user)["erased"]


def test_a_refused_request_is_answered_before_any_model_call(aws_services, user, fake_bedrock):
    assert call("DELETE", "/me", user=user).status == 202
    assert call("POST", "/agent", {"content": "오늘 영화 봤어"}, user=user).status == 410
    assert fake_bedrock.calls == []


def test_without_a_queue_the_erasure_is_done_at_once_with_its_proof(user, db):
    jot(user, "2026-11-25", "기록")
    assert call("DELETE", "/me", user=user).body == {"status": "erased"}
    proof = _proof(db, user)
    assert (proof["status"], proof["user_id"], proof["erased"]["records"]) == ("done", None, 1)
    assert call("GET", "/records", user=user, query={"date": "2026-11-25"}).body["error"]["code"] == "account_erased"


def test_an_erasure_queued_by_the_previous_release_on_the_job_queue_is_recorded_and_proved(aws_services, user, db):
    """Messages in flight across the deploy that gave erasures their own queue: the worker still
    takes `erase` from the job queue, and records it as if it had been asked for now."""
    jot(user, "2026-11-25", "기록")
    boto3.client("sqs", endpoint_url=aws_services["endpoint"]).send_message(
        QueueUrl=aws_services["queue_url"], MessageBody=json.dumps({"job": "erase", "user_id": user})
    )
    _deliver(aws_services, "queue_url")
    assert _rows_of(db, user) == 0 and _proof(db, user)["status"] == "done"
    assert call("GET", "/records", user=user, query={"date": "2026-11-25"}).body["error"]["code"] == "account_erased"
