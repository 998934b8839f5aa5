"""The deploy's model check (`Custom::ModelLifecycleCheck`): a retired model, or one this account
may not call, fails the deploy.

Bedrock's control plane is a fake over HTTP (tests/fakes/bedrock_control_plane.py), reached by the
real botocore client through the standard `AWS_ENDPOINT_URL_BEDROCK` variable; CloudFormation's
ResponseURL is a local server too. ACTIVE passes, LEGACY passes with a warning, EOL or unknown fails
with the model's id and state in the reason. Then access (GetFoundationModelAvailability): NOT_AUTHORIZED,
a region NOT_AVAILABLE or an agreement in ERROR fails; an agreement the first call makes (NOT_AVAILABLE,
PENDING) passes with a warning, as does an availability Bedrock will not tell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from handler import deploy_hooks, model_lifecycle
from tests.fakes.bedrock_control_plane import CALLABLE, FakeControlPlane, serve
from tests.fakes.cloudformation import Context, ResponseURL

FUNCTION = "arn:aws:lambda:us-west-2:123456789012:function:diary-dev-ModelCheckFunction-AbC"
WRITING = "us.anthropic.claude-sonnet-4-6"
ROUTING = "us.anthropic.claude-haiku-5-5"
IMAGE = "stability.stable-image-core-v1:1"
ACTIVE = ("ACTIVE", None)


@pytest.fixture
def control_plane(monkeypatch) -> Iterator[FakeControlPlane]:
    fake = FakeControlPlane(
        models={"anthropic.claude-sonnet-4-6": ACTIVE, "anthropic.claude-haiku-5-5": ACTIVE, IMAGE: ACTIVE},
        profiles={WRITING, ROUTING},
    )
    server = serve(fake)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    yield fake
    server.shutdown()


def check_event(
    url: str,
    request_type: str = "Create",
    *,
    image: str = IMAGE,
    image_region: str = "us-west-2",
    egress: str = "endpoints",
    provider: str = "bedrock",
    version: int = 3,
    old_version: int | None = None,
) -> dict:
    def properties(function_version: int) -> dict:
        return {
            "ServiceToken": FUNCTION,
            "FunctionVersion": f"{FUNCTION}:{function_version}",
            "ModelProvider": provider,
            "StackRegion": "us-west-2",
            "Egress": egress,
            "Models": [
                {"Task": "writing", "ModelId": WRITING, "Region": "us-west-2"},
                {"Task": "routing", "ModelId": ROUTING, "Region": "us-west-2"},
                {"Task": "image", "ModelId": image, "Region": image_region},
            ],
        }

    event = {
        "RequestType": request_type,
        "ServiceToken": FUNCTION,
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-west-2:123456789012:stack/diary-dev/5b5a1e60",
        "RequestId": "req-1",
        "LogicalResourceId": "ModelLifecycleCheck",
        "ResourceType": "Custom::ModelLifecycleCheck",
        "ResourceProperties": properties(version),
    }
    if old_version is not None:
        event["OldResourceProperties"] = properties(old_version)
    return event


def test_active_models_pass_and_each_is_asked_where_it_is_called(control_plane, response_url, log):
    deploy_hooks.check_models_on_deploy(check_event(response_url.url), Context())
    (answer,) = response_url.answers
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Data"] == {"writing": "ACTIVE", "routing": "ACTIVE", "image": "ACTIVE"}
    # A profile is asked about, then the model it routes to; a plain id only as a model. Access is
    # asked for the foundation model (the API takes no profile id), where it is called.
    assert control_plane.requests == [
        ("inference-profiles", WRITING, "us-west-2"),
        ("foundation-models", "anthropic.claude-sonnet-4-6", "us-west-2"),
        ("foundation-model-availability", "anthropic.claude-sonnet-4-6", "us-west-2"),
        ("inference-profiles", ROUTING, "us-west-2"),
        ("foundation-models", "anthropic.claude-haiku-5-5", "us-west-2"),
        ("foundation-model-availability", "anthropic.claude-haiku-5-5", "us-west-2"),
        ("foundation-models", IMAGE, "us-west-2"),
        ("foundation-model-availability", IMAGE, "us-west-2"),
    ]
    assert not answer["Reason"].startswith("WARNING"), answer["Reason"]
    assert '"state":"ACTIVE"' in log.getvalue()


def test_an_end_of_life_image_model_fails_the_deploy_with_its_id_and_state(control_plane, response_url, log):
    control_plane.models["amazon.nova-canvas-v1:0"] = ("LEGACY", "2026-09-30T00:00:00Z")
    deploy_hooks.check_models_on_deploy(
        check_event(
            response_url.url, "Update", image="amazon.nova-canvas-v1:0", image_region="us-east-1", egress="nat"
        ),
        Context(),
    )
    (answer,) = response_url.answers
    assert answer["Status"] == "FAILED"
    assert "amazon.nova-canvas-v1:0 (us-east-1): EOL" in answer["Reason"]
    assert "2026-09-30" in answer["Reason"]
    assert answer["Data"]["image"] == "EOL"
    assert ("foundation-models", "amazon.nova-canvas-v1:0", "us-east-1") in control_plane.requests
    assert '"level":"ERROR"' in log.getvalue() and "amazon.nova-canvas-v1:0" in log.getvalue()


def test_a_legacy_model_passes_with_a_warning_in_the_reason_and_the_log(control_plane, response_url, log):
    control_plane.models["anthropic.claude-sonnet-4-6"] = ("LEGACY", "2099-06-01T00:00:00Z")
    deploy_hooks.check_models_on_deploy(check_event(response_url.url), Context())
    (answer,) = response_url.answers
    assert answer["Status"] == "SUCCESS"
    assert answer["Reason"].startswith("WARNING")
    assert f"writing model {WRITING} (us-west-2): LEGACY" in answer["Reason"]
    assert "2099-06-01" in answer["Reason"]
    assert '"level":"WARNING"' in log.getvalue()


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("models", "anthropic.claude-haiku-5-5"),  # the model behind the routing profile
        ("profiles", ROUTING),  # the profile itself
    ],
)
def test_a_model_bedrock_does_not_know_fails_the_deploy(control_plane, response_url, missing, named):
    if missing == "models":
        del control_plane.models[named]
    else:
        control_plane.profiles.discard(named)
    deploy_hooks.check_models_on_deploy(check_event(response_url.url), Context())
    (answer,) = response_url.answers
    assert answer["Status"] == "FAILED"
    assert f"routing model {ROUTING} (us-west-2): UNKNOWN" in answer["Reason"]


@pytest.mark.parametrize(
    ("model", "task_and_id", "answer", "reason"),
    [
        pytest.param(
            "anthropic.claude-sonnet-4-6",
            f"writing model {WRITING}",
            {"authorizationStatus": "NOT_AUTHORIZED"},
            "authorizationStatus NOT_AUTHORIZED",
            id="not-authorized",
        ),
        pytest.param(
            IMAGE,
            f"image model {IMAGE}",
            {"regionAvailability": "NOT_AVAILABLE"},
            "regionAvailability NOT_AVAILABLE",
            id="region-not-available",
        ),
        pytest.param(
            "anthropic.claude-haiku-5-5",
            f"routing model {ROUTING}",
            {"agreementAvailability": {"status": "ERROR", "errorMessage": "No valid payment method"}},
            "agreement ERROR: No valid payment method",
            id="agreement-error",
        ),
    ],
)
def test_a_model_this_account_may_not_call_fails_the_deploy_with_its_id_and_reason(
    control_plane, response_url, log, model, task_and_id, answer, reason
):
    control_plane.availability[model] = answer
    deploy_hooks.check_models_on_deploy(check_event(response_url.url), Context())
    (sent,) = response_url.answers
    assert sent["Status"] == "FAILED"
    assert f"{task_and_id} (us-west-2): REFUSED - {reason}" in sent["Reason"], sent["Reason"]
    assert ("foundation-model-availability", model, "us-west-2") in control_plane.requests
    assert '"level":"ERROR"' in log.getvalue() and reason in log.getvalue()


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"agreementAvailability": {"status": "NOT_AVAILABLE"}}, id="agreement-not-available"),
        pytest.param({"agreementAvailability": {"status": "PENDING"}}, id="agreement-pending"),
        pytest.param(
            {"agreementAvailability": {"status": "NOT_AVAILABLE"}, "entitlementAvailability": "NOT_AVAILABLE"},
            id="entitlement-not-available",
        ),
    ],
)
def test_a_model_the_first_call_subscribes_to_passes_with_a_warning(control_plane, response_url, log, answer):
    # A new account: no Marketplace agreement for Stable Image Core yet. Bedrock makes one on the
    # first call, with the function role's aws-marketplace permissions.
    control_plane.availability[IMAGE] = answer
    deploy_hooks.check_models_on_deploy(check_event(response_url.url), Context())
    (sent,) = response_url.answers
    assert sent["Status"] == "SUCCESS"
    assert sent["Reason"].startswith("WARNING")
    assert f"image model {IMAGE} (us-west-2): FIRST_CALL - agreement " in sent["Reason"], sent["Reason"]
    assert "first call subscribes" in sent["Reason"]
    assert '"level":"WARNING"' in log.getvalue()


def test_an_anthropic_model_without_agreement_names_the_first_use_form(control_plane, response_url):
    control_plane.availability["anthropic.claude-haiku-5-5"] = {"agreementAvailability": {"status": "NOT_AVAILABLE"}}
    deploy_hooks.check_models_on_deploy(check_event(response_url.url), Context())
    (sent,) = response_url.answers
    assert sent["Status"] == "SUCCESS"
    assert f"routing model {ROUTING} (us-west-2): FIRST_CALL" in sent["Reason"]
    assert "first-use form" in sent["Reason"], sent["Reason"]


def test_a_new_account_sees_every_model_the_first_call_subscribes_to_in_the_reason(control_plane, response_url):
    for model in ("anthropic.claude-sonnet-4-6", "anthropic.claude-haiku-5-5", IMAGE):
        control_plane.availability[model] = {"agreementAvailability": {"status": "NOT_AVAILABLE"}}
    deploy_hooks.check_models_on_deploy(check_event(response_url.url), Context())
    (sent,) = response_url.answers
    assert sent["Status"] == "SUCCESS"
    for task, model_id in (("writing", WRITING), ("routing", ROUTING), ("image", IMAGE)):
        assert f"{task} model {model_id} (us-west-2): FIRST_CALL" in sent["Reason"], sent["Reason"]


def test_the_answer_stays_within_cloudformations_4096_bytes(control_plane, response_url):
    # Every model refused with a long message in Korean: json.dumps escapes each character to 6 bytes.
    for model in ("anthropic.claude-sonnet-4-6", "anthropic.claude-haiku-5-5", IMAGE):
        control_plane.availability[model] = {
            "agreementAvailability": {"status": "ERROR", "errorMessage": "결제 수단이 없습니다 " * 40}
        }
    deploy_hooks.check_models_on_deploy(check_event(response_url.url), Context())
    (put,) = response_url.puts
    assert int(put["headers"]["Content-Length"]) <= 4096
    assert put["body"]["Status"] == "FAILED"
    assert f"writing model {WRITING} (us-west-2): REFUSED - agreement ERROR: 결제" in put["body"]["Reason"]


def test_access_bedrock_will_not_tell_passes_with_a_warning_and_the_lifecycle_still_counts(
    control_plane, response_url, log
):
    # An SCP that denies the read (or a region without the API): the check cannot tell, so it does
    # not block the deploy on it; a retired model still fails.
    control_plane.denied = True
    deploy_hooks.check_models_on_deploy(check_event(response_url.url), Context())
    (sent,) = response_url.answers
    assert sent["Status"] == "SUCCESS"
    assert sent["Reason"].startswith("WARNING")
    assert f"writing model {WRITING} (us-west-2): UNVERIFIED - AccessDeniedException" in sent["Reason"]
    assert '"level":"WARNING"' in log.getvalue()

    retired = ResponseURL()
    try:
        control_plane.models[IMAGE] = ("LEGACY", "2026-01-01T00:00:00Z")
        deploy_hooks.check_models_on_deploy(check_event(retired.url), Context())
        (sent,) = retired.answers
    finally:
        retired.server.shutdown()
    assert sent["Status"] == "FAILED" and f"{IMAGE} (us-west-2): EOL" in sent["Reason"]


def test_a_model_in_another_region_is_refused_when_the_subnets_cannot_reach_it(control_plane, response_url):
    deploy_hooks.check_models_on_deploy(check_event(response_url.url, image_region="us-east-1"), Context())
    (answer,) = response_url.answers
    assert answer["Status"] == "FAILED"
    assert f"image model {IMAGE} in us-east-1" in answer["Reason"] and "CreateNatGateway" in answer["Reason"]
    assert control_plane.requests == []


@pytest.mark.parametrize(
    "event",
    [
        pytest.param({"request_type": "Delete"}, id="delete"),
        pytest.param({"request_type": "Update", "version": 4, "old_version": 5}, id="rollback"),
        pytest.param({"provider": "offline"}, id="offline"),
    ],
)
def test_nothing_is_asked_on_delete_rollback_or_without_bedrock(control_plane, response_url, event):
    control_plane.models.clear()  # any question would fail
    kwargs = dict(event)
    deploy_hooks.check_models_on_deploy(
        check_event(response_url.url, kwargs.pop("request_type", "Create"), **kwargs), Context()
    )
    (answer,) = response_url.answers
    assert answer["Status"] == "SUCCESS"
    assert control_plane.requests == []


def test_a_control_plane_that_cannot_be_reached_fails_the_deploy_with_the_reason(monkeypatch, response_url):
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    deploy_hooks.check_models_on_deploy(check_event(response_url.url), Context())
    (answer,) = response_url.answers
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("model check failed: EndpointConnectionError")


@pytest.mark.parametrize(
    ("lifecycle", "state"),
    [
        ({"status": "ACTIVE"}, "ACTIVE"),
        ({"status": "LEGACY", "endOfLifeTime": dt.datetime(2026, 12, 2, tzinfo=dt.UTC)}, "LEGACY"),
        ({"status": "LEGACY", "endOfLifeTime": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)}, "EOL"),
        ({"status": "LEGACY"}, "LEGACY"),
        ({"status": "EOL"}, "EOL"),
        ({}, "EOL"),
    ],
)
def test_lifecycle_states(lifecycle, state):
    class Bedrock:
        def get_foundation_model(self, modelIdentifier):
            return {"modelDetails": {"modelId": modelIdentifier, "modelLifecycle": lifecycle}}

        def get_foundation_model_availability(self, modelId):
            return {"modelId": modelId, **CALLABLE}

    model = model_lifecycle.ModelInUse("image", IMAGE, "us-west-2")
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    (verdict,) = model_lifecycle.check([model], lambda region: Bedrock(), now)
    assert verdict.state == state
    assert verdict.fails is (state == "EOL")


@pytest.mark.parametrize(
    ("model_id", "base"),
    [
        ("us.anthropic.claude-haiku-5-5", "anthropic.claude-haiku-5-5"),
        ("global.anthropic.claude-sonnet-4-6", "anthropic.claude-sonnet-4-6"),
        ("apac.amazon.nova-2-lite-v1:0", "amazon.nova-2-lite-v1:0"),
        ("us-gov.anthropic.claude-haiku-5-5", "anthropic.claude-haiku-5-5"),
        ("stability.stable-image-core-v1:1", "stability.stable-image-core-v1:1"),
        ("amazon.titan-embed-text-v2:0", "amazon.titan-embed-text-v2:0"),
    ],
)
def test_foundation_model_behind_a_profile(model_id, base):
    assert model_lifecycle.foundation_model_id(model_id) == base
