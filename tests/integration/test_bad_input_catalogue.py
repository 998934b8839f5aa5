"""A catalogue of malformed and hostile input, for every route, through real API Gateway events.

Each case is sent in both event shapes (HTTP API 2.0 and REST API 1.0) by a caller who owns
records, a diary and a report, next to a second user who owns some too. Every case must get its
4xx in the error shape `{"error": {"code", "message"}}`, as valid UTF-8 JSON with no internals,
and must leave every table exactly as it was (a fingerprint of each whole table, not only its row
count, is taken before and after). A 5xx fails the case with the function's own log of it.

The counts (cases tried, 5xx seen) are printed at the end of the run (tests/tally.py).
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest

from tests import tally
from tests.support.requests import call, http_event, invoke, invoke_raw, jot

TABLES = ("records", "diaries", "images", "reports", "idempotency_keys")
SHAPES = ("2.0", "1.0")
SECTION = "bad input catalogue"

# The caller's world (see `world`): records on DAY, a diary of DAY, a report over WEEK.
DAY = "2026-11-25"
EMPTY_DAY = "2099-01-01"  # valid, but nobody has a record, diary or report there


@dataclasses.dataclass(frozen=True)
class Bad:
    """One bad request. `path` and bodies may name `{rid}` (the caller's record), `{other_rid}`,
    `{other_report}` (the other user's record and report); `status` is one status or a set."""

    name: str
    method: str
    path: str
    body: Any = None
    raw_body: str | None = None
    query: dict[str, str] | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    drop_headers: tuple[str, ...] = ()
    base64_body: bool = False
    identity: str | None = "caller"  # None: no authorizer claim; anything else: that raw `sub`
    status: int | frozenset[int] = 422
    code: str | None = None


# --- the catalogue --------------------------------------------------------------------------

POST_ROUTES = {
    # route: a valid body (used to check that only the bad part is refused)
    "/records": {"content": "오늘 영화 봤어", "record_date": DAY},
    "/diaries": {"date": DAY},
    "/questions": {"question": "어제 뭐 했어?", "current_date": "2026-11-26"},
    "/images": {"date": DAY},
    "/reports": {"start_date": "2026-11-23", "end_date": "2026-11-29"},
    "/agent": {"content": "오늘 영화 봤어", "request_type": "data", "current_date": DAY},
}
# Text fields each POST route takes, and its date fields.
TEXT_FIELDS = {"/records": "content", "/questions": "question", "/images": "text", "/agent": "content"}
DATE_FIELDS = {
    "/records": "record_date",
    "/diaries": "date",
    "/questions": "current_date",
    "/images": "date",
    "/reports": "start_date",
    "/agent": "current_date",
}

BAD_DATES = [
    "2026-02-30",  # impossible
    "2026-02-29",  # not a leap year
    "2026-13-01",
    "2026-00-10",
    "2026-11-31",
    "2026-1-1",
    "20261125",
    "2026-W48-3",  # an ISO week date: a real day, but not YYYY-MM-DD
    "2026-11-25T00:00:00",
    "2026-11-25 ",
    " 2026-11-25",
    "２０２６-11-25",  # full-width digits
    "2026-11-2٥",  # an Arabic-Indic digit
    "0001-01-01",  # far past
    "1899-12-31",  # just before the accepted range
    "2101-01-01",  # just after it
    "9999-12-31",  # far future
    "-2026-11-25",
    "2026-11-25\u0000",
    "2026-11-25' OR '1'='1",
    "'; DROP TABLE records;--",
    "",
]
BAD_DATE_VALUES: list[Any] = [*BAD_DATES, 1764000000, 2026.5, True, ["2026-11-25"], {"date": "2026-11-25"}]
BAD_TEXTS: list[Any] = ["", "   ", "\n\t", "a\u0000b", "a\ud800b", "\udfff", 42, True, ["a"], {"a": "b"}]

BROKEN_JSON = [
    "{",
    '{"content": ',
    '{"content": "unterminated',
    "nul",
    "{'single': 'quotes'}",
    '{"a": 1} trailing',
    '{"a": 1,}',
    "\ufeff{}",  # a byte order mark
    "   ",
    '{"a": "raw \u0000 control"}',
    "1" * 5000,  # an integer past Python's digit limit
    "[" * 5000 + "]" * 5000,  # past the recursion limit
    '{"a":' * 2000 + "1" + "}" * 2000,
    "[" * 40 + "]" * 40,  # deeper than any request body
]
NOT_AN_OBJECT = ["null", "[]", '"a string"', "42", "true", "NaN", ""]

BAD_UUIDS = [
    "not-a-uuid",
    "..",
    "%2e%2e",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "1%20OR%201%3D1",
    "'%3B%20DROP%20TABLE%20records%3B--",
    "0" * 5000,
    "%00",
    "00000000-0000-0000-0000-00000000000g",
    "00000000-0000-0000-0000-0000000000001",
]

BASE64 = {
    "not base64": ("!!!not base64!!!", 400, "invalid_body"),
    "bad padding": ("abc", 400, "invalid_body"),
    "not UTF-8": (base64.b64encode(b"\xff\xfe{}").decode(), 400, "invalid_body"),
    "broken JSON": (base64.b64encode(b'{"content": ').decode(), 400, "invalid_json"),
    "unknown field": (base64.b64encode(b'{"user_id": "someone"}').decode(), 422, "validation_error"),
}

ODD_CONTENT_TYPES = [
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data",  # without a boundary
    "multipart/form-data; boundary=x",
    "APPLICATION/JSON",  # media types are case-insensitive, but Powertools compares exactly
    "image/png",
]


def _with(body: dict, **changes: Any) -> dict:
    return {**body, **changes}


def _post_route_cases() -> list[Bad]:
    cases: list[Bad] = []
    for route, valid in POST_ROUTES.items():
        for raw in BROKEN_JSON:
            cases.append(
                Bad(f"{route} broken JSON {raw[:24]!r}", "POST", route, raw_body=raw, status=400, code="invalid_json")
            )
        for raw in NOT_AN_OBJECT:
            cases.append(Bad(f"{route} not an object {raw!r}", "POST", route, raw_body=raw, code="validation_error"))
        cases += [
            Bad(f"{route} unknown field", "POST", route, _with(valid, extra=True), code="validation_error"),
            Bad(
                f"{route} user id in the body",
                "POST",
                route,
                _with(valid, user_id="someone-else"),
                code="validation_error",
            ),
            Bad(
                f"{route} long unknown field", "POST", route, _with(valid, **{"k" * 10_000: 1}), code="validation_error"
            ),
            Bad(
                f"{route} lone surrogate field name",
                "POST",
                route,
                raw_body=json.dumps(valid)[:-1] + ', "\\ud800": 1}',
                code="validation_error",
            ),
            Bad(
                f"{route} body over the limit",
                "POST",
                route,
                _with(valid, pad="x" * 70_000),
                status=413,
                code="body_too_large",
            ),
            Bad(
                f"{route} Hangul body over the limit in bytes",
                "POST",
                route,
                _with(valid, pad="가" * 25_000),
                status=413,
                code="body_too_large",
            ),
            Bad(f"{route} no identity", "POST", route, valid, identity=None, status=401, code="unauthorized"),
            Bad(f"{route} blank sub", "POST", route, valid, identity="   ", status=401, code="unauthorized"),
            Bad(f"{route} sub with NUL", "POST", route, valid, identity="a\u0000b", status=401, code="unauthorized"),
            Bad(
                f"{route} sub with a lone surrogate",
                "POST",
                route,
                valid,
                identity="\ud800",
                status=401,
                code="unauthorized",
            ),
            Bad(f"{route} sub too long", "POST", route, valid, identity="s" * 129, status=401, code="unauthorized"),
            Bad(
                f"{route} spoofed x-user-id only",
                "POST",
                route,
                valid,
                identity=None,
                headers={"x-user-id": "someone"},
                status=401,
                code="unauthorized",
            ),
            Bad(f"{route} PUT", "PUT", route, valid, status=405, code="method_not_allowed"),
            Bad(f"{route} PATCH", "PATCH", route, valid, status=405, code="method_not_allowed"),
            Bad(
                f"{route} bad Idempotency-Key",
                "POST",
                route,
                valid,
                headers={"idempotency-key": "has space"},
                status=400,
                code="invalid_idempotency_key",
            ),
            Bad(
                f"{route} Idempotency-Key too long",
                "POST",
                route,
                valid,
                headers={"idempotency-key": "k" * 129},
                status=400,
                code="invalid_idempotency_key",
            ),
            Bad(
                f"{route} Idempotency-Key in Hangul",
                "POST",
                route,
                valid,
                headers={"idempotency-key": "한글키"},
                status=400,
                code="invalid_idempotency_key",
            ),
            Bad(
                f"{route} broken JSON without content-type",
                "POST",
                route,
                raw_body="{",
                drop_headers=("content-type",),
                status=400,
                code="invalid_json",
            ),
            Bad(
                f"{route} unknown field without content-type",
                "POST",
                route,
                _with(valid, extra=1),
                drop_headers=("content-type",),
                code="validation_error",
            ),
        ]
        for content_type in ODD_CONTENT_TYPES:
            cases.append(
                Bad(
                    f"{route} content-type {content_type}",
                    "POST",
                    route,
                    valid,
                    headers={"content-type": content_type},
                    status=415,
                    code="unsupported_media_type",
                )
            )
        for label, (raw, status, code) in BASE64.items():
            cases.append(
                Bad(f"{route} base64 {label}", "POST", route, raw_body=raw, base64_body=True, status=status, code=code)
            )
        date_field = DATE_FIELDS[route]
        for value in BAD_DATE_VALUES:
            body = _with(valid, **{date_field: value})
            if route == "/images":
                body = {"date": value}
            cases.append(Bad(f"{route} {date_field}={value!r:.30}", "POST", route, body, code="validation_error"))
        text_field = TEXT_FIELDS.get(route)
        if text_field:
            base = {text_field: "x"} if route == "/images" else valid
            for value in BAD_TEXTS:
                body = _with(base, **{text_field: value})
                cases.append(Bad(f"{route} {text_field}={value!r:.30}", "POST", route, body, code="validation_error"))
            if route != "/images":  # without `text`, the valid /images body draws its `date`
                cases.append(
                    Bad(
                        f"{route} {text_field} missing",
                        "POST",
                        route,
                        {k: v for k, v in valid.items() if k != text_field},
                        code="validation_error",
                    )
                )
    return cases


RECORD_CASES = [
    Bad("/records content over 4000 characters", "POST", "/records", {"content": "가" * 4001}),
    Bad("/records content null", "POST", "/records", {"content": None}),
    Bad(
        "/records SQL in the date",
        "POST",
        "/records",
        {"content": "x", "record_date": "2026-11-25; DELETE FROM records"},
    ),
]

DIARY_CASES = [
    Bad("/diaries date missing", "POST", "/diaries", {}),
    Bad("/diaries no records that day", "POST", "/diaries", {"date": EMPTY_DAY}, code="no_records"),
    Bad("/diaries no records far in the past", "POST", "/diaries", {"date": "1900-01-02"}, code="no_records"),
    *[
        Bad(
            f"/diaries temperature {raw}",
            "POST",
            "/diaries",
            raw_body=f'{{"date": "{DAY}", "temperature": {raw}}}',
            code="validation_error",
        )
        for raw in ["-0.1", "1.1", '"0.5"', "true", "NaN", "Infinity", "-Infinity", "1e400", "[0.5]", "1" + "0" * 4000]
    ],
    *[
        Bad(f"GET /diaries/{value[:30]}", "GET", f"/diaries/{value}", status=400, code="invalid_parameter")
        for value in [
            "2026-02-30",
            "2026-13-01",
            "2026-W48-3",
            "20261125",
            "0001-01-01",
            "9999-12-31",
            "..%2f..%2fetc%2fpasswd",
            "%2e%2e",
            "2026-11-25%00",
            "x" * 3000,
            "2026-11-25'%20OR%20'1'%3D'1",
            "%EF%BC%92026-11-25",
            "not-a-date",
        ]
    ],
    Bad("GET /diaries/../records", "GET", "/diaries/../records", status=404, code="not_found"),
    Bad("GET /diaries of a day without one", "GET", f"/diaries/{EMPTY_DAY}", status=404, code="not_found"),
    Bad("GET /diaries/ (no date)", "GET", "/diaries/", status=frozenset({404, 405})),
    Bad("GET /diaries no identity", "GET", f"/diaries/{DAY}", identity=None, status=401, code="unauthorized"),
    Bad("DELETE /diaries/{date}", "DELETE", f"/diaries/{DAY}", status=405, code="method_not_allowed"),
]


def _cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


NIL = "00000000-0000-0000-0000-000000000000"
LIST_CASES = [
    Bad("GET /records no period", "GET", "/records", status=400, code="invalid_parameter"),
    Bad("GET /records from without to", "GET", "/records", query={"from": DAY}, status=400, code="invalid_parameter"),
    Bad("GET /records to without from", "GET", "/records", query={"to": DAY}, status=400, code="invalid_parameter"),
    Bad(
        "GET /records date and a range",
        "GET",
        "/records",
        query={"date": DAY, "from": DAY, "to": DAY},
        status=400,
        code="invalid_parameter",
    ),
    Bad(
        "GET /records to before from", "GET", "/records", query={"from": "2026-11-26", "to": DAY}, code="invalid_range"
    ),
    Bad(
        "GET /records range of 367 days",
        "GET",
        "/records",
        query={"from": "2026-01-01", "to": "2027-01-02"},
        code="range_too_long",
    ),
    Bad(
        "GET /records range of two centuries",
        "GET",
        "/records",
        query={"from": "1900-01-01", "to": "2100-12-31"},
        code="range_too_long",
    ),
    *[
        Bad(
            f"GET /records date={value!r:.30}",
            "GET",
            "/records",
            query={"date": value},
            status=400,
            code="invalid_parameter",
        )
        for value in [v for v in BAD_DATES if v] + ["2" * 10_000, "\ud800"]
    ],
    *[
        Bad(
            f"GET /records limit={value!r:.30}",
            "GET",
            "/records",
            query={"date": DAY, "limit": value},
            status=400,
            code="invalid_parameter",
        )
        for value in [
            "0",
            "-1",
            "-0",
            "201",
            "99999999999999999999",
            "9" * 5000,
            "abc",
            "1e3",
            "0x10",
            "",
            "NaN",
            "５",
            "1;DROP TABLE records",
            "\u0000",
        ]
    ],
    *[
        Bad(
            f"GET /records cursor {label}",
            "GET",
            "/records",
            query={"date": DAY, "cursor": cursor},
            status=status,
            code=code,
        )
        for label, cursor, status, code in [
            ("over 512 characters", "x" * 513, 400, "invalid_parameter"),
            ("of 10 000 characters", "x" * 10_000, 400, "invalid_parameter"),
            ("with a lone surrogate", "\ud800", 400, "invalid_parameter"),
            ("not base64", "%%%", 422, "invalid_cursor"),
            ("NUL", "\u0000", 422, "invalid_cursor"),
            ("SQL", "' OR 1=1 --", 422, "invalid_cursor"),
            ("a string", _cursor("abc"), 422, "invalid_cursor"),
            ("an object", _cursor({"a": 1}), 422, "invalid_cursor"),
            ("numbers", _cursor([1, 2, 3]), 422, "invalid_cursor"),
            ("too few parts", _cursor([DAY, "2026-11-25T00:00:00+00:00"]), 422, "invalid_cursor"),
            ("bad time", _cursor([DAY, "not a time", NIL]), 422, "invalid_cursor"),
            ("bad id", _cursor([DAY, "2026-11-25T00:00:00+00:00", "x' OR '1'='1"]), 422, "invalid_cursor"),
            ("infinite number", base64.urlsafe_b64encode(b"[1e999, 2, 3]").decode(), 422, "invalid_cursor"),
            (
                "offset beyond PostgreSQL's, far future",
                _cursor(["9999-12-31", "9999-12-31T23:59:59.999999-23:59", NIL]),
                422,
                "invalid_cursor",
            ),
            (
                "offset beyond PostgreSQL's, far past",
                _cursor(["0001-01-01", "0001-01-01T00:00:00+23:59", NIL]),
                422,
                "invalid_cursor",
            ),
            (
                "offset beyond PostgreSQL's, today",
                _cursor([DAY, "2026-11-25T00:00:00+20:00", NIL]),
                422,
                "invalid_cursor",
            ),
        ]
    ],
    Bad(
        "GET /records no identity",
        "GET",
        "/records",
        query={"date": DAY},
        identity=None,
        status=401,
        code="unauthorized",
    ),
    Bad("PUT /records", "PUT", "/records", {"content": "x"}, status=405, code="method_not_allowed"),
]

ID_ROUTES = [("DELETE", "/records/{}"), ("GET", "/reports/{}")]
ID_CASES = [
    *[
        Bad(
            f"{method} {template.format(value[:30])}",
            method,
            template.format(value),
            status=400,
            code="invalid_parameter",
        )
        for method, template in ID_ROUTES
        for value in BAD_UUIDS
    ],
    *[
        Bad(
            f"{method} {template.format(value)} (no such route)",
            method,
            template.format(value),
            status=404,
            code="not_found",
        )
        for method, template in ID_ROUTES
        for value in ["../records", "../../etc/passwd", NIL + "/x"]
    ],
    Bad("DELETE /records/ (no id)", "DELETE", "/records/", status=frozenset({404, 405})),
    Bad("DELETE another user's record", "DELETE", "/records/{other_rid}", status=404, code="not_found"),
    Bad("DELETE a record that does not exist", "DELETE", f"/records/{NIL}", status=404, code="not_found"),
    Bad("DELETE a record without identity", "DELETE", "/records/{rid}", identity=None, status=401, code="unauthorized"),
    Bad(
        "DELETE a record with a forged sub",
        "DELETE",
        "/records/{rid}",
        identity="\u0000",
        status=401,
        code="unauthorized",
    ),
    Bad("GET another user's report", "GET", "/reports/{other_report}", status=404, code="not_found"),
    Bad("GET a report that does not exist", "GET", f"/reports/{NIL}", status=404, code="not_found"),
    Bad("GET /reports no identity", "GET", "/reports", identity=None, status=401, code="unauthorized"),
    Bad("DELETE /reports/{id}", "DELETE", "/reports/{other_report}", status=405, code="method_not_allowed"),
]

REPORT_CASES = [
    Bad(
        "/reports end before start",
        "POST",
        "/reports",
        {"start_date": "2026-11-29", "end_date": "2026-11-23"},
        code="invalid_range",
    ),
    Bad(
        "/reports over 31 days",
        "POST",
        "/reports",
        {"start_date": "2026-01-01", "end_date": "2026-12-31"},
        code="range_too_long",
    ),
    Bad(
        "/reports two centuries",
        "POST",
        "/reports",
        {"start_date": "1900-01-01", "end_date": "2100-12-31"},
        code="range_too_long",
    ),
    Bad(
        "/reports far future, no records",
        "POST",
        "/reports",
        {"start_date": "2100-12-01", "end_date": "2100-12-31"},
        code="no_records",
    ),
    Bad(
        "/reports far past, no records",
        "POST",
        "/reports",
        {"start_date": "1900-01-01", "end_date": "1900-01-31"},
        code="no_records",
    ),
    Bad(
        "/reports no records, with an Idempotency-Key",
        "POST",
        "/reports",
        {"start_date": "2100-12-01", "end_date": "2100-12-31"},
        headers={"idempotency-key": "catalogue-1"},
        code="no_records",
    ),
    Bad("/reports end_date missing", "POST", "/reports", {"start_date": "2026-11-23"}, code="validation_error"),
    Bad(
        "/reports end_date invalid",
        "POST",
        "/reports",
        {"start_date": "2026-11-23", "end_date": "2026-11-31"},
        code="validation_error",
    ),
]

QUESTION_CASES = [
    Bad("/questions over 1000 characters", "POST", "/questions", {"question": "q" * 1001}),
]

IMAGE_CASES = [
    Bad("/images neither date nor text", "POST", "/images", {}),
    Bad("/images both date and text", "POST", "/images", {"date": DAY, "text": "x"}),
    Bad("/images both null", "POST", "/images", {"date": None, "text": None}),
    Bad("/images a day without a diary", "POST", "/images", {"date": EMPTY_DAY}, code="no_diary"),
    Bad("/images a day without a diary, far past", "POST", "/images", {"date": "1900-01-01"}, code="no_diary"),
    Bad("/images text over 4000 characters", "POST", "/images", {"text": "t" * 4001}),
]

AGENT_CASES = [
    *[
        Bad(f"/agent request_type={value!r}", "POST", "/agent", {"content": "x", "request_type": value})
        for value in ["DATA", "sql; drop", "", "admin", 1, ["data"], "data\u0000"]
    ],
    Bad(
        "/agent diary of a day without records",
        "POST",
        "/agent",
        {"content": "일기 써줘", "request_type": "diary", "current_date": EMPTY_DAY},
        code="no_records",
    ),
    Bad(
        "/agent report over a far-future week",
        "POST",
        "/agent",
        {"content": "지난주 감정 리포트", "request_type": "report", "current_date": "2100-12-31"},
        code="no_records",
    ),
    Bad(
        "/agent image of a day without a diary",
        "POST",
        "/agent",
        {"content": "그림 그려줘", "request_type": "image", "current_date": EMPTY_DAY},
        code="no_diary",
    ),
    Bad("/agent content over 4000 characters", "POST", "/agent", {"content": "가" * 4001}),
]

OTHER_CASES = [
    Bad("POST /health", "POST", "/health", {}, status=405, code="method_not_allowed"),
    Bad("DELETE /health", "DELETE", "/health", status=405, code="method_not_allowed"),
    Bad(
        "GET /health with a body over the limit",
        "GET",
        "/health",
        raw_body="x" * 70_000,
        identity=None,
        status=413,
        code="body_too_large",
    ),
    Bad("POST /health without identity", "POST", "/health", {}, identity=None, status=401, code="unauthorized"),
    Bad("POST /openapi.json", "POST", "/openapi.json", {}, status=405, code="method_not_allowed"),
    Bad("unknown route", "GET", "/admin", status=404, code="not_found"),
    Bad("unknown route without identity", "GET", "/admin", identity=None, status=401, code="unauthorized"),
    Bad("traversal to /etc/passwd", "GET", "/../../etc/passwd", status=404, code="not_found"),
    Bad("encoded traversal", "GET", "/%2e%2e/%2e%2e/etc/passwd", status=404, code="not_found"),
    Bad("a record's sub-path", "GET", "/records/{rid}/../../reports", status=404, code="not_found"),
    Bad("OPTIONS /records", "OPTIONS", "/records", status=405, code="method_not_allowed"),
    Bad("TRACE /records", "TRACE", "/records", status=405, code="method_not_allowed"),
    Bad("HEAD /reports", "HEAD", "/reports", status=405, code="method_not_allowed"),
]


def _unique(cases: list[Bad]) -> list[Bad]:
    """Names cut short can collide ("[[[[..." of 40 and of 5000): number the repeats."""
    seen: dict[str, int] = {}
    named = []
    for case in cases:
        seen[case.name] = seen.get(case.name, 0) + 1
        repeat = seen[case.name]
        named.append(case if repeat == 1 else dataclasses.replace(case, name=f"{case.name} #{repeat}"))
    return named


CASES = _unique(
    [
        *_post_route_cases(),
        *RECORD_CASES,
        *DIARY_CASES,
        *LIST_CASES,
        *ID_CASES,
        *REPORT_CASES,
        *QUESTION_CASES,
        *IMAGE_CASES,
        *AGENT_CASES,
        *OTHER_CASES,
    ]
)
assert len({case.name for case in CASES}) == len(CASES), "case names must be unique"


# --- running a case -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(test_database: str) -> dict[str, str]:
    """A caller with records, a diary and a completed report; another user with a record and a report."""
    caller, other = f"catalogue-{uuid.uuid4()}", f"catalogue-other-{uuid.uuid4()}"
    [rid] = jot(caller, DAY, "친구랑 영화 봤어, 행복했어")
    jot(caller, "2026-11-23", "산책했어")
    assert call("POST", "/diaries", {"date": DAY}, user=caller).status == 201
    week = {"start_date": "2026-11-23", "end_date": "2026-11-29"}
    assert call("POST", "/reports", week, user=caller).status == 202
    [other_rid] = jot(other, DAY, "남의 기록")
    other_report = call("POST", "/reports", week, user=other).body["report_id"]
    return {"caller": caller, "other": other, "rid": rid, "other_rid": other_rid, "other_report": other_report}


@pytest.fixture(scope="module")
def tables(test_database: str) -> Iterator[Any]:
    """One autocommit connection for the module's fingerprints (a connection per case costs more than the case)."""
    conn = psycopg2.connect(test_database)
    conn.autocommit = True
    with conn.cursor() as cur:
        yield cur
    conn.close()


_FINGERPRINT = " UNION ALL ".join(
    f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
    for table in TABLES
)


def fingerprint(cur) -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row of every table: any insert, update or delete shows."""
    cur.execute(_FINGERPRINT)
    return {table: (count, digest) for table, count, digest in cur.fetchall()}


def build_event(case: Bad, shape: str, world: dict[str, str]) -> dict[str, Any]:
    path = case.path.format(**world) if "{" in case.path and "}" in case.path else case.path
    event = http_event(
        case.method,
        path,
        case.body,
        user=None,
        query=case.query,
        shape=shape,
        raw_body=case.raw_body,
        headers=case.headers,
    )
    if case.identity is not None:
        sub = world["caller"] if case.identity == "caller" else case.identity
        if shape == "2.0":
            event["requestContext"]["authorizer"] = {"jwt": {"claims": {"sub": sub}, "scopes": None}}
        else:
            event["requestContext"]["authorizer"] = {"claims": {"sub": sub}}
    for name in case.drop_headers:
        event["headers"].pop(name, None)
        (event.get("multiValueHeaders") or {}).pop(name, None)
    if case.base64_body:
        event["isBase64Encoded"] = True
    return event


def check_reply(case: Bad, response: dict[str, Any], logs: str) -> None:
    status = response["statusCode"]
    if status >= 500:
        tally.add(SECTION, "5xx seen")
    where = f"{case.method} {case.path} ({case.name})"
    assert status < 500, f"{where}: {status} {response.get('body')!r:.300}\nthe function's log:\n{logs[-6000:]}"
    wanted = case.status if isinstance(case.status, frozenset) else {case.status}
    if status not in wanted:
        tally.add(SECTION, "wrong status")
    assert status in wanted, f"{where}: {status}, wanted {sorted(wanted)}: {response.get('body')!r:.300}"
    body_text = response["body"]
    body_text.encode("utf-8")  # JSON out is UTF-8: no lone surrogate echoed back
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():  # REST API (1.0) replies
        headers.setdefault(name.lower(), values[0])
    assert headers.get("content-type", "").startswith("application/json"), headers
    body = json.loads(body_text)
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if case.code:
        assert body["error"]["code"] == case.code, body
    for detail in body["error"].get("details", []):
        assert len(detail["field"]) <= 200 and len(detail["message"]) <= 200, detail
    for leak in ("Traceback", "psycopg2", "SELECT ", "INSERT ", 'File "', "/handler/"):
        assert leak not in body_text, f"{where}: the reply carries {leak!r}: {body_text[:300]}"


def shape_matters(case: Bad) -> bool:
    """Where the two event shapes differ: identity, headers, base64, paths and queries, methods.
    A POST body is parsed the same way from both, so those cases run in the 2.0 shape only."""
    return bool(
        case.identity != "caller"
        or case.headers
        or case.drop_headers
        or case.base64_body
        or case.query
        or case.method != "POST"
    )


def _params() -> list[Any]:
    params = []
    for case in CASES:
        for shape in SHAPES if shape_matters(case) else SHAPES[:1]:
            params.append(pytest.param(case, shape, id=f"{case.name}-{shape}"))
    return params


@pytest.fixture
def function_log() -> Iterator[io.StringIO]:
    """What the function logs during the test, tracebacks included (Powertools' logger does not propagate)."""
    from handler.app import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    service_logger = logging.getLogger(logger.name)
    service_logger.addHandler(handler)
    yield stream
    service_logger.removeHandler(handler)


@pytest.mark.parametrize("case, shape", _params())
def test_bad_input_gets_its_4xx_and_changes_nothing(case: Bad, shape: str, world, tables, function_log):
    db = tables
    before = fingerprint(db)
    tally.add(SECTION, "cases tried")
    response = invoke_raw(build_event(case, shape, world))
    check_reply(case, response, function_log.getvalue())
    changed = {t for t, value in fingerprint(db).items() if value != before[t]}
    if changed:
        tally.add(SECTION, "cases that changed rows")
    assert not changed, f"{case.name} ({shape}) changed {sorted(changed)}"


# --- hostile but harmless: accepted, and still no one else's data and no stray writes --------

HARMLESS_READS = [
    ("a user_id in the query", {"date": DAY, "user_id": "{other}"}),
    ("an unknown parameter of 100 000 characters", {"date": DAY, "x": "y" * 100_000}),
    ("SQL in an unknown parameter", {"date": DAY, "q": "' OR 1=1; DROP TABLE records; --"}),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("label, query", HARMLESS_READS, ids=[label for label, _ in HARMLESS_READS])
def test_hostile_but_harmless_reads_return_only_the_callers_rows(label, query, shape, world, tables):
    db = tables
    before = fingerprint(db)
    tally.add(SECTION, "hostile but valid cases tried")
    query = {k: v.format(**world) for k, v in query.items()}
    reply = invoke(http_event("GET", "/records", query=query, shape=shape, user=world["caller"]))
    assert reply.status == 200, reply.body
    assert [item["id"] for item in reply.body["items"]] == [world["rid"]]
    assert fingerprint(db) == before


@pytest.mark.parametrize("shape", SHAPES)
def test_sql_in_a_question_is_just_text(shape, world, tables):
    db = tables
    before = fingerprint(db)
    tally.add(SECTION, "hostile but valid cases tried")
    reply = invoke(
        http_event(
            "POST",
            "/questions",
            {"question": "'; DROP TABLE records; --", "current_date": DAY},
            shape=shape,
            user=world["caller"],
        )
    )
    assert reply.status == 200, reply.body
    assert fingerprint(db) == before


def _no_content_type(event: dict[str, Any]) -> None:
    event["headers"].pop("content-type")
    (event.get("multiValueHeaders") or {}).pop("content-type", None)


def _charset(event: dict[str, Any]) -> None:
    event["headers"]["content-type"] = "application/json; charset=utf-8"


def _base64(event: dict[str, Any]) -> None:
    event.update(isBase64Encoded=True, body=base64.b64encode(event["body"].encode()).decode())


@pytest.mark.parametrize(
    "label, mutate",
    [("no content-type", _no_content_type), ("content-type with a charset", _charset), ("valid base64", _base64)],
    ids=["no content-type", "charset", "valid base64"],
)
@pytest.mark.parametrize("shape", SHAPES)
def test_lenient_but_valid_requests_store_exactly_one_row(label, mutate, shape, world, db):
    """What the catalogue does not refuse: a JSON body without a content type, or base64-encoded."""
    content = f"관대한 요청 {label} {shape} '); DROP TABLE records; --"
    event = http_event("POST", "/records", {"content": content, "record_date": DAY}, shape=shape, user=world["caller"])
    mutate(event)
    reply = invoke_raw(event)
    assert reply["statusCode"] == 201, reply
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s AND content = %s", (world["caller"], content))
    assert db.fetchone()["n"] == 1
    db.execute("DELETE FROM records WHERE user_id = %s AND content = %s", (world["caller"], content))
