"""`make web-deploy` (handler/local/web_deploy.py) against moto's server over HTTP: a stack whose
outputs are the web client's, its web bucket and its distribution; what lands in the bucket, with
which headers, and what the page is told in config.json."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import boto3
import pytest

from handler.local import web_deploy
from handler.local.dev_server import WEB_DIR

REGION = "us-west-2"
API_URL = "https://a1b2c3d4e5.execute-api.us-west-2.amazonaws.com/"
SIGN_IN = "diary-dev-123456789012.auth.us-west-2.amazoncognito.com"
IMAGES = "diary-dev-imagebucket-1a2b3c"
# A stand-in for the stack: its web bucket is a real (moto) bucket, made by CloudFormation.
STACK_TEMPLATE = json.dumps(
    {
        "Parameters": {"DistributionId": {"Type": "String"}, "DistributionDomain": {"Type": "String"}},
        "Resources": {"WebBucket": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {
            "ApiUrl": {"Value": API_URL},
            "ImageBucketName": {"Value": IMAGES},
            "WebUrl": {"Value": {"Fn::Sub": "https://${DistributionDomain}/"}},
            "WebSignInDomain": {"Value": SIGN_IN},
            "WebClientId": {"Value": "4example5client6id7"},
            "WebBucketName": {"Value": {"Ref": "WebBucket"}},
            "WebDistributionId": {"Value": {"Ref": "DistributionId"}},
        },
    }
)


@pytest.fixture
def session(moto_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_CLOUDFORMATION", "AWS_ENDPOINT_URL_CLOUDFRONT"):
        monkeypatch.delenv(name, raising=False)
    return boto3.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


def _stack(session, **extra_outputs) -> tuple[str, dict]:
    cloudfront = session.client("cloudfront")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": str(uuid.uuid4()),
            "Comment": "web",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {"Id": "web", "DomainName": "web.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
                ],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "redirect-to-https"},
            "DefaultRootObject": "index.html",
        }
    )["Distribution"]
    name = f"diary-{uuid.uuid4().hex[:8]}"
    session.client("cloudformation").create_stack(
        StackName=name,
        TemplateBody=STACK_TEMPLATE,
        Parameters=[
            {"ParameterKey": "DistributionId", "ParameterValue": distribution["Id"]},
            {"ParameterKey": "DistributionDomain", "ParameterValue": distribution["DomainName"]},
        ],
    )
    return name, distribution


def _objects(session, bucket: str) -> dict[str, dict]:
    s3 = session.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key) for key in keys}


def test_the_page_is_uploaded_with_its_types_caching_and_the_stacks_config(session):
    stack, distribution = _stack(session)
    said: list[str] = []
    written = web_deploy.deploy(session, stack, out=said.append)
    outputs = web_deploy.stack_outputs(session.client("cloudformation"), stack)
    objects = _objects(session, outputs["WebBucketName"])
    # Every file the page serves (web/config.json replaced), nothing else.
    served = {f.name for f in WEB_DIR.iterdir() if f.suffix in {".html", ".js", ".css", ".svg", ".json"}}
    assert set(objects) == served
    types = {key: (o["ContentType"], o["CacheControl"]) for key, o in objects.items()}
    assert types["index.html"] == ("text/html; charset=utf-8", "no-cache")
    assert types["config.json"] == ("application/json", "no-cache")
    assert types["app.js"] == ("text/javascript; charset=utf-8", "public, max-age=300")
    assert types["signin.js"] == ("text/javascript; charset=utf-8", "public, max-age=300")
    assert types["style.css"] == ("text/css; charset=utf-8", "public, max-age=300")
    assert types["favicon.svg"] == ("image/svg+xml", "public, max-age=300")
    # index.html and config.json are written after the files they name.
    assert [u.key for u in written][-2:] == ["index.html", "config.json"]
    # What the page reads at start: the stack's outputs, nothing typed by hand.
    config = json.loads(objects["config.json"]["Body"].read())
    assert config == {
        "auth": "cognito",
        "api": API_URL.rstrip("/"),
        "hosted_ui": f"https://{SIGN_IN}",
        "client_id": "4example5client6id7",
        "redirect_uri": f"https://{distribution['DomainName']}/",
        "region": REGION,
    }
    # The exact origins, as a <meta> policy before any script or style.
    index = objects["index.html"]["Body"].read().decode("utf-8")
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', index)
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    images = f"https://{IMAGES}.s3.{REGION}.amazonaws.com"
    assert directives["connect-src"] == [
        "'self'",
        "https://a1b2c3d4e5.execute-api.us-west-2.amazonaws.com",
        images,
        f"https://{SIGN_IN}",
    ]
    assert directives["img-src"] == ["'self'", images]
    assert index.index("Content-Security-Policy") < min(index.index("<script"), index.index("<link"))
    # Otherwise the page is web/'s, byte for byte.
    assert objects["app.js"]["Body"].read() == (WEB_DIR / "app.js").read_bytes()
    assert said[-1] == f"the page: https://{distribution['DomainName']}/"
    # The distribution forgets its cached copies.
    invalidations = session.client("cloudfront").list_invalidations(DistributionId=distribution["Id"])
    assert invalidations["InvalidationList"]["Quantity"] == 1


def test_objects_of_files_no_longer_in_web_are_deleted(session, tmp_path: Path):
    stack, _ = _stack(session)
    bucket = web_deploy.stack_outputs(session.client("cloudformation"), stack)["WebBucketName"]
    session.client("s3").put_object(Bucket=bucket, Key="old.js", Body=b"//")
    page = tmp_path / "web"
    page.mkdir()
    (page / "index.html").write_text('<!doctype html><meta charset="utf-8"><title>x</title>', "utf-8")
    (page / "notes.txt").write_text("not served", "utf-8")
    web_deploy.deploy(session, stack, web_dir=page, out=lambda _: None)
    assert set(_objects(session, bucket)) == {"index.html", "config.json"}


def test_a_stack_without_the_web_client_is_refused_before_anything_is_written(session):
    name = f"diary-{uuid.uuid4().hex[:8]}"
    session.client("cloudformation").create_stack(
        StackName=name,
        TemplateBody='{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}, "Outputs": {"ApiUrl": {"Value": "x"}}}',
    )
    with pytest.raises(web_deploy.WebDeployFailure, match="WebClient=cloudfront"):
        web_deploy.deploy(session, name, out=lambda _: None)


def test_index_html_needs_its_charset_to_carry_the_policy():
    with pytest.raises(web_deploy.WebDeployFailure, match="charset"):
        web_deploy.with_csp("<!doctype html><title>x</title>", "default-src 'none'")
