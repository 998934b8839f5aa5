"""Presigned GET URLs held to S3's rules, not moto's leniency: signed by real botocore, with no
server (presigning needs none), in AWS's configuration (no endpoint override, us-west-2).

- SigV4 only: S3 refuses SigV2 for SSE-KMS objects, as the bucket's are
  (https://repost.aws/knowledge-center/s3-kms-signature-version-error).
- On the bucket's regional virtual host: the global host may answer a new bucket with a 307 to the
  regional one, which a signed URL cannot follow
  (https://docs.aws.amazon.com/AmazonS3/latest/API/UsingRouting.html).
- No longer than the signing credentials last
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html), nor than
  SigV4's 604800 s (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from handler import aws
from handler.aws import object_store
from handler.aws.object_store import PresignedUrl
from handler.composition import Services
from tests.support.presigned import query, works_until

BUCKET = "diary-images-abc123"
KEY = "users/3f6c1e2a/images/9734053c.png"
REGION = "us-west-2"
WEEK_S = 604800


@pytest.fixture
def aws_mode(monkeypatch, tmp_path) -> Iterator[None]:
    """The function as Lambda runs it: a region, keys in the environment, no endpoint override, no
    config files. Every AWS_ variable of the test run (moto's endpoints included) is removed."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("DATABASE_URL", "postgresql://unused@127.0.0.1/unused")  # settings need one; never used
    monkeypatch.setenv("IMAGE_BUCKET", BUCKET)
    monkeypatch.setenv("IMAGE_URL_EXPIRY_S", str(WEEK_S))
    yield


def _presigned(key: str) -> PresignedUrl:
    """Signed by the function's object store as the environment configures it now."""
    return object_store.of(Services.from_environment()).presigned_url(key)


def test_aws_urls_are_sigv4_on_the_buckets_regional_virtual_host(aws_mode):
    signed = _presigned(KEY)

    parts, params = urlsplit(signed.url), query(signed.url)
    assert (parts.scheme, parts.hostname, parts.path) == ("https", f"{BUCKET}.s3.{REGION}.amazonaws.com", f"/{KEY}")
    assert params["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    access_key, _date, region, service, terminator = params["X-Amz-Credential"].split("/")
    assert (access_key, region, service, terminator) == ("AKIAIOSFODNN7EXAMPLE", REGION, "s3", "aws4_request")
    assert params["X-Amz-SignedHeaders"] == "host" and len(params["X-Amz-Signature"]) == 64
    assert not {"AWSAccessKeyId", "Signature", "Expires"} & params.keys()  # nothing of SigV2
    # Long-term keys: the setting alone bounds it, and the answer says what the URL says.
    assert int(params["X-Amz-Expires"]) == WEEK_S
    assert signed.expires_at == works_until(signed.url)


def test_us_east_1_urls_use_its_regional_host_too(aws_mode, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")

    url = _presigned(KEY).url

    assert urlsplit(url).hostname == f"{BUCKET}.s3.us-east-1.amazonaws.com"
    assert query(url)["X-Amz-Credential"].split("/")[2:4] == ["us-east-1", "s3"]


def test_temporary_credentials_that_expire_sooner_cut_the_url_short(aws_mode, monkeypatch):
    # botocore's refreshable credentials from the environment: a session token with its expiry.
    expiry = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=40)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", expiry.isoformat())

    signed = _presigned(KEY)

    params = query(signed.url)
    assert params["X-Amz-Security-Token"] == "session-token"
    assert 0 < int(params["X-Amz-Expires"]) <= 40 * 60  # not the setting's week: what the credentials have left
    # The answer says when the URL really stops: its own window, or the credentials, whichever ends first.
    assert signed.expires_at == min(works_until(signed.url), expiry)


def test_credentials_that_outlive_a_week_still_stop_at_sigv4s_week(aws_mode, monkeypatch):
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", expiry.isoformat())

    signed = _presigned(KEY)

    assert int(query(signed.url)["X-Amz-Expires"]) == WEEK_S
    assert signed.expires_at == works_until(signed.url)


def test_session_credentials_of_unknown_expiry_are_trusted_for_an_hour(aws_mode, monkeypatch):
    # Lambda's execution-role credentials: AWS_SESSION_TOKEN and no expiry anywhere.
    monkeypatch.setenv("AWS_SESSION_TOKEN", "lambda-session-token")

    signed = _presigned(KEY)

    assert int(query(signed.url)["X-Amz-Expires"]) == aws.UNKNOWN_SESSION_S
    assert signed.expires_at <= works_until(signed.url)


class _ContainerCredentials(BaseHTTPRequestHandler):
    """Lambda's credentials endpoint under SnapStart (AWS_CONTAINER_CREDENTIALS_FULL_URI with
    AWS_CONTAINER_AUTHORIZATION_TOKEN, https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html#snapstart-credentials),
    answering as the container credential provider expects
    (https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html)."""

    token = "container-authorization-token"
    expiry = dt.datetime.now(dt.UTC)

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != self.token:
            self.send_response(403)
            self.end_headers()
            return
        body = {
            "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
            "SecretAccessKey": "container-secret",
            "Token": "container-session-token",
            "Expiration": self.expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args) -> None:
        pass


def test_snap_start_container_credentials_cut_the_url_short(aws_mode, monkeypatch):
    _ContainerCredentials.expiry = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=2)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ContainerCredentials)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # SnapStart sets none of these
            monkeypatch.delenv(name)
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", f"http://127.0.0.1:{server.server_port}/creds")
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", _ContainerCredentials.token)

        signed = _presigned(KEY)
    finally:
        server.shutdown()

    params = query(signed.url)
    assert params["X-Amz-Credential"].startswith("ASIAIOSFODNN7EXAMPLE/")
    assert 0 < int(params["X-Amz-Expires"]) <= 2 * 3600
    assert signed.expires_at == min(works_until(signed.url), _ContainerCredentials.expiry)


@pytest.mark.parametrize(
    "variable, endpoint",
    [
        ("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:5000"),
        ("AWS_ENDPOINT_URL_S3", "http://localhost:4566"),  # a name: "virtual" would prepend the bucket
        ("AWS_ENDPOINT_URL", "http://localhost:4566"),
    ],
)
def test_a_local_endpoint_gets_path_style_urls_still_signed_with_sigv4(aws_mode, monkeypatch, variable, endpoint):
    monkeypatch.setenv(variable, endpoint)

    url = _presigned(KEY).url

    parts, params = urlsplit(url), query(url)
    assert f"{parts.scheme}://{parts.netloc}" == endpoint
    assert parts.path == f"/{BUCKET}/{KEY}"
    assert params["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert params["X-Amz-Credential"].split("/")[2:4] == [REGION, "s3"]
