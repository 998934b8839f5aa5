"""The AWS clients: S3 for images, SQS for jobs, Bedrock's image and embedding models; and the
session every client of the function (Strands' Bedrock models included) is made from.

Clients are made on first use (routes that never touch them never pay for boto3), the standard way,
so the `AWS_ENDPOINT_URL_*` variables and the usual credential chain apply. The session's
credentials are resolved by its first client; the service models it reads stay in a loader of
their own, which outlives the session (handler.snap_start drops the session before a snapshot and
keeps the loader).
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _service_models() -> Any:
    from botocore.loaders import create_loader

    return create_loader()


@functools.cache
def session() -> Any:
    import boto3
    import botocore.session

    core = botocore.session.get_session()
    core.register_component("data_loader", _service_models())
    return boto3.Session(botocore_session=core)


@functools.cache
def client(service: str, read_timeout_s: int = 10, region: str | None = None, attempts: int = 2):
    """`region` None: the function's own (AWS_REGION / AWS_DEFAULT_REGION); `attempts` the first
    included, so that retries fit the caller's time."""
    from botocore.config import Config

    return session().client(
        service,
        region_name=region,
        config=Config(
            connect_timeout=3, read_timeout=read_timeout_s, retries={"mode": "standard", "total_max_attempts": attempts}
        ),
    )


def load_service_models(services: tuple[str, ...]) -> None:
    """Read each service's model and endpoint rules into the loader, where the clients made later
    find them, without resolving credentials: a client made with placeholder keys, and dropped."""
    for service in services:
        session().client(service, aws_access_key_id="placeholder", aws_secret_access_key="placeholder")  # noqa: S106


def forget_clients() -> None:
    """Drop every client and the session, with the credentials they resolved; keep the loader."""
    client.cache_clear()
    session.cache_clear()
