"""`make smoke`'s offline half: its walk (handler/local/smoke.py) against `make dev`'s server
(handler/local/dev_server.py), started as a process of its own on the tests' database, with the
local caller `X-User-Id` where the deployed API takes a Cognito token.

Two views of the same run: the walk's transcript (every request with its status, the picture's two
GETs to S3 - moto here - included), and the server's own log of what reached it, in order.
"""

from __future__ import annotations

import json
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from handler.local import smoke
from tests.support.dev_server import dev_server

DAY = "2026-11-20"
# What reaches the API, in order, with the status each answer must have.
API_REQUESTS = [
    "GET /health -> 200",
    f"GET /records?date={DAY} -> 401",
    "POST /records -> 201",
    f"GET /records?date={DAY} -> 200",
    "POST /diaries -> 201",
    "POST /images -> 201",
    "DELETE /me -> 202",
    f"GET /records?date={DAY} -> 410",
]


@pytest.fixture(scope="module")
def dev_api(test_database, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    log = tmp_path_factory.mktemp("dev") / "server.log"
    with dev_server(test_database, log=log) as url:
        yield url, log


def served(log: Path, since: int) -> list[str]:
    """The server's log lines ("dev: GET /health -> 200") after the first `since`."""
    lines = [line.removeprefix("dev: ") for line in log.read_text().splitlines() if line.startswith("dev: ")]
    return lines[since:]


class Recording:
    """The walk's transport, real HTTP, noting the headers each request carried."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def __call__(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> tuple[int, bytes]:
        self.sent.append((method, url, dict(headers)))
        return smoke.http_send(method, url, headers, body)


def test_the_walk_takes_every_step_in_order_against_make_dev(dev_api):
    url, log = dev_api
    before = len(served(log, 0))
    user = f"smoke-{uuid.uuid4()}"
    transport, printed = Recording(), []
    walk = smoke.Walk(url, lambda: {"x-user-id": user}, send=transport, out=printed.append)

    exchanges = walk.run(DAY)

    assert [(e.method, e.status) for e in exchanges] == [
        ("GET", 200),
        ("GET", 401),
        ("POST", 201),
        ("GET", 200),
        ("POST", 201),
        ("POST", 201),
        ("GET", 200),  # the picture, a PNG
        ("DELETE", 202),
        ("GET", 410),  # the erased user's token refused: account_erased
        ("GET", 404),  # the picture is gone
    ]
    assert [e.title for e in exchanges] == [step.title for step in smoke.steps(DAY)]
    assert walk.erased
    # The server saw the API's requests in this order, and nothing else.
    assert served(log, before) == API_REQUESTS
    # The caller's identity went with every step that takes it, and with no other: not to the
    # health check, not to the request that must be refused, not to S3.
    steps = smoke.steps(DAY)
    assert [("x-user-id" in headers) for _, _, headers in transport.sent] == [step.token for step in steps]
    # The picture came from S3 (moto), not the API, both times from the URL the API answered.
    api_host = urllib.parse.urlsplit(url).netloc
    pictures = [sent_url for _, sent_url, _ in transport.sent if urllib.parse.urlsplit(sent_url).netloc != api_host]
    assert len(pictures) == 2 and pictures[0] == pictures[1] == walk.found["picture_url"]
    # What it printed: one line a step, the presigned URL without its signature.
    assert len(printed) == len(exchanges) and all(line.startswith("ok   ") for line in printed)
    assert urllib.parse.urlsplit(pictures[0]).query not in "\n".join(printed)


def test_a_failed_step_stops_the_walk_and_the_users_data_is_erased_even_so(dev_api):
    url, log = dev_api
    before = len(served(log, 0))
    user = f"smoke-{uuid.uuid4()}"

    def model_down(method: str, sent_url: str, headers: Mapping[str, str], body: bytes | None) -> tuple[int, bytes]:
        # The image model failing, as the API would answer it (an upstream fault: 503).
        if method == "POST" and sent_url.endswith("/images"):
            return 503, b'{"code": "model_unavailable"}'
        return smoke.http_send(method, sent_url, headers, body)

    printed: list[str] = []
    walk = smoke.Walk(url, lambda: {"x-user-id": user}, send=model_down, out=printed.append)

    with pytest.raises(smoke.SmokeFailure, match="503, not 201"):
        smoke._walk_and_erase(walk, DAY)

    assert printed[-2].startswith("FAIL 503 POST /images")
    assert printed[-1].startswith("ok   202 DELETE /me")
    assert served(log, before) == [*API_REQUESTS[:5], "DELETE /me -> 202"]
    # The user is erased (nothing of theirs is left), and refused from then on.
    status, raw = smoke.http_send("GET", f"{url}/records?date={DAY}", {"x-user-id": user}, None)
    assert status == 410 and json.loads(raw)["error"]["code"] == "account_erased"
