"""The trimmed image still runs every route, with the model (fake Bedrock) and S3/SQS (moto).

The Dockerfile removes from the final stage what the function never imports or opens (see the
Dockerfile's trimming step). This is the test behind every removal: the image's own entry point,
wrapped in an audit hook that logs each import and each file opened under /opt/deps, answers
every event in events/http-api/ and one SQS batch of the report worker, with MODEL_PROVIDER=bedrock
(Converse and InvokeModel through botocore), S3 (put + presigned URL) and SQS (send) through moto.
Then, for each removal, the test checks that nothing the function did needed it.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.bedrock import ROUTING_MODEL_ID
from tests.support.lambda_image.engine import START_TIMEOUT_S, ImageConfig, function_environment, tail
from tests.support.lambda_image.routes import AwsFakes, audit_argv, exercise, failures, parse_audit
from tests.support.lambda_image.runtime_api import RuntimeAPI

pytestmark = pytest.mark.image

# What the Dockerfile removes from the final stage, as top-level import names (must never be
# imported) and as paths under /opt/deps (must not exist in the image).
REMOVED_PACKAGES = [
    "mcp",
    "mcp_types",
    "starlette",
    "uvicorn",
    "sse_starlette",
    "httpx2",
    "httpcore2",
    "multipart",
    "python_multipart",
    "jwt",
    "cryptography",
    "cffi",
    "pycparser",
    "click",
    "anyio",
    "httpx",
    "httpcore",
    "h11",
    "truststore",
    "pip",
    "setuptools",
    "wheel",
]
# botocore/data services the function uses; every other service folder is removed.
KEPT_BOTOCORE_SERVICES = {
    "bedrock-runtime", "bedrock", "s3", "sqs", "secretsmanager", "sts", "lambda", "cognito-idp", "transcribe",
}  # fmt: skip


@pytest.fixture(scope="session")
def every_route(image_engine, image_config: ImageConfig, image_database_url: str) -> dict[str, Any]:
    """Start the image's entry point under the audit hook and send it every route."""
    handler = image_config.cmd[-1]
    with tempfile.TemporaryDirectory(prefix="image-routes-") as tmp, RuntimeAPI() as api, AwsFakes() as fakes:
        log_path = Path(tmp) / "function.log"
        env = {**function_environment(api.address, image_database_url, handler), **fakes.environment()}
        env.pop("AWS_ENDPOINT_URL")  # the services the function uses have their own endpoints above
        with open(log_path, "wb") as log_file:
            image_engine.prepare()
            process = image_engine.start(audit_argv(handler), env, log_file)
            try:
                deadline = time.monotonic() + START_TIMEOUT_S
                while not api.wait_for_poll(timeout=0.5):
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"the function did not start:\n{tail(log_path.read_text(errors='replace'))}")
                results = exercise(lambda event: api.invoke(event, timeout=60), fakes)
                calls = [(c.operation, c.tool_names) for c in fakes.bedrock.calls]
            finally:
                image_engine.stop(process)
        log = log_path.read_text(errors="replace")
    modules, opened = parse_audit(log)
    if os.environ.get("IMAGE_TEST_AUDIT_OUT"):  # for measuring what else could go
        Path(os.environ["IMAGE_TEST_AUDIT_OUT"]).write_text(
            json.dumps({"modules": sorted(modules), "opened": sorted(opened)})
        )
    return {"results": results, "modules": modules, "opened": opened, "model_calls": calls, "log": log}


def test_every_route_answers(every_route: dict[str, Any]) -> None:
    bad = failures(every_route["results"])
    assert not bad, "\n".join(bad) + "\n--- function output ---\n" + tail(every_route["log"])
    sent = {name for name, _, _ in every_route["results"]}
    events = {path.stem for path in (Path(__file__).resolve().parents[2] / "events" / "http-api").glob("*.json")}
    assert events <= sent, f"events never sent to the image: {sorted(events - sent)}"
    operations = {op for op, _ in every_route["model_calls"]}
    assert operations == {"converse", "invoke"}, every_route["model_calls"]


def test_removed_packages_are_never_imported(every_route: dict[str, Any]) -> None:
    imported = {m.split(".")[0] for m in every_route["modules"]}
    assert imported & set(REMOVED_PACKAGES) == set()
    # The audit hook saw the heavy imports, so it did watch the function's imports.
    assert {"strands", "boto3", "botocore", "psycopg2", "aws_lambda_powertools"} <= imported


def test_only_the_used_botocore_services_are_opened(every_route: dict[str, Any]) -> None:
    opened_services = {
        Path(p).relative_to("/opt/deps/botocore/data").parts[0]
        for p in every_route["opened"]
        if p.startswith("/opt/deps/botocore/data/") and len(Path(p).relative_to("/opt/deps/botocore/data").parts) > 1
    }
    assert opened_services <= KEPT_BOTOCORE_SERVICES, opened_services
    assert {"bedrock-runtime", "s3", "sqs"} <= opened_services


