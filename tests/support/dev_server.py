"""`make dev`'s server (handler/local/dev_server.py) started as a process of its own, for tests that
talk to it over HTTP as curl or a browser would."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.support.requests import ROOT

# Its own moto S3 and SQS, as `make dev` starts them: none of the test process's.
_OWN_AWS = ("IMAGE_BUCKET", "JOB_QUEUE_URL", "ERASURE_QUEUE_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS")


@contextlib.contextmanager
def dev_server(database_url: str, *args: str, log: Path | None = None, **env: str) -> Iterator[str]:
    """The server on a free port of 127.0.0.1, on `database_url`, with the offline model and its own
    local S3 and SQS; `args` go to its command line, `env` to its environment; its request log
    (one `dev: METHOD target -> status` line a request) goes to `log`. Yields its base URL."""
    environment = {
        **{name: value for name, value in os.environ.items() if name not in _OWN_AWS},
        "DATABASE_URL": database_url,
        "MODEL_PROVIDER": "offline",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
        **env,
    }
    with contextlib.ExitStack() as files:
        stderr = files.enter_context(log.open("a", encoding="utf-8")) if log else subprocess.DEVNULL
        server = subprocess.Popen(
            [sys.executable, "-m", "handler.local.dev_server", "--port", "0", *args],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            first = server.stdout.readline() if server.stdout else ""
            assert first, f"the dev server did not start: {log.read_text()[-2000:] if log else ''}"
            yield json.loads(first)["listening"]
        finally:
            server.terminate()
            server.wait(timeout=10)
