"""A small emulator of the AWS Lambda Runtime API, for running the built image in tests.

The image's own entry point (``python -m awslambdaric``) polls
``GET /2018-06-01/runtime/invocation/next`` at ``AWS_LAMBDA_RUNTIME_API`` and posts each result
back, exactly as it does in AWS. Tests queue events with :meth:`RuntimeAPI.invoke` and get the
posted response back (or an exception for an error or a timeout).

With SnapStart (``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``) the runtime asks
``GET .../restore/next`` once its init and before-snapshot hooks are done: that is the snapshot
point (:meth:`RuntimeAPI.wait_for_snapshot`). The answer is held until the test restores
(:meth:`RuntimeAPI.restore`); a failing after-restore hook posts ``.../restore/error``.

Standard library only::

    with RuntimeAPI() as api:
        start_container(env={"AWS_LAMBDA_RUNTIME_API": api.address})
        result = api.invoke({"rawPath": "/health", ...}, timeout=30)
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_PREFIX = "/2018-06-01/runtime"
FUNCTION_NAME = "diary-orchestrator-image-test"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION_NAME}"

_RESULT_PATH = re.compile(rf"^{API_PREFIX}/invocation/(?P<id>[^/]+)/(?P<kind>response|error)$")


class InvocationError(RuntimeError):
    """The function reported an error for an invocation (``.../invocation/{id}/error``)."""

    def __init__(self, request_id: str, payload: Any, error_type: str | None):
        self.request_id = request_id
        self.payload = payload
        self.error_type = error_type
        super().__init__(f"invocation {request_id} failed ({error_type or 'no error type'}): {payload!r}")


class RestoreError(RuntimeError):
    """The runtime reported that its after-restore hooks failed (``/restore/error``)."""

    def __init__(self, payload: Any, error_type: str | None):
        self.payload = payload
        self.error_type = error_type
        super().__init__(f"restore failed ({error_type or 'no error type'}): {payload!r}")


class InitError(RuntimeError):
    """The runtime reported that the function failed to initialise (``/init/error``)."""

    def __init__(self, payload: Any, error_type: str | None):
        self.payload = payload
        self.error_type = error_type
        super().__init__(f"function init failed ({error_type or 'no error type'}): {payload!r}")


@dataclass
class _Invocation:
    request_id: str
    event: bytes
    timeout_s: float
    done: threading.Event = field(default_factory=threading.Event)
    kind: str | None = None  # "response" or "error"
    body: bytes = b""
    error_type: str | None = None
    picked_up_at: float | None = None  # the event's bytes start out to the runtime
    answered_at: float | None = None  # the runtime's answer starts to arrive


def _decode(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


class RuntimeAPI:
    """The Runtime API on 127.0.0.1 and a random free port; ``address`` is ``host:port``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._pending: queue.Queue[_Invocation] = queue.Queue()
        self._invocations: dict[str, _Invocation] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.init_error: InitError | None = None
        self.restore_error: RestoreError | None = None
        self.next_calls = 0
        self.request_ids: list[str] = []  # of each invocation, in order: what the function's context carries
        self.snapshot_at: float | None = None  # restore/next asked: init and before-snapshot done
        self.restored_at: float | None = None  # restore/next answered
        self._restored = threading.Event()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="runtime-api", daemon=True)

    # ------------------------------------------------------------------ lifecycle
    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> RuntimeAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> RuntimeAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ test API
    def invoke(self, event: dict, timeout: float = 30.0) -> Any:
        """Queue ``event``, wait for the function's answer and return it (decoded JSON).

        Raises :class:`InvocationError` when the function posts an error, :class:`InitError` when
        it failed to start, and :class:`TimeoutError` when no answer came within ``timeout``
        seconds (also used as the invocation's deadline).
        """
        return self.invoke_timed(event, timeout)[0]

    def invoke_timed(self, event: dict, timeout: float = 30.0) -> tuple[Any, float]:
        """:meth:`invoke`, and the invocation's duration in seconds as Lambda reports it: from the
        event going out to the runtime to the runtime's answer arriving. This emulator's own work
        (queueing, waking threads, parsing headers) is left out; the runtime client's is in."""
        if self.init_error is not None:
            raise self.init_error
        invocation = _Invocation(str(uuid.uuid4()), json.dumps(event).encode("utf-8"), timeout)
        with self._lock:
            self._invocations[invocation.request_id] = invocation
            self.request_ids.append(invocation.request_id)
        self._pending.put(invocation)
        deadline = time.monotonic() + timeout
        while not invocation.done.wait(0.05):
            if self.init_error is not None:
                raise self.init_error
            if self.restore_error is not None:
                raise self.restore_error
            if time.monotonic() >= deadline:
                state = "was never picked up" if invocation.picked_up_at is None else "got no answer"
                raise TimeoutError(f"invocation {invocation.request_id} {state} within {timeout} s")
        if invocation.kind == "error":
            raise InvocationError(invocation.request_id, _decode(invocation.body), invocation.error_type)
        return _decode(invocation.body), invocation.answered_at - invocation.picked_up_at

    def wait_for_poll(self, timeout: float = 30.0) -> bool:
        """True once the runtime has asked for its first event (it finished initialising)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.next_calls or self.init_error is not None:
                return True
            time.sleep(0.02)
        return False

    def wait_for_snapshot(self, timeout: float = 30.0) -> bool:
        """True once the runtime has reached the snapshot point (or failed its init)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.snapshot_at is not None or self.init_error is not None:
                return True
            time.sleep(0.005)
        return False

    def restore(self) -> None:
        """Answer the held ``restore/next``: the environment is restored from its snapshot."""
        self.restored_at = time.monotonic()
        self._restored.set()

    # ------------------------------------------------------------------ server side
    def _next_invocation(self) -> _Invocation | None:
        while not self._stopping.is_set():
            try:
                return self._pending.get(timeout=0.2)
            except queue.Empty:
                continue
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the runtime client expects
            # Headers and body go out as separate writes: without TCP_NODELAY, Nagle's algorithm
            # and the client's delayed ACK add ~40 ms to every answer (measured by `make bench`).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def parse_request(self) -> bool:
                # Called as soon as the request line has been read: when the runtime's answer arrived.
                self.arrived_at = time.monotonic()
                return super().parse_request()

            def _read_body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _send(
                self,
                status: int,
                body: Any = None,
                headers: dict[str, str] | None = None,
                handing_over: _Invocation | None = None,
            ) -> None:
                payload = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if handing_over is not None:
                    handing_over.picked_up_at = time.monotonic()
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                if self.path == f"{API_PREFIX}/restore/next":
                    api.snapshot_at = self.arrived_at
                    while not api._restored.wait(0.2):
                        if api._stopping.is_set():
                            return
                    self._send(HTTPStatus.OK)
                    return
                if self.path != f"{API_PREFIX}/invocation/next":
                    self._send(HTTPStatus.NOT_FOUND, {"errorMessage": f"unknown path {self.path}"})
                    return
                api.next_calls += 1
                invocation = api._next_invocation()
                if invocation is None:  # shutting down: the runtime's container may be gone already
                    with contextlib.suppress(ConnectionError):
                        self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"errorMessage": "emulator stopping"})
                    return
                deadline_ms = int((time.time() + invocation.timeout_s) * 1000)
                self._send(
                    HTTPStatus.OK,
                    invocation.event,
                    {
                        "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                        "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                        "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                        "Lambda-Runtime-Trace-Id": (
                            f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
                        ),
                    },
                    handing_over=invocation,
                )

            def do_POST(self) -> None:
                body = self._read_body()
                error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
                if self.path == f"{API_PREFIX}/init/error":
                    api.init_error = InitError(_decode(body), error_type)
                    self._send(HTTPStatus.ACCEPTED, {"status": "OK"})
                    return
                if self.path == f"{API_PREFIX}/restore/error":
                    api.restore_error = RestoreError(_decode(body), error_type)
                    self._send(HTTPStatus.ACCEPTED, {"status": "OK"})
                    return
                match = _RESULT_PATH.match(self.path)
                if not match:
                    self._send(HTTPStatus.NOT_FOUND, {"errorMessage": f"unknown path {self.path}"})
                    return
                with api._lock:
                    invocation = api._invocations.get(match["id"])
                if invocation is None or invocation.done.is_set():
                    self._send(
                        HTTPStatus.BAD_REQUEST,
                        {"errorMessage": "unknown or finished request id", "errorType": "InvalidRequestID"},
                    )
                    return
                invocation.answered_at = self.arrived_at
                invocation.kind, invocation.body, invocation.error_type = match["kind"], body, error_type
                invocation.done.set()
                self._send(HTTPStatus.ACCEPTED, {"status": "OK"})

        return Handler
