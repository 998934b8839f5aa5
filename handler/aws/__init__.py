"""The AWS services besides Bedrock's text models: S3 for images, SQS for reports.

Clients are made on first use (routes that never touch them never pay for boto3), the standard way,
so the `AWS_ENDPOINT_URL_*` variables and the usual credential chain apply.
"""

from __future__ import annotations

import functools


@functools.cache
def client(service: str, read_timeout_s: int = 10, region: str | None = None, attempts: int = 2):
    """`region` None: the function's own (AWS_REGION / AWS_DEFAULT_REGION); `attempts` the first
    included, so that retries fit the caller's time."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        region_name=region,
        config=Config(
            connect_timeout=3, read_timeout=read_timeout_s, retries={"mode": "standard", "total_max_attempts": attempts}
        ),
    )
