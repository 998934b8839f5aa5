"""A fake Amazon Bedrock Runtime over real HTTP, for botocore and Strands' Bedrock provider to talk to.

Answers `POST /model/{modelId}/converse` by calling the one tool the request offers (Strands forces it
for structured output) with an input the test scripted for that tool name, and
`POST /model/{modelId}/invoke` (Nova Canvas) with a small real PNG. Failures can be queued to
exercise botocore's error mapping and retries. Every request is recorded.
"""

from __future__ import annotations

import base64
import json
import struct
import threading
import zlib
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote


@dataclass
class Call:
    path: str
    model_id: str
    operation: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def tool_names(self) -> list[str]:
        return [t["toolSpec"]["name"] for t in self.body.get("toolConfig", {}).get("tools", [])]

    @property
    def prompt_text(self) -> str:
        return "\n".join(b.get("text", "") for m in self.body.get("messages", []) for b in m.get("content", []))


@dataclass
class Failure:
    status: int
    error_type: str
    message: str = "injected by the fake"


@dataclass
class FakeBedrock:
    answers: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    failures: deque = field(default_factory=deque)
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, tool_name: str, *inputs: dict[str, Any]) -> None:
        """Queue inputs the model will 'call' `tool_name` with, one per request."""
        self.answers[tool_name].extend(inputs)

    def fail(self, status: int, error_type: str, times: int = 1) -> None:
        self.failures.extend(Failure(status, error_type) for _ in range(times))

    def converse_calls(self) -> list[Call]:
        return [c for c in self.calls if c.operation == "converse"]

    def invoke_calls(self) -> list[Call]:
        return [c for c in self.calls if c.operation == "invoke"]

    def reset(self) -> None:
        with self.lock:
            self.answers.clear()
            self.failures.clear()
            self.calls.clear()

    def respond(self, call: Call) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self.lock:
            self.calls.append(call)
            if self.failures:
                failure = self.failures.popleft()
                return failure.status, {"x-amzn-ErrorType": failure.error_type}, {"message": failure.message}
            if call.operation == "invoke":
                return 200, {}, {"images": [base64.b64encode(PNG).decode()], "error": None}
            if call.operation != "converse":
                return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, {"message": "unknown operation"}
            tools = call.tool_names
            if len(tools) != 1 or not self.answers[tools[0]]:
                return 400, {"x-amzn-ErrorType": "ValidationException"}, {"message": f"no scripted answer for {tools}"}
            tool_input = self.answers[tools[0]].popleft()
        return 200, {}, {
            "output": {
                "message": {
                    "role": "assistant",
                    "content": [{"toolUse": {"toolUseId": f"tooluse_{len(self.calls)}", "name": tools[0], "input": tool_input}}],
                }
            },
            "stopReason": "tool_use",
            "usage": {"inputTokens": 100, "outputTokens": 20, "totalTokens": 120},
            "metrics": {"latencyMs": 5},
        }


def _png(width: int = 4, height: int = 5) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x10\x80\xf0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# What the fake "Nova Canvas" draws: a tiny 4:5 PNG the tests can recognise.
PNG = _png()


def serve(fake: FakeBedrock) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            parts = self.path.strip("/").split("/")
            call = Call(
                path=self.path,
                model_id=unquote(parts[1]) if len(parts) > 2 else "",
                operation=parts[-1],
                body=body,
                headers=dict(self.headers),
            )
            status, headers, payload = fake.respond(call)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
