"""`make smoke` (handler/local/smoke.py), the parts that are not the walk: the dry run, and the
stack's half (outputs, the throwaway Cognito user, its cleanup) against moto's CloudFormation and
Cognito over HTTP, the pool made as template.yaml makes it. The walk itself runs against `make dev`
in tests/integration/test_smoke_walk.py.

moto does not check the app client's ExplicitAuthFlows, so the flow the script uses is held to the
template's client here instead.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.request
from collections.abc import Iterator

import boto3
import pytest

from handler.local import smoke
from tests.unit.test_template import load_template

DAY = "2026-11-20"


@pytest.fixture
def aws(moto_endpoint, monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    yield


@pytest.fixture
def stack(aws) -> dict[str, str]:
    """A user pool and app client as the template makes them, and a stack whose outputs name them."""
    resources = load_template()["Resources"]
    pool_props = resources["UserPool"]["Properties"]
    client_props = resources["UserPoolClient"]["Properties"]
    cognito = boto3.client("cognito-idp", region_name="us-west-2")
    pool_id = cognito.create_user_pool(
        PoolName="diary-dev-users",
        UsernameAttributes=pool_props["UsernameAttributes"],
        Policies={"PasswordPolicy": {**pool_props["Policies"]["PasswordPolicy"]}},
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=client_props["ClientName"],
        GenerateSecret=client_props["GenerateSecret"],
        ExplicitAuthFlows=client_props["ExplicitAuthFlows"],
    )["UserPoolClient"]["ClientId"]
    name = f"diary-smoke-{os.urandom(4).hex()}"
    outputs = {"ApiUrl": "https://abc123.execute-api.us-west-2.amazonaws.com/", "UserPoolId": pool_id}
    outputs["UserPoolClientId"] = client_id
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name="us-west-2").create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )
    return {"name": name, **outputs}


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_flow_the_script_signs_in_with_is_one_the_stacks_client_allows():
    client = load_template()["Resources"]["UserPoolClient"]["Properties"]
    assert "ALLOW_ADMIN_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]
    assert client["GenerateSecret"] is False  # AdminInitiateAuth would need a SECRET_HASH otherwise


def test_the_dry_run_prints_every_call_in_order_and_sends_nothing(monkeypatch, capsys):
    def no_network(*args, **kwargs):
        raise AssertionError("the dry run sent something")

    monkeypatch.setattr(boto3, "Session", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)

    assert smoke.main(["--stack", "diary-dev", "--region", "us-west-2", "--dry-run"]) == 0

    printed = capsys.readouterr().out.splitlines()
    aws_calls = [line.split()[1] for line in printed if line.startswith(("  cloudformation", "  cognito-idp"))]
    assert aws_calls == [
        "DescribeStacks",
        "AdminCreateUser",
        "AdminSetUserPassword",
        "AdminInitiateAuth",
        "AdminDeleteUser",
    ]
    numbered = [line.split()[1:3] for line in printed if line[:4].strip().rstrip(".").isdigit()]
    day = smoke.dt.datetime.now(smoke.dt.UTC).date().isoformat()
    assert numbered == [
        [step.method, "<the" if step.path == "{picture_url}" else step.path] for step in smoke.steps(day)
    ]
    assert "AuthFlow=ADMIN_USER_PASSWORD_AUTH" in "\n".join(printed)


def test_the_stacks_half_signs_a_user_in_and_deletes_it_afterwards(stack, monkeypatch, capsys):
    walked: list[smoke.Walk] = []

    def walk(the_walk: smoke.Walk, day: str) -> None:
        walked.append(the_walk)

    monkeypatch.setattr(smoke, "_walk_and_erase", walk)

    smoke._against_the_stack(stack["name"], "us-west-2", DAY)

    (the_walk,) = walked
    assert the_walk.base_url == stack["ApiUrl"]
    scheme, token = the_walk.auth()["authorization"].split(" ")
    assert scheme == "Bearer"
    # An ID token of the stack's pool for its app client: what the API's JWT authorizer accepts.
    issued = claims(token)
    assert issued["token_use"] == "id"
    assert issued["aud"] == stack["UserPoolClientId"]
    assert issued["iss"].endswith(stack["UserPoolId"])
    assert issued["email"].startswith("smoke-") and issued["email"].endswith("@example.invalid")
    # The user is gone afterwards, and neither its password nor its token was printed.
    users = boto3.client("cognito-idp", region_name="us-west-2").list_users(UserPoolId=stack["UserPoolId"])
    assert users["Users"] == []
    printed = capsys.readouterr().out
    assert token not in printed and "Sm0ke-" not in printed
    assert f"deleted the user {issued['email']}" in printed


def test_a_failed_walk_still_deletes_the_user(stack, monkeypatch):
    def walk(the_walk: smoke.Walk, day: str) -> None:
        raise smoke.SmokeFailure("503, not 201")

    monkeypatch.setattr(smoke, "_walk_and_erase", walk)

    with pytest.raises(smoke.SmokeFailure, match="503"):
        smoke._against_the_stack(stack["name"], "us-west-2", DAY)

    users = boto3.client("cognito-idp", region_name="us-west-2").list_users(UserPoolId=stack["UserPoolId"])
    assert users["Users"] == []


def test_a_stack_without_its_own_user_pool_is_refused_before_any_user_is_made(aws):
    # JwtIssuer given: the stack has no UserPoolId output.
    name = f"diary-smoke-{os.urandom(4).hex()}"
    template = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"ApiUrl": {"Value": "https://x/"}}}
    boto3.client("cloudformation", region_name="us-west-2").create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )

    with pytest.raises(smoke.SmokeFailure, match="no output UserPoolId, UserPoolClientId"):
        smoke._against_the_stack(name, "us-west-2", DAY)


def test_an_unknown_stack_is_a_failure_not_a_traceback(aws):
    with pytest.raises(smoke.SmokeFailure, match=r"AWS: .*does not exist"):
        smoke._against_the_stack("no-such-stack", "us-west-2", DAY)
