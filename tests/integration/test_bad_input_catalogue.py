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
from tests.support import limits
from tests.support.requests import call, http_event, invoke, invoke_raw, jot

TABLES = ("records", "diaries", "images", "reports", "exports", "idempotency_keys")
SHAPES = ("2.0", "1.0")
SECTION = "bad input catalogue"

# The caller's world (see `world`): records on DAY and EDITED_DAY, the model's diary of DAY, the
# user's own diary of EDITED_DAY, a report over WEEK.
DAY = "2026-11-25"
EDITED_DAY = "2026-11-23"
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
    authorizer: Any = None  # given: the event's requestContext.authorizer, as it is
    status: int | frozenset[int] = 422
    code: str | None = None


# --- the catalogue --------------------------------------------------------------------------

BODY_ROUTES = {
    # (method, route): a valid body (used to check that only the bad part is refused)
    ("POST", "/records"): {"content": "오늘 영화 봤어", "record_date": DAY},
    ("POST", "/diaries"): {"date": DAY},
    ("POST", "/questions"): {"question": "어제 뭐 했어?", "current_date": "2026-11-26"},
    ("POST", "/images"): {"date": DAY},
    ("POST", "/reports"): {"start_date": "2026-11-23", "end_date": "2026-11-29"},
    ("POST", "/agent"): {"content": "오늘 영화 봤어", "request_type": "data", "current_date": DAY},
    ("PATCH", "/records/{rid}"): {"content": "영화 봤어 (고침)", "record_date": DAY},
    ("PUT", f"/diaries/{EMPTY_DAY}"): {"title": "내 일기", "content": "내가 쓴 일기", "tags": ["여행"]},
}
BODY_METHODS = ("POST", "PUT", "PATCH")
# Text fields each body route takes (and whether the body needs it), and its date fields.
TEXT_FIELDS = {
    "/records": ("content", True),
    "/questions": ("question", True),
    "/images": ("text", False),
    "/agent": ("content", True),
    "/records/{rid}": ("content", False),
    f"/diaries/{EMPTY_DAY}": ("title", True),
}
DATE_FIELDS = {
    "/records": "record_date",
    "/diaries": "date",
    "/questions": "current_date",
    "/images": "date",
    "/reports": "start_date",
    "/agent": "current_date",
    "/records/{rid}": "record_date",
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
# Text a reader does not see as it is (handler/clean_text.py): nothing but invisible characters
# (zero-width space, non-joiner and joiner, word joiner, byte order mark, soft hyphen, the Hangul
# fillers, the Braille blank, a variation selector), control characters, bidi overrides and isolates.
INVISIBLE_TEXTS = ["\u200b\u200b", "\u200c\u200d", "\u2060", "\ufeff", "\u00ad", "\u3164", "\u115f\u1160", "\uffa0"]
INVISIBLE_TEXTS += [" \u2800 ", "\ufe0f", "\U000e0020"]
HIDDEN_TEXTS = ["a\u202eb", "a\u202ab", "a\u2066b\u2069", "a\u001b[31m", "a\u0007", "a\u007fb", "a\u0085b", "a\u009bb"]
BAD_TEXTS: list[Any] = [
    *["", "   ", "\n\t", "a\u0000b", "a\ud800b", "\udfff", 42, True, ["a"], {"a": "b"}],
    *INVISIBLE_TEXTS,
    *HIDDEN_TEXTS,
]

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
    "image/png",
]


def _with(body: dict, **changes: Any) -> dict:
    return {**body, **changes}


def _body_route_cases() -> list[Bad]:
    cases: list[Bad] = []
    for (method, route), valid in BODY_ROUTES.items():
        name = route if method == "POST" else f"{method} {route}"
        cases += _body_cases(name, method, route, valid)
    return cases


