"""Invoke the function locally with an API Gateway event file, the way `sam local invoke -e` does.

    python -m handler.local.invoke events/http-api/records-create.json [more.json ...]

Uses DATABASE_URL, or an embedded PostgreSQL when it is unset; applies migrations; uses the offline
model unless MODEL_PROVIDER says otherwise; unless IMAGE_BUCKET is set, serves S3 and SQS from a
local moto server. After each event it hands the queued jobs (reports, exports, erasures) to the
worker, as the SQS event source mapping would, and saves drawn images to .local/images. Prints
each response, body decoded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handler.local import aws_stand_ins
from handler.local.embedded_postgres import PGDATA, database_url, login_url

if TYPE_CHECKING:
    from handler.composition import Services

IMAGES_DIR = PGDATA.parent / "images"


class LocalContext:
    """The parts of Lambda's context object the function reads."""

    function_name = "diary-orchestrator-local"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:local:000000000000:function:diary-orchestrator-local"

    def __init__(self, remaining_ms: int = 29_000):
        self.aws_request_id = str(uuid.uuid4())
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("events", nargs="+", type=Path, help="API Gateway event JSON files")
    args = parser.parse_args(argv)
    start_local_services()
    from handler.app import lambda_handler, services  # after the environment is set: settings load at import

    for path in args.events:
        response = lambda_handler(json.loads(path.read_text(encoding="utf-8")), LocalContext())
        _show(path.name, response)
        _keep_image(response)
        run_queued_jobs(services, lambda_handler, lambda batch: _show("worker (SQS batch)", batch))
    return 0


def start_local_services() -> None:
    """The database (DATABASE_URL or the embedded one, migrated as its user, then used as the app
    login, which has no password locally), the offline model unless told
    otherwise, and moto's S3 and SQS unless IMAGE_BUCKET is set: what `make run` and `make dev` use."""
    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("MODEL_PROVIDER", "offline")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "diary")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if not os.environ.get("IMAGE_BUCKET"):
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        aws_stand_ins.start_s3_and_sqs()
    from handler import migrate
    from handler.dal.login_roles import APP_LOGIN
    from handler.dal.store import Store
    from handler.settings import load_settings

    settings = load_settings()
    store = Store(settings)
    migrate.migrate(store, settings)
    # Migrated as DATABASE_URL's user; the function logs in as its own login, as in AWS (the app
    # reads its settings when it is imported, after this).
    store.close()
    os.environ["DATABASE_URL"] = login_url(os.environ["DATABASE_URL"], APP_LOGIN)


def run_queued_jobs(
    services: Services, lambda_handler: Callable[[dict, Any], dict], shown: Callable[[dict], None] | None = None
) -> None:
    """What the SQS event source mapping does in AWS: hand the queued jobs (on the queues of the app's
    `services`) to the worker."""
    for queue_url in filter(None, (services.settings.erasure_queue_url, services.settings.job_queue_url)):
        while messages := aws_stand_ins.receive(queue_url):
            answer = lambda_handler(aws_stand_ins.sqs_event(messages), LocalContext())
            if shown:
                shown(answer)


def _show(label: str, response: dict) -> None:
    if response.get("body"):
        try:
            response["body"] = json.loads(response["body"])
        except json.JSONDecodeError:
            pass
    print(f"# {label}", file=sys.stderr)
    print(json.dumps(response, ensure_ascii=False, indent=2))


def _keep_image(response: dict) -> None:
    """Presigned URLs of the local S3 die with this process; keep a copy of each picture."""
    body = response.get("body")
    image = body.get("content") if isinstance(body, dict) and body.get("type") == "image" else body
    if response.get("statusCode") == 201 and isinstance(image, dict) and "s3_key" in image:
        import urllib.request

        IMAGES_DIR.mkdir(parents=True, exist_ok=True)
        target = IMAGES_DIR / f"{image['id']}.png"
        with urllib.request.urlopen(image["url"], timeout=10) as source:  # noqa: S310 - local moto URL
            target.write_bytes(source.read())
        print(f"# image saved to {target}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
