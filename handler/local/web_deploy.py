"""`make web-deploy STACK=<name>`: the web client (web/) uploaded to a stack deployed with
WebClient=cloudfront, run by a person after `sam deploy`, with their own AWS credentials.

    python -m handler.local.web_deploy --stack diary-dev [--region us-west-2]

1. CloudFormation DescribeStacks: the outputs ApiUrl, ImageBucketName and the web client's (WebUrl,
   WebSignInDomain, WebClientId, WebBucketName, WebDistributionId; template.yaml).
2. S3 PutObject of every file of web/ the page serves, each with its Content-Type and
   Cache-Control: the scripts, styles and icon first, index.html and config.json last, so that a
   new page never names a file not there yet. web/config.json (make dev's `{"auth": "local"}`) is
   replaced by the stack's (`page_config`); index.html gets a second Content-Security-Policy naming
   the exact API, images bucket and hosted UI (`csp`; the distribution's own policy can only name
   them by region, template.yaml, WebResponseHeadersPolicy). Objects of files no longer in web/
   are deleted.
3. CloudFront CreateInvalidation of `/*`: the distribution's cached copies go at once.

The caller needs cloudformation:DescribeStacks, s3:PutObject, s3:ListBucket and s3:DeleteObject on
the web bucket, and cloudfront:CreateInvalidation on the distribution.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from handler.local.dev_server import WEB_DIR, WEB_TYPES

REQUIRED_OUTPUTS = (
    "ApiUrl",
    "ImageBucketName",
    "WebUrl",
    "WebSignInDomain",
    "WebClientId",
    "WebBucketName",
    "WebDistributionId",
)
CONFIG = "config.json"
# The page's entry and its settings: the browser asks again every time (a 304 when unchanged), so
# a deploy shows at the next load.
REVALIDATE = "no-cache"
# Scripts, styles, the icon: their names do not change with their content, so a browser keeps them
# a few minutes only; a deploy's new index.html may meet the old app.js for that long at most.
ASSETS = "public, max-age=300"
# Written last: they name the others.
LAST = ("index.html", CONFIG)


class WebDeployFailure(Exception):
    pass


@dataclass(frozen=True)
class Upload:
    key: str
    body: bytes
    content_type: str
    cache_control: str


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    missing = [name for name in REQUIRED_OUTPUTS if name not in outputs]
    if missing:
        raise WebDeployFailure(
            f"stack {stack} has no output {', '.join(missing)}: deploy it with WebClient=cloudfront "
            "(and its own user pool, JwtIssuer empty) first"
        )
    return outputs


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def images_origin(bucket: str, region: str) -> str:
    """Where the function's presigned URLs point: virtual-hosted style on the region's endpoint
    (handler/aws: addressing_style virtual, us_east_1_regional_endpoint regional)."""
    return f"https://{bucket}.s3.{region}.amazonaws.com"


def page_config(outputs: dict[str, str], region: str) -> dict[str, str]:
    """What the page reads at start (web/app.js, loadConfig)."""
    return {
        "auth": "cognito",
        "api": outputs["ApiUrl"].rstrip("/"),
        "hosted_ui": f"https://{outputs['WebSignInDomain']}",
        "client_id": outputs["WebClientId"],
        "redirect_uri": outputs["WebUrl"],
        "region": region,
    }


def csp(config: dict[str, str], images: str) -> str:
    """The exact origins the page talks to: the API, the images bucket (pictures, exports) and the
    hosted UI's token endpoint."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' {images}; "
        f"connect-src 'self' {_origin(config['api'])} {images} {config['hosted_ui']}; "
        "base-uri 'none'; form-action 'none'; object-src 'none'"
    )


def with_csp(index_html: str, policy: str) -> str:
    """index.html with the policy as a <meta> element right after its charset, before anything it
    governs (a <meta> policy applies to what follows it)."""
    charset = '<meta charset="utf-8">'
    if index_html.count(charset) != 1:
        raise WebDeployFailure(f"index.html must have one {charset} to put the policy after")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    return index_html.replace(charset, f"{charset}\n{meta}")


def uploads(outputs: dict[str, str], region: str, web_dir: Path = WEB_DIR) -> list[Upload]:
    """Every object of the page, in the order they are written."""
    config = page_config(outputs, region)
    files = sorted(
        (f for f in web_dir.iterdir() if f.is_file() and f.suffix in WEB_TYPES and f.name != CONFIG),
        key=lambda f: (f.name in LAST, f.name),
    )
    found = []
    for file in files:
        body = file.read_bytes()
        if file.name == "index.html":
            policy = csp(config, images_origin(outputs["ImageBucketName"], region))
            body = with_csp(body.decode("utf-8"), policy).encode("utf-8")
        cache = REVALIDATE if file.name in LAST else ASSETS
        found.append(Upload(file.name, body, WEB_TYPES[file.suffix], cache))
    body = json.dumps(config, indent=1).encode("utf-8")
    found.append(Upload(CONFIG, body, WEB_TYPES[".json"], REVALIDATE))
    return found


def deploy(session: Any, stack: str, web_dir: Path = WEB_DIR, out: Any = print) -> list[Upload]:
    outputs = stack_outputs(session.client("cloudformation"), stack)
    bucket = outputs["WebBucketName"]
    s3 = session.client("s3")
    written = uploads(outputs, session.region_name, web_dir)
    for upload in written:
        s3.put_object(
            Bucket=bucket,
            Key=upload.key,
            Body=upload.body,
            ContentType=upload.content_type,
            CacheControl=upload.cache_control,
        )
        out(f"s3://{bucket}/{upload.key}  {upload.content_type}  {upload.cache_control}")
    keep = {upload.key for upload in written}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for gone in [o["Key"] for o in page.get("Contents", []) if o["Key"] not in keep]:
            s3.delete_object(Bucket=bucket, Key=gone)
            out(f"deleted s3://{bucket}/{gone}")
    invalidation = session.client("cloudfront").create_invalidation(
        DistributionId=outputs["WebDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(uuid.uuid4())},
    )
    out(f"invalidation {invalidation['Invalidation']['Id']} of /* on {outputs['WebDistributionId']}")
    out(f"the page: {outputs['WebUrl']}")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True, help="the service stack's name (samconfig.toml: stack_name)")
    parser.add_argument("--region", help="the stack's region (default: your AWS configuration's)")
    args = parser.parse_args(argv)
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        deploy(boto3.Session(region_name=args.region), args.stack)
    except (BotoCoreError, ClientError, WebDeployFailure) as failure:
        print(f"web deploy FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