_LAYOUT = r"""
import json, os, sys
deps = "/opt/deps"
services = sorted(os.listdir(os.path.join(deps, "botocore", "data")))
print(json.dumps({"present": sorted(os.listdir(deps)), "services": services}))
"""


def test_removed_files_are_not_in_the_image(image_engine, every_route: dict[str, Any]) -> None:
    result = image_engine.run(["python", "-c", _LAYOUT])
    assert result.returncode == 0, result.stderr
    layout = json.loads(result.stdout.strip().splitlines()[-1])
    present = {name.split("-")[0].lower() for name in layout["present"]}
    assert present & {p.lower() for p in REMOVED_PACKAGES} == set(), layout["present"]
    services = {s for s in layout["services"] if not s.endswith(".json")}
    assert services == KEPT_BOTOCORE_SERVICES, services


# The database secret (AWS path of handler/dal/credentials.py) and STS are not reached by the
# routes above with DATABASE_URL set; their botocore models are kept, and this proves they load.
_SECRET_AND_STS = r"""
import json, os
from handler.dal import credentials
from handler.settings import Settings
settings = Settings(
    database_url=None, db_secret_arn=os.environ["SECRET_ARN"], db_host="db.example", db_port=5432, db_name="diary"
)
dsn = credentials.connection_dsn(settings)
import boto3
identity = boto3.client("sts").get_caller_identity()
print(json.dumps({"dsn": dsn, "account": identity["Account"]}))
"""


def test_database_secret_and_sts_clients_work_in_the_image(image_engine) -> None:
    with AwsFakes() as fakes:
        arn = fakes.client("secretsmanager").create_secret(
            Name=f"diary-db-{os.getpid()}-{time.time_ns()}",
            SecretString=json.dumps({"username": "diary_app", "password": "s3cret"}),
        )["ARN"]
        result = image_engine.run(
            ["python", "-c", _SECRET_AND_STS],
            env={
                "SECRET_ARN": arn,
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_ENDPOINT_URL_SECRETS_MANAGER": fakes.moto_url,
                "AWS_ENDPOINT_URL_STS": fakes.moto_url,
            },
        )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert "user=diary_app" in out["dsn"] and "host=db.example" in out["dsn"], out
    assert out["account"].isdigit()


# The deploy's model check runs this image with another CMD: its entry point, against a fake
# Bedrock control plane and a stand-in for CloudFormation's ResponseURL, both on the host.
_MODEL_CHECK = r"""
import json, os
from handler.deploy_hooks import check_models_on_deploy
event = json.loads(os.environ["EVENT"])
print(json.dumps(check_models_on_deploy(event, None)))
"""


def test_the_model_check_entry_point_reaches_the_control_plane_in_the_image(image_engine) -> None:
    from tests.fakes.bedrock_control_plane import FakeControlPlane, serve
    from tests.fakes.cloudformation import ResponseURL

    fake = FakeControlPlane(models={"anthropic.claude-haiku-5-5": ("ACTIVE", None)}, profiles={ROUTING_MODEL_ID})
    server, response_url = serve(fake), ResponseURL()
    event = {
        "RequestType": "Create",
        "ResponseURL": response_url.url,
        "StackId": "arn:aws:cloudformation:us-west-2:123456789012:stack/diary-dev/1",
        "RequestId": "req-image",
        "LogicalResourceId": "ModelLifecycleCheck",
        "ResourceProperties": {
            "ModelProvider": "bedrock",
            "StackRegion": "us-west-2",
            "Egress": "endpoints",
            "Models": [
                {"Task": "routing", "ModelId": ROUTING_MODEL_ID, "Region": "us-west-2"},
                {"Task": "image", "ModelId": "amazon.nova-canvas-v1:0", "Region": "us-west-2"},
            ],
        },
    }
    try:
        result = image_engine.run(
            ["python", "-c", _MODEL_CHECK],
            env={
                "EVENT": json.dumps(event),
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_ENDPOINT_URL_BEDROCK": f"http://127.0.0.1:{server.server_address[1]}",
            },
        )
    finally:
        server.shutdown()
        response_url.server.shutdown()
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    (answer,) = response_url.answers
    # The routing profile and its model were asked about in the image, access included (the fake
    # answers it callable); Nova Canvas is unknown there.
    assert ("inference-profiles", ROUTING_MODEL_ID, "us-west-2") in fake.requests
    assert ("foundation-model-availability", "anthropic.claude-haiku-5-5", "us-west-2") in fake.requests
    assert answer["Status"] == "FAILED" and "amazon.nova-canvas-v1:0 (us-west-2): UNKNOWN" in answer["Reason"]
