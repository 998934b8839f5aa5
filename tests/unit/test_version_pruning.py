"""The deploy's version pruning (`Custom::VersionPruning`): old versions of the diary function go,
the newest few and every aliased one stay, nothing else is touched, and a failure never fails the
deploy.

Lambda is a strict fake over HTTP (tests/fakes/lambda_versions.py: pages, and Lambda's refusals of
an aliased version, an alias, `$LATEST`), reached by the real botocore client through the standard
`AWS_ENDPOINT_URL_LAMBDA` variable; CloudFormation's ResponseURL is a local server too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from handler import aws, deploy_hooks, version_pruning
from tests.fakes.cloudformation import Context
from tests.fakes.lambda_versions import Alias, FakeLambda, serve

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/diary-dev/5b5a1e60-0000-11f0-8000-0a1b2c3d4e5f"
PRUNER = "arn:aws:lambda:us-east-1:123456789012:function:diary-dev-VersionPruneFunction-XyZ"
DIARY = "diary-dev-DiaryFunction-AbC"
OTHER = "diary-dev-MigrationFunction-DeF"
DENIED = (
    "User: arn:aws:sts::123456789012:assumed-role/diary-dev-VersionPruneFunctionRole/diary-dev-prune is not "
    "authorized to perform: lambda:DeleteFunction on resource: "
    f"arn:aws:lambda:us-east-1:123456789012:function:{DIARY}:5 because no identity-based policy allows the "
    "lambda:DeleteFunction action"
)


@pytest.fixture
def fake_lambda(monkeypatch) -> Iterator[FakeLambda]:
    fake = FakeLambda()
    server = serve(fake)
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    yield fake
    server.shutdown()


def prune_event(
    fake: FakeLambda, url: str, request_type: str = "Update", *, version: int = 12, old_version: int = 11, keep="3"
) -> dict:
    properties = {
        "ServiceToken": PRUNER,
        "FunctionArn": fake.arn(DIARY),
        "FunctionVersion": fake.arn(DIARY, str(version)),
        "AliasArn": fake.arn(DIARY, "live"),
        "Keep": keep,  # CloudFormation passes every property as a string
    }
    event = {
        "RequestType": request_type,
        "ServiceToken": PRUNER,
        "ResponseURL": url,
        "StackId": STACK_ID,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": "DiaryFunctionVersionPruning",
        "ResourceType": "Custom::VersionPruning",
        "ResourceProperties": properties,
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = "DiaryFunctionVersionPruning-schema"
    if request_type == "Update":
        event["OldResourceProperties"] = {**properties, "FunctionVersion": fake.arn(DIARY, str(old_version))}
    return event


def deletes(fake: FakeLambda) -> list[tuple[str, str | None]]:
    return [(name, qualifier) for method, _, name, qualifier in fake.requests if method == "DELETE"]


def test_keeps_the_newest_and_every_aliased_version_and_deletes_the_rest(fake_lambda, response_url):
    # live -> 12 (just deployed); a pinned alias -> 4 that also sends some traffic to 2.
    fake_lambda.add(DIARY, range(1, 13), {"live": Alias("12"), "pinned": Alias("4", {"2": 0.1})})

    deploy_hooks.prune_versions_on_deploy(prune_event(fake_lambda, response_url.url), Context())

    (answer,) = response_url.answers
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {"Summary": "kept 2,4,10,11,12, deleted 1,3,5,6,7,8,9"}
    assert answer["Reason"] == answer["Data"]["Summary"]
    assert fake_lambda.functions[DIARY].versions == [2, 4, 10, 11, 12]
    # One numbered version per call; never the function itself, never $LATEST.
    assert deletes(fake_lambda) == [(DIARY, str(v)) for v in (1, 3, 5, 6, 7, 8, 9)]


def test_never_touches_another_function(fake_lambda, response_url):
    fake_lambda.add(DIARY, range(1, 8), {"live": Alias("7")})
    fake_lambda.add(OTHER, range(1, 8), {"live": Alias("7")})

    deploy_hooks.prune_versions_on_deploy(
        prune_event(fake_lambda, response_url.url, version=7, old_version=6), Context()
    )

    assert fake_lambda.functions[OTHER].versions == list(range(1, 8))
    assert {name for _, _, name, _ in fake_lambda.requests} == {DIARY}
    assert fake_lambda.functions[DIARY].versions == [5, 6, 7]


def test_every_page_of_versions_and_aliases_is_read(fake_lambda, response_url):
    # 120 versions: three pages of at most 50; aliases one to a page.
    fake_lambda.alias_page = 1
    fake_lambda.add(DIARY, range(1, 121), {"live": Alias("120"), "old": Alias("7"), "older": Alias("3")})

    deploy_hooks.prune_versions_on_deploy(
        prune_event(fake_lambda, response_url.url, version=120, old_version=119), Context()
    )

    assert fake_lambda.functions[DIARY].versions == [3, 7, 118, 119, 120]
    operations = [operation for _, operation, _, _ in fake_lambda.requests]
    assert operations.count("ListVersionsByFunction") == 3
    assert operations.count("ListAliases") == 3
    # Listing comes first: nothing is deleted before every alias is known.
    assert operations.index("DeleteFunction") > max(i for i, op in enumerate(operations) if op.startswith("List"))


def test_a_refused_deletion_is_reported_and_does_not_fail_the_deploy(fake_lambda, response_url, log):
    fake_lambda.add(DIARY, range(1, 9), {"live": Alias("8")})
    fake_lambda.refuse["5"] = DENIED

    deploy_hooks.prune_versions_on_deploy(
        prune_event(fake_lambda, response_url.url, version=8, old_version=7), Context()
    )

    (answer,) = response_url.answers
    assert answer["Status"] == "SUCCESS"
    summary = answer["Data"]["Summary"]
    assert summary == "kept 6,7,8, deleted 1,2,3,4, NOT deleted 5 (AccessDeniedException; see the log)"
    assert answer["Reason"] == f"WARNING {summary}"
    # The others went; 5 waits for the next deploy.
    assert fake_lambda.functions[DIARY].versions == [5, 6, 7, 8]
    [line] = [json.loads(x) for x in log.getvalue().splitlines() if "could not delete a version" in x]
    assert line["level"] == "ERROR"
    assert line["version"] == 5 and line["error"] == "AccessDeniedException"
    assert "lambda:DeleteFunction" in line["detail"]


def test_a_listing_that_fails_prunes_nothing_and_does_not_fail_the_deploy(fake_lambda, response_url, log):
    # The function is not there (as if the role named the wrong one): Lambda's 404.
    fake_lambda.add(OTHER, range(1, 5))

    deploy_hooks.prune_versions_on_deploy(prune_event(fake_lambda, response_url.url), Context())

    (answer,) = response_url.answers
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"]["Summary"].startswith("nothing pruned (ResourceNotFoundException: ")
    assert "ListVersionsByFunction" in answer["Data"]["Summary"]
    assert answer["Reason"].startswith("WARNING nothing pruned")
    assert deletes(fake_lambda) == []
    assert "could not prune the function's versions" in log.getvalue()


@pytest.mark.parametrize("keep", ["1", "0", "three", None])
def test_a_keep_below_two_or_missing_deletes_nothing(fake_lambda, response_url, keep):
    fake_lambda.add(DIARY, range(1, 9), {"live": Alias("8")})
    event = prune_event(fake_lambda, response_url.url, version=8, old_version=7, keep=keep)
    if keep is None:
        del event["ResourceProperties"]["Keep"]

    deploy_hooks.prune_versions_on_deploy(event, Context())

    (answer,) = response_url.answers
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"]["Summary"].startswith("nothing pruned")
    assert deletes(fake_lambda) == []
    assert fake_lambda.functions[DIARY].versions == list(range(1, 9))


@pytest.mark.parametrize("request_type", ["Delete", "rollback"])
def test_a_rollback_or_a_delete_prunes_nothing(fake_lambda, response_url, request_type):
    fake_lambda.add(DIARY, range(1, 13), {"live": Alias("11")})
    if request_type == "rollback":  # back from 12 to 11: the alias is moving back
        event = prune_event(fake_lambda, response_url.url, version=11, old_version=12)
    else:
        event = prune_event(fake_lambda, response_url.url, "Delete")

    deploy_hooks.prune_versions_on_deploy(event, Context())

    (answer,) = response_url.answers
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"]["Summary"].startswith("nothing pruned")
    assert fake_lambda.requests == []


def test_deleting_stops_when_time_runs_short(fake_lambda):
    fake_lambda.add(DIARY, range(1, 9), {"live": Alias("8")})

    result = version_pruning.prune(aws.Clients().client("lambda"), fake_lambda.arn(DIARY), 3, lambda: 5.0)

    assert result.deleted == [] and result.postponed == [1, 2, 3, 4, 5]
    assert result.summary() == "kept 6,7,8, deleted none, left for the next deploy 1,2,3,4,5"
    assert deletes(fake_lambda) == []


def test_only_an_unqualified_function_arn_is_pruned(fake_lambda):
    fake_lambda.add(DIARY, range(1, 9), {"live": Alias("8")})
    for name in (fake_lambda.arn(DIARY, "8"), DIARY, f"{fake_lambda.arn(DIARY)}:live"):
        with pytest.raises(ValueError, match="unqualified ARN"):
            version_pruning.prune(aws.Clients().client("lambda"), name, 3, lambda: None)
    assert fake_lambda.requests == []


def test_plan_keeps_latest_out_of_both_lists_and_refuses_to_keep_fewer_than_two():
    assert version_pruning.plan(["$LATEST", "1", "2", "3", "4"], {"1"}, 2) == ([1, 3, 4], [2])
    assert version_pruning.plan(["$LATEST"], set(), 2) == ([], [])
    with pytest.raises(ValueError, match="at least 2"):
        version_pruning.plan(["1", "2"], set(), 1)


@pytest.mark.parametrize(
    ("qualifier", "status", "code", "words"),
    [
        ("8", 409, "ResourceConflictException", "Unable to delete version because the following aliases reference it"),
        ("live", 400, "InvalidParameterValueException", "Deletion of aliases is not currently supported."),
        ("$LATEST", 400, "InvalidParameterValueException", "$LATEST"),
    ],
)
def test_the_fake_refuses_what_lambda_refuses(fake_lambda, qualifier, status, code, words):
    """The pruner's care is only tested if the fake refuses what Lambda refuses."""
    fake_lambda.add(DIARY, range(1, 9), {"live": Alias("8")})
    client = boto3.client("lambda")
    with pytest.raises(ClientError) as refused:
        client.delete_function(FunctionName=fake_lambda.arn(DIARY), Qualifier=qualifier)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert refused.value.response["Error"]["Code"] == code
    assert words in refused.value.response["Error"]["Message"]
    assert fake_lambda.functions[DIARY].versions == list(range(1, 9))