def _body_cases(name: str, method: str, route: str, valid: dict) -> list[Bad]:
    cases: list[Bad] = []
    for raw in BROKEN_JSON:
        cases.append(
            Bad(f"{name} broken JSON {raw[:24]!r}", method, route, raw_body=raw, status=400, code="invalid_json")
        )
    for raw in NOT_AN_OBJECT:
        cases.append(Bad(f"{name} not an object {raw!r}", method, route, raw_body=raw, code="validation_error"))
    cases += [
        Bad(f"{name} unknown field", method, route, _with(valid, extra=True), code="validation_error"),
        Bad(
            f"{name} user id in the body",
            method,
            route,
            _with(valid, user_id="someone-else"),
            code="validation_error",
        ),
        Bad(f"{name} long unknown field", method, route, _with(valid, **{"k" * 10_000: 1}), code="validation_error"),
        Bad(
            f"{name} lone surrogate field name",
            method,
            route,
            raw_body=json.dumps(valid)[:-1] + ', "\\ud800": 1}',
            code="validation_error",
        ),
        Bad(
            f"{name} body over the limit",
            method,
            route,
            _with(valid, pad="x" * 70_000),
            status=413,
            code="body_too_large",
        ),
        Bad(
            f"{name} Hangul body over the limit in bytes",
            method,
            route,
            _with(valid, pad="가" * 25_000),
            status=413,
            code="body_too_large",
        ),
        Bad(f"{name} no identity", method, route, valid, identity=None, status=401, code="unauthorized"),
        Bad(f"{name} blank sub", method, route, valid, identity="   ", status=401, code="unauthorized"),
        Bad(f"{name} sub with NUL", method, route, valid, identity="a\u0000b", status=401, code="unauthorized"),
        Bad(
            f"{name} sub with a lone surrogate",
            method,
            route,
            valid,
            identity="\ud800",
            status=401,
            code="unauthorized",
        ),
        Bad(f"{name} sub too long", method, route, valid, identity="s" * 129, status=401, code="unauthorized"),
        Bad(
            f"{name} spoofed x-user-id only",
            method,
            route,
            valid,
            identity=None,
            headers={"x-user-id": "someone"},
            status=401,
            code="unauthorized",
        ),
        *[
            Bad(f"{name} as {other}", other, route, valid, status=405, code="method_not_allowed")
            for other in BODY_METHODS
            if other != method
        ],
        Bad(
            f"{name} bad Idempotency-Key",
            method,
            route,
            valid,
            headers={"idempotency-key": "has space"},
            status=400,
            code="invalid_idempotency_key",
        ),
        Bad(
            f"{name} Idempotency-Key too long",
            method,
            route,
            valid,
            headers={"idempotency-key": "k" * 129},
            status=400,
            code="invalid_idempotency_key",
        ),
        Bad(
            f"{name} Idempotency-Key in Hangul",
            method,
            route,
            valid,
            headers={"idempotency-key": "한글키"},
            status=400,
            code="invalid_idempotency_key",
        ),
        Bad(
            f"{name} broken JSON without content-type",
            method,
            route,
            raw_body="{",
            drop_headers=("content-type",),
            status=400,
            code="invalid_json",
        ),
        Bad(
            f"{name} unknown field without content-type",
            method,
            route,
            _with(valid, extra=1),
            drop_headers=("content-type",),
            code="validation_error",
        ),
    ]
    for content_type in ODD_CONTENT_TYPES:
        cases.append(
            Bad(
                f"{name} content-type {content_type}",
                method,
                route,
                valid,
                headers={"content-type": content_type},
                status=415,
                code="unsupported_media_type",
            )
        )
    for label, (raw, status, code) in BASE64.items():
        cases.append(
            Bad(f"{name} base64 {label}", method, route, raw_body=raw, base64_body=True, status=status, code=code)
        )
    date_field = DATE_FIELDS.get(route)
    for value in BAD_DATE_VALUES if date_field else []:
        body = _with(valid, **{date_field: value})
        if route == "/images":
            body = {"date": value}
        cases.append(Bad(f"{name} {date_field}={value!r:.30}", method, route, body, code="validation_error"))
    text_field, required = TEXT_FIELDS.get(route, (None, False))
    if text_field:
        base = {text_field: "x"} if route == "/images" else valid
        for value in BAD_TEXTS:
            body = _with(base, **{text_field: value})
            cases.append(Bad(f"{name} {text_field}={value!r:.30}", method, route, body, code="validation_error"))
        if required:  # without `text`, the valid /images body draws its `date`; an edit may leave it
            cases.append(
                Bad(
                    f"{name} {text_field} missing",
                    method,
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
    # Days the schema takes (to 2100) but no one's today: past the service's tomorrow.
    *[
        Bad(f"/records dated {day}", "POST", "/records", {"content": "x", "record_date": day}, code="future_date")
        for day in ("2030-01-01", "2100-12-31")
    ],
    Bad("PATCH a record to 2030", "PATCH", "/records/{rid}", {"record_date": "2030-01-01"}, code="future_date"),
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
    Bad("GET /diaries no identity", "GET", f"/diaries/{DAY}", identity=None, status=401, code="unauthorized"),
    *[
        Bad(f"/diaries overwrite={raw}", "POST", "/diaries", raw_body=f'{{"date": "{DAY}", "overwrite": {raw}}}')
        for raw in ['"true"', "1", "null", "[true]"]
    ],
    Bad(
        "/diaries over the user's own diary",
        "POST",
        "/diaries",
        {"date": EDITED_DAY},
        status=409,
        code="diary_edited",
    ),
    Bad(
        "/diaries over the user's own diary, overwrite false",
        "POST",
        "/diaries",
        {"date": EDITED_DAY, "overwrite": False},
        status=409,
        code="diary_edited",
    ),
]

BAD_PATH_DATES = [
    "2026-02-30",
    "2026-W48-3",
    "0001-01-01",
    "..%2f..%2fetc%2fpasswd",
    "2026-11-25%00",
    "x" * 3000,
    "2026-11-25'%20OR%20'1'%3D'1",
]
OWN_DIARY = {"title": "내 일기", "content": "내가 쓴 일기", "tags": ["여행"]}
PUT_DIARY = f"/diaries/{EMPTY_DAY}"
OWN_DIARY_CASES = [
    *[
        Bad(f"PUT /diaries/{value[:30]}", "PUT", f"/diaries/{value}", OWN_DIARY, status=400, code="invalid_parameter")
        for value in BAD_PATH_DATES
    ],
    *[
        Bad(f"DELETE /diaries/{value[:30]}", "DELETE", f"/diaries/{value}", status=400, code="invalid_parameter")
        for value in BAD_PATH_DATES
    ],
    Bad("PUT /diaries content missing", "PUT", PUT_DIARY, {"title": "t"}),
    Bad("PUT /diaries content over 20 000 characters", "PUT", PUT_DIARY, _with(OWN_DIARY, content="x" * 20_001)),
    Bad("PUT /diaries title over 200 characters", "PUT", PUT_DIARY, _with(OWN_DIARY, title="x" * 201)),
    *[
        Bad(f"PUT /diaries tags={value!r:.30}", "PUT", PUT_DIARY, _with(OWN_DIARY, tags=value))
        for value in [
            "여행",
            None,
            {"a": "b"},
            [f"t{i}" for i in range(11)],
            ["x" * 31],
            [""],
            ["  "],
            [1],
            [None],
            ["a\u0000b"],
            ["\ud800"],
            [["nested"]],
            ["\u200b"],
            ["\u3164"],
            ["a\u202eb"],
            ["a\u0007"],
        ]
    ],
    Bad("DELETE /diaries of a day without one", "DELETE", f"/diaries/{EMPTY_DAY}", status=404, code="not_found"),
    Bad("DELETE /diaries no identity", "DELETE", f"/diaries/{DAY}", identity=None, status=401, code="unauthorized"),
    Bad("DELETE /diaries (no date)", "DELETE", "/diaries", status=405, code="method_not_allowed"),
]


def _cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


NIL = "00000000-0000-0000-0000-000000000000"


def _bad_limits(route: str, maximum: int, **query: str) -> list[Bad]:
    return [
        Bad(
            f"GET {route} limit={value!r:.30}",
            "GET",
            route,
            query={**query, "limit": value},
            status=400,
            code="invalid_parameter",
        )
        for value in ["0", "-1", str(maximum + 1), "9" * 5000, "abc", "1e3", "", "５", "\u0000"]
    ]


def _bad_cursors(route: str, *good_shape: str, **query: str) -> list[Bad]:
    """Cursors of `route` that this API never wrote; `good_shape`: a key of the right length, wrong parts."""
    return [
        Bad(f"GET {route} cursor {label}", "GET", route, query={**query, "cursor": cursor}, status=status, code=code)
        for label, cursor, status, code in [
            ("over 512 characters", "x" * 513, 400, "invalid_parameter"),
            ("not base64", "%%%", 422, "invalid_cursor"),
            ("SQL", "' OR 1=1 --", 422, "invalid_cursor"),
            ("a string", _cursor("abc"), 422, "invalid_cursor"),
            ("numbers", _cursor([1] * len(good_shape)), 422, "invalid_cursor"),
            ("one part too many", _cursor([*good_shape, "x"]), 422, "invalid_cursor"),
            ("wrong parts", _cursor(list(good_shape)), 422, "invalid_cursor"),
        ]
    ]


SEARCH_CASES = [
    Bad("GET /records q empty", "GET", "/records", query={"q": ""}, status=400, code="invalid_parameter"),
    Bad("GET /records q lone surrogate", "GET", "/records", query={"q": "\ud800"}, status=400),
    Bad("GET /records q over 200", "GET", "/records", query={"q": "영화" * 101}, status=400, code="invalid_parameter"),
    Bad(
        "GET /records q with a cursor",
        "GET",
        "/records",
        query={"q": "영화", "cursor": "x"},
        status=400,
        code="invalid_parameter",
    ),
    Bad("GET /records q with from only", "GET", "/records", query={"q": "영화", "from": DAY}, status=400),
    Bad(
        "GET /records q with a bad date",
        "GET",
        "/records",
        query={"q": "영화", "date": "2026-02-30"},
        status=400,
        code="invalid_parameter",
    ),
    Bad("GET /records q no identity", "GET", "/records", query={"q": "영화"}, identity=None, status=401),
]

DIARY_LIST_CASES = [
    Bad(
        "GET /diaries to before from", "GET", "/diaries", query={"from": "2026-11-26", "to": DAY}, code="invalid_range"
    ),
    *[
        Bad(f"GET /diaries {name}={value!r:.20}", "GET", "/diaries", query={name: value}, status=400)
        for name in ("from", "to")
        for value in ["2026-02-30", "20261125", "2026-W48-3", "9999-12-31", "' OR 1=1"]
    ],
    *[
        Bad(f"GET /diaries tag={value!r:.20}", "GET", "/diaries", query={"tag": value}, status=400)
        for value in ["", " ", "x" * 31, "a\u0000b", "\u200b", "\u3164", "a\u202eb", "a\u001b"]
    ],
    *_bad_limits("/diaries", 100),
    *_bad_cursors("/diaries", "not a date"),
    Bad("GET /diaries no identity", "GET", "/diaries", identity=None, status=401, code="unauthorized"),
]

INSIGHT_CASES = [
    Bad(
        "GET /insights to before from",
        "GET",
        "/insights",
        query={"from": "2026-11-26", "to": DAY},
        status=400,
        code="invalid_range",
    ),
    Bad(
        "GET /insights over 3 years",
        "GET",
        "/insights",
        query={"from": "2020-01-01", "to": DAY},
        status=400,
        code="range_too_long",
    ),
    *[
        Bad(
            f"GET /insights {name}={value!r:.20}",
            "GET",
            "/insights",
            query={name: value},
            status=400,
            code="invalid_parameter",
        )
        for name in ("from", "to")
        for value in ["2026-02-30", "20261125", "2026-W48-3", "1899-12-31", "' OR 1=1", ""]
    ],
    Bad("GET /insights no identity", "GET", "/insights", identity=None, status=401, code="unauthorized"),
    Bad("POST /insights", "POST", "/insights", {}, status=405, code="method_not_allowed"),
    Bad("GET /prompts/today no identity", "GET", "/prompts/today", identity=None, status=401, code="unauthorized"),
    Bad("DELETE /prompts/today", "DELETE", "/prompts/today", status=405, code="method_not_allowed"),
]

IMAGE_LIST_CASES = [
    *_bad_limits("/images", 100),
    *_bad_cursors("/images", "2026-11-25T00:00:00+20:00", NIL),
    Bad("GET /images no identity", "GET", "/images", identity=None, status=401, code="unauthorized"),
]

ME_CASES = [
    Bad("GET /me/export no identity", "GET", "/me/export", identity=None, status=401, code="unauthorized"),
    Bad("DELETE /me no identity", "DELETE", "/me", identity=None, status=401, code="unauthorized"),
    Bad("DELETE /me with a blank sub", "DELETE", "/me", identity="  ", status=401, code="unauthorized"),
    Bad("GET /me", "GET", "/me", status=405, code="method_not_allowed"),
    Bad("POST /me", "POST", "/me", {}, status=405, code="method_not_allowed"),
    Bad("DELETE /me/export", "DELETE", "/me/export", status=405, code="method_not_allowed"),
    Bad("an export that does not exist", "GET", f"/me/exports/{NIL}", status=404, code="not_found"),
    Bad("POST /me/import no identity", "POST", "/me/import", {}, identity=None, status=401, code="unauthorized"),
    Bad("GET /me/import", "GET", "/me/import", status=405, code="method_not_allowed"),
    Bad("POST /me/import of something else", "POST", "/me/import", {"content": "x"}, code="not_an_export"),
    Bad(
        "POST /me/import of a later version",
        "POST",
        "/me/import",
        {"format": "diary-export", "version": 99},
        code="unsupported_version",
    ),
    Bad(
        "POST /me/import of an export missing its parts",
        "POST",
        "/me/import",
        {"format": "diary-export", "version": 1},
        code="invalid_document",
    ),
    Bad("POST /me/import of an array", "POST", "/me/import", [1, 2], code="validation_error"),
    Bad("POST /me/import not JSON", "POST", "/me/import", raw_body="{format", status=400, code="invalid_json"),
    Bad("an import that does not exist", "GET", f"/me/imports/{NIL}", status=404, code="not_found"),
    Bad("start an import that does not exist", "POST", f"/me/imports/{NIL}/start", {}, status=404, code="not_found"),
    Bad("GET /me/imports", "GET", "/me/imports", status=405, code="method_not_allowed"),
    Bad("POST /me/imports no identity", "POST", "/me/imports", {}, identity=None, status=401, code="unauthorized"),
]

LIST_CASES = [
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

ID_ROUTES = [
    ("DELETE", "/records/{}"),
    ("PATCH", "/records/{}"),
    ("GET", "/reports/{}"),
    ("DELETE", "/reports/{}"),
    ("GET", "/images/{}"),
    ("DELETE", "/images/{}"),
    ("GET", "/me/exports/{}"),
    ("GET", "/me/imports/{}"),
    ("POST", "/me/imports/{}/start"),
]
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
    Bad("DELETE another user's report", "DELETE", "/reports/{other_report}", status=404, code="not_found"),
    Bad("DELETE a report that does not exist", "DELETE", f"/reports/{NIL}", status=404, code="not_found"),
    Bad("PATCH another user's record", "PATCH", "/records/{other_rid}", {"content": "내 것"}, status=404),
    Bad("PATCH a record that does not exist", "PATCH", f"/records/{NIL}", {"content": "x"}, status=404),
    Bad("PATCH a record with nothing to change", "PATCH", "/records/{rid}", {}, code="validation_error"),
    Bad(
        "PATCH a record with both null",
        "PATCH",
        "/records/{rid}",
        {"content": None, "record_date": None},
        code="validation_error",
    ),
    Bad("PATCH a record over 4000 characters", "PATCH", "/records/{rid}", {"content": "가" * 4001}),
    Bad("GET an image that does not exist", "GET", f"/images/{NIL}", status=404, code="not_found"),
    Bad("DELETE an image that does not exist", "DELETE", f"/images/{NIL}", status=404, code="not_found"),
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

# What a Lambda authorizer (REST) may put in the context: its values are strings, numbers or booleans.
ODD_AUTHORIZERS = [
    {"claims": '{"sub": "someone"}'},
    {"jwt": "eyJhbGciOiJIUzI1NiJ9.e30.x"},
    {"jwt": {"claims": '{"sub": "someone"}'}},
    {"claims": ["someone"]},
    {"claims": {"sub": 42}},
    {"claims": {}},
    {"principalId": "someone", "sub": "someone", "integrationLatency": 12},
    "someone",
    ["someone"],
]

OTHER_CASES = [
    *[
        Bad(
            f"authorizer {authorizer!r:.40}",
            "GET",
            "/records",
            query={"date": DAY},
            identity=None,
            authorizer=authorizer,
            status=401,
            code="unauthorized",
        )
        for authorizer in ODD_AUTHORIZERS
    ],
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
        *_body_route_cases(),
        *RECORD_CASES,
        *DIARY_CASES,
        *OWN_DIARY_CASES,
        *LIST_CASES,
        *SEARCH_CASES,
        *DIARY_LIST_CASES,
        *IMAGE_LIST_CASES,
        *INSIGHT_CASES,
        *ME_CASES,
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


@pytest.fixture(scope="module", autouse=True)
def _limits_out_of_the_way() -> Iterator[None]:
    """One user sends this catalogue's hundreds of requests, many to routes that call a model."""
    with limits.out_of_the_way():
        yield


@pytest.fixture(scope="module")
def world(test_database: str) -> dict[str, str]:
    """A caller with records, the model's diary and the user's own, and a completed report; another
    user with a record and a report."""
    caller, other = f"catalogue-{uuid.uuid4()}", f"catalogue-other-{uuid.uuid4()}"
    [rid] = jot(caller, DAY, "친구랑 영화 봤어, 행복했어")
    jot(caller, EDITED_DAY, "산책했어")
    assert call("POST", "/diaries", {"date": DAY}, user=caller).status == 201
    own = {"title": "산책", "content": "내가 쓴 산책 일기", "tags": ["산책"]}
    assert call("PUT", f"/diaries/{EDITED_DAY}", own, user=caller).status == 201
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
    if case.authorizer is not None:
        event["requestContext"]["authorizer"] = case.authorizer
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
    A body is parsed the same way from both, so a body route's body cases run in the 2.0 shape only."""
    return bool(
        case.identity != "caller"
        or case.authorizer is not None
        or case.headers
        or case.drop_headers
        or case.base64_body
        or case.query
        or (case.method, case.path) not in BODY_ROUTES
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
    ("SQL in an unknown parameter", {"date": DAY, "filter": "' OR 1=1; DROP TABLE records; --"}),
    ("SQL in a search", {"q": "영화' OR 1=1; DROP TABLE records; --"}),
    ("a search for another user's words", {"q": "영화 남의 기록"}),
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


def _upper_case(event: dict[str, Any]) -> None:
    # Media types are case-insensitive (RFC 9110); Powertools alone compares them exactly.
    event["headers"]["content-type"] = "Application/JSON; Charset=UTF-8"
    if "multiValueHeaders" in event:
        event["multiValueHeaders"]["content-type"] = ["Application/JSON; Charset=UTF-8"]


def _base64(event: dict[str, Any]) -> None:
    event.update(isBase64Encoded=True, body=base64.b64encode(event["body"].encode()).decode())


@pytest.mark.parametrize(
    "label, mutate",
    [
        ("no content-type", _no_content_type),
        ("content-type with a charset", _charset),
        ("content-type in upper case", _upper_case),
        ("valid base64", _base64),
    ],
    ids=["no content-type", "charset", "upper case", "valid base64"],
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
