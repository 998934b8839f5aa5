"""`make dev` over real HTTP, as a browser page and curl talk to it: the CORS exchange a page goes
through before and after each request, and a query typed in Korean straight into the URL.

Requests go out as bytes on a socket, so that the request line carries exactly what a client sends
(http.client would refuse a raw non-ASCII target).
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.parse
import uuid
from typing import Any

import pytest

from tests.support.dev_server import dev_server

ORIGIN = "http://localhost:5173"
# A page reads these response headers without their being exposed (Fetch standard's safelist; MDN
# "CORS-safelisted response header").
SAFELISTED = {
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
}
# What the server or the CORS layer adds to a response; everything else came from the function.
NOT_FROM_THE_FUNCTION = {"server", "date", "connection", "vary", "content-length"}
# A request header a page may send without asking first (Fetch standard; MDN "CORS-safelisted
# request header"). Content-Type only for the form types, so application/json is not among them.
SAFELISTED_REQUEST = {"accept", "accept-language", "content-language"}


class Answer:
    def __init__(self, response: http.client.HTTPResponse, body: bytes) -> None:
        self.status = response.status
        self.headers = response.headers
        self.body = json.loads(body) if body else None

    def names(self, header: str) -> set[str]:
        """A comma-separated list of header names, as a browser compares them: case-insensitively."""
        return {name.strip().lower() for name in (self.headers.get(header) or "").split(",") if name.strip()}


def exchange(base: str, method: str, target: bytes, headers: dict[str, str], body: Any = None) -> Answer:
    url = urllib.parse.urlsplit(base)
    payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    lines = [method.encode("ascii") + b" " + target + b" HTTP/1.1", f"Host: {url.netloc}".encode("ascii")]
    lines += [f"{name}: {value}".encode() for name, value in headers.items()]
    lines += [b"Content-Length: " + str(len(payload)).encode("ascii"), b"Connection: close"]
    with socket.create_connection((url.hostname, url.port), timeout=60) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + payload)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        return Answer(response, response.read())


def preflight_passes(preflight: Answer, method: str, request_headers: list[str]) -> bool:
    """What a browser checks of a preflight's answer before it sends the request (Fetch standard,
    CORS-preflight fetch): an ok status, its origin allowed, the method and every header that is
    not safelisted listed."""
    allowed_headers = preflight.names("access-control-allow-headers")
    return (
        200 <= preflight.status < 300
        and preflight.headers.get("access-control-allow-origin") in (ORIGIN, "*")
        and method.lower() in preflight.names("access-control-allow-methods")
        and all(h in allowed_headers for h in request_headers if h not in SAFELISTED_REQUEST)
    )


def readable(answer: Answer) -> set[str]:
    """The response headers a page's script may read (Fetch standard, CORS-filtered response)."""
    if answer.headers.get("access-control-allow-origin") not in (ORIGIN, "*"):
        return set()
    return SAFELISTED | answer.names("access-control-expose-headers")


def set_by_the_function(answer: Answer) -> set[str]:
    return {name.lower() for name in answer.headers if not name.lower().startswith("access-control-")} - (
        NOT_FROM_THE_FUNCTION
    )


@pytest.fixture(scope="module", params=["2.0", "1.0"], ids=["http-api", "rest-api"])
def dev_api(request, test_database):
    args = ["--rest"] if request.param == "1.0" else []
    # Every export is written by the worker: GET /me/export answers 202 with a Location.
    with dev_server(test_database, *args, CORS_ALLOW_ORIGINS=ORIGIN, EXPORT_INLINE_MAX_BYTES="0") as url:
        yield url


def test_a_browser_page_can_call_it_as_the_local_user_and_read_every_header_it_answers(dev_api):
    user = f"browser-{uuid.uuid4()}"
    sent = ["content-type", "x-user-id", "idempotency-key"]
    preflight = exchange(
        dev_api,
        "OPTIONS",
        b"/records",
        {"Origin": ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": ", ".join(sent)},
    )
    assert preflight_passes(preflight, "POST", sent), dict(preflight.headers)

    page = {"Origin": ORIGIN, "X-User-Id": user}
    created = exchange(
        dev_api,
        "POST",
        b"/records",
        {**page, "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
        {"content": "오늘 친구랑 영화 봤어", "record_date": "2026-11-25"},
    )
    assert created.status == 201, created.body
    assert created.headers["access-control-allow-origin"] == ORIGIN

    # A large account's export: 202, and where to poll in Location. A method the path does not
    # take: 405, and what it takes in Allow. The page must be able to read each.
    export = exchange(dev_api, "GET", b"/me/export", page)
    assert export.status == 202 and export.headers["location"].startswith("/me/exports/")
    refused = exchange(dev_api, "PUT", b"/records", page)
    assert refused.status == 405 and refused.headers["allow"]
    for answer in (created, export, refused):
        assert set_by_the_function(answer) <= readable(answer), dict(answer.headers)
    assert {"location", "allow"} <= set_by_the_function(export) | set_by_the_function(refused)


KOREAN = "영화"
TYPED = [KOREAN.encode("utf-8"), urllib.parse.quote(KOREAN).encode("ascii")]


@pytest.mark.parametrize("word", TYPED, ids=["raw-utf-8", "percent-encoded"])
def test_a_query_typed_in_korean_finds_what_its_percent_encoded_form_finds(dev_api, word):
    user = {"X-User-Id": f"korean-{uuid.uuid4()}"}
    json_body = {**user, "Content-Type": "application/json"}
    day = "2026-11-25"
    record = exchange(dev_api, "POST", b"/records", json_body, {"content": "오늘 친구랑 영화 봤어", "record_date": day})
    exchange(dev_api, "POST", b"/records", json_body, {"content": "산책했다", "record_date": day})
    diary = exchange(
        dev_api,
        "PUT",
        f"/diaries/{day}".encode(),
        json_body,
        {"title": "극장", "content": "영화를 봤다", "tags": [KOREAN]},
    )
    assert record.status == 201 and diary.status == 201

    found = exchange(dev_api, "GET", b"/records?q=" + word, user)
    assert found.status == 200, found.body
    assert [r["id"] for r in found.body["items"]] == [record.body["id"]]
    tagged = exchange(dev_api, "GET", b"/diaries?tag=" + word, user)
    assert tagged.status == 200, tagged.body
    assert [(d["date"], d["tags"]) for d in tagged.body["items"]] == [(day, [KOREAN])]
