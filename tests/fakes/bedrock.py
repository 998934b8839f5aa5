"""A fake Amazon Bedrock Runtime over real HTTP, for botocore and Strands' Bedrock provider to talk to.

Answers `POST /model/{modelId}/converse` by calling the one tool the request offers (Strands forces it
for structured output) with an input the test scripted for that tool name, and
`POST /model/{modelId}/invoke` with a small real PNG, in the documented request and answer format of
the model the id names: Stability AI's text-to-image models (`prompt`, `aspect_ratio`,
`output_format`... -> `seeds`, `finish_reasons`, `images`) and Amazon Nova Canvas; and embeddings for
Titan Text Embeddings V2 (`inputText`, `dimensions`, `normalize` -> `embedding`), computed by the
semantic double (tests/fakes/semantic_double.py). A body with a
field the model's documentation does not list, or a value outside it, is refused with the
ValidationException Bedrock would answer. A filtered picture can be scripted. Failures can be queued
to exercise botocore's error mapping and retries, and the embedding model taken down (every embedding
call fails, the text and image calls go on). Every request is recorded.
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

from tests.fakes.http_answer import answer_json

# What the tests configure: inference-profile ids for the text models, so that the tests see them
# reach Bedrock with their "us." prefix intact, and the default image and embedding models.
MODEL_ID = "us.anthropic.claude-sonnet-4-6"
ROUTING_MODEL_ID = "us.anthropic.claude-haiku-5-5"
IMAGE_MODEL_ID = "stability.stable-image-core-v1:1"
EMBEDDING_MODEL_ID = "amazon.titan-embed-text-v2:0"
TITAN_FIELDS = {"inputText", "dimensions", "normalize", "embeddingTypes"}


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


# Stability AI text-to-image on Bedrock (Stable Image Core/Ultra, SD 3.5 Large): the request fields
# and values the model parameter pages document.
STABILITY_FIELDS = {"prompt", "negative_prompt", "mode", "aspect_ratio", "output_format", "seed", "style_preset"}
STABILITY_ASPECT_RATIOS = {"16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"}
STABILITY_OUTPUT_FORMATS = {"png", "jpeg"}
STABILITY_MAX_PROMPT = 10_000
NOVA_CANVAS_FILTERED = "This request has been blocked by our content filters."


def stability_problem(body: dict[str, Any]) -> str | None:
    """What Bedrock would refuse in a Stability text-to-image body, or None."""
    unknown = set(body) - STABILITY_FIELDS
    if unknown:
        return f"extraneous key(s) {sorted(unknown)} are not permitted"
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not 0 < len(prompt) <= STABILITY_MAX_PROMPT:
        return "prompt: required, 1-10000 characters"
    if len(body.get("negative_prompt", "")) > STABILITY_MAX_PROMPT:
        return "negative_prompt: at most 10000 characters"
    if body.get("mode", "text-to-image") != "text-to-image":
        return "mode: text-to-image needs no image"
    if body.get("aspect_ratio", "1:1") not in STABILITY_ASPECT_RATIOS:
        return f"aspect_ratio: one of {sorted(STABILITY_ASPECT_RATIOS)}"
    if body.get("output_format", "png") not in STABILITY_OUTPUT_FORMATS:
        return "output_format: png or jpeg"
    if not 0 <= int(body.get("seed", 0)) <= 4_294_967_295:
        return "seed: 0-4294967295"
    return None


def nova_canvas_problem(body: dict[str, Any]) -> str | None:
    if body.get("taskType") != "TEXT_IMAGE" or not body.get("textToImageParams", {}).get("text"):
        return "taskType TEXT_IMAGE with textToImageParams.text is required"
    config = body.get("imageGenerationConfig", {})
    if config.get("width", 1024) % 16 or config.get("height", 1024) % 16:
        return "width and height must be multiples of 16"
    return None


@dataclass
class FakeBedrock:
    answers: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    failures: deque = field(default_factory=deque)
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # finish_reasons for the next Stability pictures (None: drawn), or Nova Canvas refusals.
    filtered: deque = field(default_factory=deque)
    # Converse `usage` for the next answers; 100 in / 20 out when none is queued.
    usages: deque = field(default_factory=deque)
    # Tool name -> how to answer a request for it when no answer is scripted (`make eval`).
    policies: dict[str, Any] = field(default_factory=dict)
    # The embedding model unavailable: every embedding call answers this (queued failures stay for
    # the other calls). ServiceUnavailableException is one of InvokeModel's documented errors:
    # https://docs.aws.amazon.com/botocore/latest/reference/services/bedrock-runtime/client/exceptions/ServiceUnavailableException.html
    embeddings_down: Failure | None = None

    def answer(self, tool_name: str, *inputs: dict[str, Any]) -> None:
        """Queue inputs the model will 'call' `tool_name` with, one per request."""
        self.answers[tool_name].extend(inputs)

    def fail(self, status: int, error_type: str, times: int = 1) -> None:
        self.failures.extend(Failure(status, error_type) for _ in range(times))

    def usage_next(self, *usages: dict[str, int]) -> None:
        """The token counts the next Converse answers report, one per answer."""
        self.usages.extend(usages)

    def filter_next(self, reason: str = "Filter reason: prompt") -> None:
        """The next picture is refused by the model's filters, as that model answers it."""
        self.filtered.append(reason)

    def converse_calls(self) -> list[Call]:
        return [c for c in self.calls if c.operation == "converse"]

    def invoke_calls(self) -> list[Call]:
        """Image calls (InvokeModel of anything but the embedding model)."""
        return [c for c in self.calls if c.operation == "invoke" and "embed" not in c.model_id]

    def embedding_calls(self) -> list[Call]:
        return [c for c in self.calls if c.operation == "invoke" and "embed" in c.model_id]

    def model_calls(self) -> list[Call]:
        """Text and image calls: every call but the embeddings."""
        return [c for c in self.calls if "embed" not in c.model_id]

    def reset(self) -> None:
        with self.lock:
            self.answers.clear()
            self.failures.clear()
            self.calls.clear()
            self.filtered.clear()
            self.usages.clear()
            self.embeddings_down = None

    def respond(self, call: Call) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self.lock:
            self.calls.append(call)
            down = self.embeddings_down if "embed" in call.model_id else None
            if down is not None:
                return down.status, {"x-amzn-ErrorType": down.error_type}, {"message": down.message}
            if self.failures:
                failure = self.failures.popleft()
                return failure.status, {"x-amzn-ErrorType": failure.error_type}, {"message": failure.message}
            if call.operation == "invoke":
                return self._draw(call)
            if call.operation != "converse":
                return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, {"message": "unknown operation"}
            tools = call.tool_names
            if len(tools) == 1 and not self.answers[tools[0]] and tools[0] in self.policies:
                self.answers[tools[0]].append(self.policies[tools[0]](call))
            if len(tools) != 1 or not self.answers[tools[0]]:
                return 400, {"x-amzn-ErrorType": "ValidationException"}, {"message": f"no scripted answer for {tools}"}
            tool_input = self.answers[tools[0]].popleft()
            usage = self.usages.popleft() if self.usages else {"inputTokens": 100, "outputTokens": 20}
        return (
            200,
            {},
            {
                "output": {
                    "message": {
                        "role": "assistant",
                        "content": [
                            {
                                "toolUse": {
                                    "toolUseId": f"tooluse_{len(self.calls)}",
                                    "name": tools[0],
                                    "input": tool_input,
                                }
                            }
                        ],
                    }
                },
                "stopReason": "tool_use",
                "usage": {**usage, "totalTokens": usage["inputTokens"] + usage["outputTokens"]},
                "metrics": {"latencyMs": 5},
            },
        )

    def _draw(self, call: Call) -> tuple[int, dict[str, str], dict[str, Any]]:
        if "titan-embed-text-v2" in call.model_id:
            return self._embed(call)
        picture = base64.b64encode(PNG).decode()
        refused = self.filtered.popleft() if self.filtered else None
        if "stability." in call.model_id:
            problem = stability_problem(call.body)
            if problem:
                return 400, {"x-amzn-ErrorType": "ValidationException"}, {"message": problem}
            if refused:
                return 200, {}, {"seeds": [1234], "finish_reasons": [refused], "images": []}
            return 200, {}, {"seeds": [1234], "finish_reasons": [None], "images": [picture]}
        if "amazon.nova-canvas" in call.model_id:
            problem = nova_canvas_problem(call.body)
            if problem or refused:
                message = problem or NOVA_CANVAS_FILTERED
                return 400, {"x-amzn-ErrorType": "ValidationException"}, {"message": message}
            return 200, {}, {"images": [picture], "error": None}
        return (
            400,
            {"x-amzn-ErrorType": "ValidationException"},
            {"message": "The provided model identifier is invalid."},
        )

    def _embed(self, call: Call) -> tuple[int, dict[str, str], dict[str, Any]]:
        from tests.fakes import semantic_double

        body = call.body
        unknown = set(body) - TITAN_FIELDS
        text = body.get("inputText")
        if unknown or not isinstance(text, str) or not text or body.get("dimensions", 1024) not in (256, 512, 1024):
            return (
                400,
                {"x-amzn-ErrorType": "ValidationException"},
                {"message": f"malformed embedding request {unknown}"},
            )
        vector = semantic_double.embed(text, body.get("dimensions", 1024))
        return 200, {}, {"embedding": vector, "inputTextTokenCount": max(1, len(text) // 3)}


def _png(width: int = 4, height: int = 5) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x10\x80\xf0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# What the fake image models draw: a tiny 4:5 PNG the tests can recognise.
PNG = _png()


def serve(fake: FakeBedrock) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
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
            answer_json(self, status, headers, payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
