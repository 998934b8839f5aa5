"""Invoke the function locally with an API Gateway event file, the way `sam local invoke -e` does.

    python -m handler.local.invoke events/http-api/records-create.json [more.json ...]

Uses DATABASE_URL, or an embedded PostgreSQL when it is unset; applies migrations; uses the offline
model unless MODEL_PROVIDER says otherwise. Prints each response with its body decoded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path

from handler.local.embedded_postgres import database_url


class LocalContext:
    """The parts of Lambda's context object the function reads."""

    function_name = "diary-orchestrator-local"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:local:000000000000:function:diary-orchestrator-local"

    def __init__(self, timeout_ms: int = 29_000):
        self.aws_request_id = str(uuid.uuid4())
        self._timeout_ms = timeout_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("events", nargs="+", type=Path, help="API Gateway event JSON files")
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("MODEL_PROVIDER", "offline")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "diary")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    from handler import migrate
    from handler.app import lambda_handler  # after the environment is set: settings load at import

    migrate.migrate()
    for path in args.events:
        response = lambda_handler(json.loads(path.read_text(encoding="utf-8")), LocalContext())
        if response.get("body"):
            try:
                response["body"] = json.loads(response["body"])
            except json.JSONDecodeError:
                pass
        print(f"# {path}", file=sys.stderr)
        print(json.dumps(response, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
