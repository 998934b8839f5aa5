"""An image run as a Lambda function, for the cold starts and the warm turns alike.

The image's own entry point is started (`buildah run`, ENTRYPOINT + CMD) against a fresh Runtime
API emulator (tests/support/lambda_image/runtime_api.py), so that every image is reached the way
Lambda reaches it and nothing in the bench stands between the event and the handler.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.common import DATABASE_URL, RUN_AS
from tests.support.lambda_image.engine import LAMBDA_USER, BuildahEngine, function_environment
from tests.support.lambda_image.runtime_api import RuntimeAPI


class Function:
    """One start of an image's own entry point against a fresh Runtime API emulator."""

    def __init__(self, tag: str, env: dict[str, str], log_path: Path, argv: list[str] | None = None):
        self.engine = BuildahEngine(tag, RUN_AS.get(tag, LAMBDA_USER))
        self.config = self.engine.config()
        self.argv = argv or [*self.config.entrypoint, *self.config.cmd]
        self.env = env
        self.log_path = log_path
        self.api = RuntimeAPI()
        # A stopped function drops its long poll: not worth a traceback on the console.
        self.api._server.handle_error = lambda request, client_address: None  # noqa: SLF001
        self.api.start()
        self.process: subprocess.Popen | None = None

    def cold_start(self, event: dict[str, Any], extra_env: dict[str, str]) -> tuple[float, Any]:
        """Seconds from starting the entry point to the first response posted."""
        self.engine.prepare()  # `buildah from` copies the root file system: not part of the start
        handler = self.config.cmd[-1]
        env = {**function_environment(self.api.address, DATABASE_URL, handler), **extra_env, **self.env}
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        started = time.monotonic()
        self.process = self.engine.start(self.argv, env, self._log)
        response = self.api.invoke(event, timeout=120)
        return time.monotonic() - started, response

    def snap_start(self, event: dict[str, Any], extra_env: dict[str, str]) -> tuple[float, float, Any]:
        """With AWS_LAMBDA_INITIALIZATION_TYPE=snap-start: seconds from starting the entry point
        to the snapshot point (its GET /runtime/restore/next), and from the emulator answering it
        (the restore) to the first response posted. The emulator's restore is the process going
        on where it stopped: Lambda's own restore (loading the snapshot) is not in it."""
        self.engine.prepare()
        handler = self.config.cmd[-1]
        env = {**function_environment(self.api.address, DATABASE_URL, handler), **extra_env, **self.env}
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        started = time.monotonic()
        self.process = self.engine.start(self.argv, env, self._log)
        if not self.api.wait_for_snapshot(120) or self.api.snapshot_at is None:
            raise RuntimeError(f"no snapshot point: {self.api.init_error}")
        self.api.restore()
        response = self.api.invoke(event, timeout=120)
        return self.api.snapshot_at - started, time.monotonic() - self.api.restored_at, response

    def invoke(self, event: dict[str, Any]) -> tuple[float, float, Any]:
        """Seconds from queueing the event to holding the answer, the invocation's duration as
        Lambda reports it (RuntimeAPI.invoke_timed), and the answer."""
        started = time.monotonic()
        response, duration = self.api.invoke_timed(event, timeout=60)
        return time.monotonic() - started, duration, response

    def stop(self) -> None:
        if self.process is not None:
            self.engine.stop(self.process)
        self.engine.remove_containers()
        self.api.stop()
        if getattr(self, "_log", None):
            self._log.close()


def check(name: str, response: Any, expected: set[int]) -> None:
    status = response.get("statusCode") if isinstance(response, dict) else None
    if status not in expected:
        raise RuntimeError(f"{name}: unexpected answer {json.dumps(response, ensure_ascii=False)[:500]}")
