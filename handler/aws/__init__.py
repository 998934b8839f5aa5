"""The AWS clients: S3 for images, SQS for jobs, Bedrock's image and embedding models; and the
session every client of the function (Strands' Bedrock models included) is made from.

`Clients` holds them, one per Services (handler.composition). They are made on first use (routes
that never touch them never pay for boto3), the standard way, so the `AWS_ENDPOINT_URL_*`
variables and the usual credential chain apply. The session's credentials are resolved by its
first client; the service models it reads stay in a loader of their own, which outlives the
session (handler.snap_start drops the clients before a snapshot and keeps the loader).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

# Temporary credentials whose expiry botocore was not given: Lambda's execution-role credentials in
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN carry none, and Lambda does not say
# how long they last ("services that assume a role, such as the AWS Lambda execution role, don't
# necessarily comply with the role's session duration settings",
# https://repost.aws/knowledge-center/presigned-url-s3-bucket-expiration). An hour: a role
# session's default length (STS AssumeRole's DurationSeconds, a role's MaxSessionDuration).
UNKNOWN_SESSION_S = 3600


# The one cache of the module: botocore's service models and endpoint rules, read from the files
# botocore ships. It holds no credentials and nothing of the environment, so every session shares
# it and a snapshot may keep it.
@functools.cache
def _service_models() -> Any:
    from botocore.loaders import create_loader

    return create_loader()


def _new_session() -> Any:
    import boto3
    import botocore.session

    core = botocore.session.get_session()
    core.register_component("data_loader", _service_models())
    return boto3.Session(botocore_session=core)


class Clients:
    """The session and the clients made from it, each made once, on first use. `local_s3`: S3's
    endpoint is a local one (the settings AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, _s3_config)."""

    def __init__(self, local_s3: bool = False) -> None:
        self._local_s3 = local_s3
        self._session: Any = None
        self._clients: dict[tuple, Any] = {}

    def session(self) -> Any:
        if self._session is None:
            self._session = _new_session()
        return self._session

    def client(self, service: str, read_timeout_s: int = 10, region: str | None = None, attempts: int = 2) -> Any:
        """`region` None: the function's own (AWS_REGION / AWS_DEFAULT_REGION); `attempts` the first
        included, so that retries fit the caller's time."""
        key = (service, read_timeout_s, region, attempts)
        if key not in self._clients:
            self._clients[key] = self._make(*key)
        return self._clients[key]

    def _make(self, service: str, read_timeout_s: int, region: str | None, attempts: int) -> Any:
        from botocore.config import Config

        config = Config(
            connect_timeout=3, read_timeout=read_timeout_s, retries={"mode": "standard", "total_max_attempts": attempts}
        )
        if service == "s3":
            config = config.merge(_s3_config(self._local_s3))
        return self.session().client(service, region_name=region, config=config)

    def credentials_expiry(self, now: dt.datetime) -> dt.datetime | None:
        return credentials_expiry(self.session(), now)

    def forget(self) -> None:
        """Drop every client and the session, with the credentials they resolved (handler.snap_start,
        before a snapshot); the next use makes them again."""
        self._clients.clear()
        self._session = None


def _s3_config(local: bool) -> Any:
    """How S3 requests and presigned URLs are signed and addressed.

    SigV4 (`s3v4`): botocore presigns with Signature Version 2 unless told, and S3 refuses SigV2 for
    objects encrypted with SSE-KMS, as the bucket's are
    (https://repost.aws/knowledge-center/s3-kms-signature-version-error).

    In AWS, the bucket's regional virtual host, `<bucket>.s3.<region>.amazonaws.com`: without
    `addressing_style="virtual"` botocore presigns on the global `s3.amazonaws.com`, which S3 may
    answer with a 307 to the regional host for up to 24 hours after a bucket is made
    (https://docs.aws.amazon.com/AmazonS3/latest/API/UsingRouting.html), and the redirected request
    fails, since the signature covers the host. `us_east_1_regional_endpoint`: us-east-1's own host
    too, not the global one.

    With an endpoint set by the standard variables (AWS_ENDPOINT_URL_S3, or AWS_ENDPOINT_URL for
    every service): path style, `<endpoint>/<bucket>/<key>`. That endpoint is a local S3 (moto in
    the tests and `make dev`), where `<bucket>.127.0.0.1` or `<bucket>.localhost` does not resolve;
    botocore's default for a custom endpoint is path style too, which "virtual" would override.
    """
    from botocore.config import Config

    return Config(
        signature_version="s3v4",
        s3={"addressing_style": "path" if local else "virtual", "us_east_1_regional_endpoint": "regional"},
    )


def credentials_expiry(session: Any, now: dt.datetime) -> dt.datetime | None:
    """When the session's credentials expire (whole seconds); None for long-term keys, which do not.

    A presigned URL dies with them: "If you created a presigned URL using a temporary token, then the
    URL expires when the token expires, even if the URL was created with a later expiration time"
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html). Their own
    expiry where botocore knows it (refreshable credentials: Lambda's container credentials under
    SnapStart, an assumed role, AWS_CREDENTIAL_EXPIRATION); `now` + UNKNOWN_SESSION_S for session
    credentials of unknown expiry.
    """
    from botocore.exceptions import NoCredentialsError

    credentials = session.get_credentials()
    if credentials is None:
        raise NoCredentialsError()
    # Refreshed first, as botocore does before it signs (15 minutes before they expire), so that the
    # expiry read below is that of the credentials the URL is then signed with.
    frozen = credentials.get_frozen_credentials()
    # botocore's RefreshableCredentials keep their expiry in `_expiry_time` (no public accessor).
    expiry = getattr(credentials, "_expiry_time", None)
    if expiry is not None:
        return expiry.replace(microsecond=0)
    if frozen.token:
        return now + dt.timedelta(seconds=UNKNOWN_SESSION_S)
    return None


def load_service_models(services: tuple[str, ...]) -> None:
    """Read each service's model and endpoint rules into the loader, where the clients made later
    find them, without resolving credentials: clients made with placeholder keys from a session of
    their own, and dropped with it."""
    session = _new_session()
    for service in services:
        session.client(service, aws_access_key_id="placeholder", aws_secret_access_key="placeholder")  # noqa: S106
