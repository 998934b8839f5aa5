"""Property-based fuzzing of every route with Hypothesis, through `handler.app.lambda_handler`.

Bodies are generated from the JSON schema of the route's pydantic request model (handler/api/
schemas.py), then some are bent: a field swapped for arbitrary JSON, a field dropped, a key added,
the whole body replaced by arbitrary JSON or by text that is not JSON. Queries, path parameters,
headers (Idempotency-Key, content-type) and the event shape (2.0 or 1.0) are drawn too. For every
example: no 5xx; a 2xx has the route's status and parses as the route's response model; a 4xx has
the error shape; the body is valid UTF-8 JSON.

Bounded: FUZZ_EXAMPLES (default 100) examples per route, derandomized so CI runs the same examples
each time; set HYPOTHESIS_SEED_RANDOM=1 to explore new ones. Counts go to the run's summary.

Why Hypothesis and not schemathesis against GET /openapi.json: this drives `lambda_handler` with real
API Gateway events in-process (no HTTP shim to write and trust), checks this service's own error
shape and per-route models, and adds one pinned package; schemathesis would check conformance to
an OpenAPI document that describes Powertools' default 422 body rather than the service's errors,
and brings a large dependency tree next to the pinned runtime. hypothesis-jsonschema (0.23.1, the
latest) does not run with this Hypothesis, so `from_schema` below covers the subset of JSON Schema
pydantic emits for the request models.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter

from handler.api.schemas import (
    AgentRequest,
    DiaryEdit,
    NewDiary,
    NewImage,
    NewPhoto,
    NewQuestion,
    NewRecord,
    NewReport,
    NewVoiceNote,
    RecordEdit,
)
from handler.models import (
    AgentReply,
    DayPrompt,
    Diary,
    DiaryPage,
    Erasure,
    Export,
    Image,
    ImagePage,
    Import,
    ImportDocument,
    ImportUpload,
    Insights,
    PhotoUpload,
    QuestionAnswer,
    Record,
    RecordPage,
    Report,
    ReportList,
    Usage,
    UserData,
    VoiceNote,
    VoiceNoteUpload,
)
from tests import tally
from tests.support import limits
from tests.support.requests import call, http_event, invoke_raw, jot

SECTION = "fuzz"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written to .hypothesis/; a failure prints its example
    derandomize=not os.environ.get("HYPOTHESIS_SEED_RANDOM"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The fuzzed user's days: records on each, a diary on DIARY_DAY.
DAYS = [dt.date(2026, 11, d) for d in (23, 24, 25, 26)]
DIARY_DAY = dt.date(2026, 11, 25)

# --- strategies -------------------------------------------------------------------------------

dates = st.one_of(
    st.sampled_from(DAYS),  # days with records (and a diary)
    st.dates(dt.date(2026, 11, 1), dt.date(2026, 12, 31)),
    st.dates(dt.date(1899, 12, 25), dt.date(1900, 1, 5)),  # the accepted range's edges
    st.dates(dt.date(2100, 12, 25), dt.date(2101, 1, 5)),
    st.dates(),
).map(dt.date.isoformat)
odd_text = st.text(st.characters(categories=["Cc", "Cs", "Zs", "Lo", "So", "Nd"]), max_size=12)
texts = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1, max_size=30),  # Hangul
    st.sampled_from(["오늘 영화 봤어", "일기 써줘", "어제 뭐 했어?", "지난주 감정 리포트", "그림 그려줘", "yesterday"]),
    odd_text,  # NUL, lone surrogates, other controls
)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), odd_text, dates)
any_json = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12,
)


def from_schema(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """Values valid for the subset of JSON Schema pydantic emits for the request models."""
    defs = defs if defs is not None else schema.get("$defs", {})
    if "$ref" in schema:
        return from_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in schema:
        return st.one_of([from_schema(option, defs) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date":
            return dates
        limit = schema.get("maxLength")
        at_the_limit = [st.integers(limit - 2, limit + 2).map(lambda n: "가" * n)] if limit else []
        return st.one_of(texts, *at_the_limit)
    if kind == "number":
        return st.one_of(
            st.floats(schema.get("minimum"), schema.get("maximum")),
            st.floats(),  # outside the bounds too: NaN, infinities
        )
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {name: from_schema(sub, defs) for name, sub in properties.items() if name in required},
            optional={name: from_schema(sub, defs) for name, sub in properties.items() if name not in required},
        )
    return any_json


@st.composite
def bent(draw: st.DrawFn, valid: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A valid body with one thing wrong: a field of the wrong kind, dropped, or one key too many."""
    body = dict(draw(valid))
    how = draw(st.sampled_from(["swap", "drop", "extra"]))
    if how == "swap" and body:
        body[draw(st.sampled_from(sorted(body)))] = draw(any_json)
    elif how == "drop" and body:
        body.pop(draw(st.sampled_from(sorted(body))))
    else:
        body[draw(st.sampled_from(["user_id", "id", "extra", "__proto__"]) | st.text(max_size=8))] = draw(any_json)
    return body


def bodies(model: type[BaseModel]) -> st.SearchStrategy[str]:
    valid = from_schema(model.model_json_schema())
    as_json = st.one_of(valid, valid, bent(valid), any_json).map(lambda value: json.dumps(value, ensure_ascii=False))
    return st.one_of(as_json, as_json, as_json, st.text(max_size=60))  # mostly JSON, some not


idempotency_keys = st.one_of(st.sampled_from(["fuzz-1", "fuzz-2"]), st.text(max_size=12), st.uuids().map(str))
content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", ""]
)
shapes = st.sampled_from(["2.0", "1.0"])


@st.composite
def post_headers(draw: st.DrawFn) -> dict[str, str]:
    headers = {}
    if draw(st.booleans()):
        headers["idempotency-key"] = draw(idempotency_keys)
    if draw(st.integers(0, 4)) == 0:
        headers["content-type"] = draw(content_types)
    return headers


query_values = st.one_of(dates, st.integers(-5, 300).map(str), st.text(max_size=20), odd_text)


@st.composite
def record_queries(draw: st.DrawFn) -> dict[str, str]:
    query = {}
    if draw(st.booleans()):
        query["date"] = draw(dates)
    else:
        for name in ("from", "to"):
            if draw(st.integers(0, 5)):
                query[name] = draw(dates)
    if draw(st.booleans()):
        query["limit"] = draw(st.one_of(st.integers(-2, 202).map(str), query_values))
    if draw(st.integers(0, 3)) == 0:
        query["cursor"] = draw(cursors)
    if draw(st.integers(0, 2)) == 0:
        query["q"] = draw(st.one_of(texts, st.text(max_size=250)))
    for name in draw(st.lists(st.text(min_size=1, max_size=8), max_size=2)):
        query.setdefault(name, draw(query_values))
    return query


cursors = st.one_of(st.text(max_size=40), st.binary(max_size=60).map(lambda b: b.hex()))


@st.composite
def page_queries(draw: st.DrawFn, *names: str) -> dict[str, str]:
    """A paged list's query: `limit`, `cursor`, and the list's own filters (`names`), each maybe."""
    query = {}
    for name in names:
        if draw(st.booleans()):
            query[name] = draw(dates if name in ("from", "to") else st.one_of(texts, query_values))
    if draw(st.booleans()):
        query["limit"] = draw(st.one_of(st.integers(-2, 202).map(str), query_values))
    if draw(st.integers(0, 3)) == 0:
        query["cursor"] = draw(cursors)
    return query


# Never only slashes: a trailing slash is dropped (handler/api/paths.py), so "/reports/" is GET /reports.
path_parts = st.one_of(
    st.uuids().map(str), dates, st.text(max_size=20), odd_text, st.sampled_from(["..", "%2e%2e", "../records"])
).filter(lambda part: part.strip("/"))


# Queries a route does not read (it must ignore them).
ignored_queries = st.dictionaries(st.text(min_size=1, max_size=8), query_values, max_size=3)


# --- routes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    success: int | tuple[int, ...]
    reply_model: Any  # a pydantic model, a TypeAdapter, or None for no body
    body_model: type[BaseModel] | None = None
    path_template: str | None = None  # "/diaries/{}" takes a drawn path part
    query: st.SearchStrategy[dict[str, str]] | None = None

    @property
    def path(self) -> str:
        return self.name.split(" ", 1)[1]


ROUTES = [
    Route("POST /records", "POST", 201, Record, NewRecord),
    Route("POST /diaries", "POST", 201, Diary, NewDiary),
    Route("POST /questions", "POST", 200, QuestionAnswer, NewQuestion),
    Route("POST /images", "POST", 201, Image, NewImage),
    Route("POST /reports", "POST", 202, Report, NewReport),
    Route("POST /agent", "POST", 200, AgentReply, AgentRequest),
    Route("GET /records", "GET", 200, RecordPage, query=record_queries()),
    Route("GET /diaries/{date}", "GET", 200, Diary, path_template="/diaries/{}"),
    Route("DELETE /records/{id}", "DELETE", 204, None, path_template="/records/{}"),
    Route("GET /reports/{id}", "GET", 200, Report, path_template="/reports/{}"),
    Route("GET /reports", "GET", 200, ReportList, query=ignored_queries),
    Route("GET /health", "GET", 200, TypeAdapter(dict[str, str]), query=ignored_queries),
    Route("PATCH /records/{id}", "PATCH", 200, Record, RecordEdit, path_template="/records/{}"),
    Route("GET /diaries", "GET", 200, DiaryPage, query=page_queries("from", "to", "tag")),
    Route("PUT /diaries/{date}", "PUT", (200, 201), Diary, DiaryEdit, path_template="/diaries/{}"),
    Route("DELETE /diaries/{date}", "DELETE", 204, None, path_template="/diaries/{}"),
    Route("GET /images", "GET", 200, ImagePage, query=page_queries()),
    Route("GET /images/{id}", "GET", 200, Image, path_template="/images/{}"),
    Route("DELETE /images/{id}", "DELETE", 204, None, path_template="/images/{}"),
    Route("DELETE /reports/{id}", "DELETE", 204, None, path_template="/reports/{}"),
    Route("GET /me/export", "GET", (200, 202), TypeAdapter(UserData | Export), query=ignored_queries),
    Route("GET /me/exports/{id}", "GET", 200, Export, path_template="/me/exports/{}"),
    Route("GET /me/usage", "GET", 200, Usage, query=ignored_queries),
    Route("POST /records/{id}/photos", "POST", 201, PhotoUpload, NewPhoto, path_template="/records/{}/photos"),
    Route("DELETE /records/{id}/photos/{photo_id}", "DELETE", 204, None, path_template="/records/{0}/photos/{0}"),
    Route("POST /me/import", "POST", (200, 202), Import, ImportDocument),
    Route("GET /me/imports/{id}", "GET", 200, Import, path_template="/me/imports/{}"),
    Route("POST /me/imports", "POST", 201, ImportUpload, query=ignored_queries),
    Route("POST /me/imports/{id}/start", "POST", 202, Import, path_template="/me/imports/{}/start"),
    Route("GET /insights", "GET", 200, Insights, query=page_queries("from", "to")),
    Route("GET /prompts/today", "GET", 200, DayPrompt, query=ignored_queries),
    Route("POST /voice-notes", "POST", 201, VoiceNoteUpload, NewVoiceNote),
    Route("POST /voice-notes/{id}/transcribe", "POST", 202, VoiceNote, path_template="/voice-notes/{}/transcribe"),
    Route("GET /voice-notes/{id}", "GET", 200, VoiceNote, path_template="/voice-notes/{}"),
    # Last: it erases the fuzzed user (the routes before it have run their examples by then).
    Route("DELETE /me", "DELETE", 202, Erasure, query=ignored_queries),
]


def test_every_route_the_app_serves_is_fuzzed():
    """Read from the app's router (tests/support/app_routes.py): a new route gets fuzzed too. Left
    out: GET /openapi.json, which reads nothing from the request."""
    from tests.support.app_routes import served_routes, unnamed

    served = {route.shape for route in served_routes() if route.path != "/openapi.json"}
    assert sorted((route.method, unnamed(route.path)) for route in ROUTES) == sorted(served)


# What an agent reply's `content` is, by its type.
AGENT_CONTENT = {
    "data": Record,
    "answer": QuestionAnswer,
    "diary": Diary,
    "image": Image,
    "report": Report,
    "small_talk": None,
    "failed": None,
}


@pytest.fixture(scope="module", autouse=True)
def _limits_out_of_the_way() -> Iterator[None]:
    """One user receives every fuzzed request, many to routes that call a model."""
    with limits.out_of_the_way():
        yield


@pytest.fixture(scope="module")
def fuzzed_user(test_database: str) -> str:
    user = f"fuzz-{uuid.uuid4()}"
    for day in DAYS:
        jot(user, day.isoformat(), f"{day} 친구랑 영화 봤어, 행복했어")
    assert call("POST", "/diaries", {"date": DIARY_DAY.isoformat()}, user=user).status == 201
    return user


def check(route: Route, response: dict[str, Any]) -> None:
    status, text = response["statusCode"], response.get("body") or ""
    if status >= 500:
        tally.add(SECTION, "5xx")
    assert status < 500, f"{route.name}: {status} {text[:300]}"
    text.encode("utf-8")
    if status < 300:
        wanted = route.success if isinstance(route.success, tuple) else (route.success,)
        assert status in wanted, f"{route.name}: {status}, wanted {wanted}: {text[:300]}"
        if route.reply_model is None:
            assert not text
            return
        adapter = route.reply_model if isinstance(route.reply_model, TypeAdapter) else TypeAdapter(route.reply_model)
        reply = adapter.validate_json(text)
        if isinstance(reply, AgentReply):
            TypeAdapter(AGENT_CONTENT[reply.type]).validate_python(reply.content)
        return
    error = json.loads(text)["error"]
    assert isinstance(error["code"], str) and error["code"], text
    assert isinstance(error["message"], str) and error["message"], text


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
@FUZZ_SETTINGS
@given(data=st.data())
def test_fuzzed_requests_never_5xx_and_match_their_models(route: Route, data, fuzzed_user, aws_services):
    shape = data.draw(shapes, label="shape")
    path = route.path
    if route.path_template:
        path = route.path_template.format(data.draw(path_parts, label="path part"))
    query = data.draw(route.query, label="query") if route.query is not None else None
    raw_body, headers = None, {}
    if route.body_model:
        raw_body = data.draw(bodies(route.body_model), label="body")
        headers = data.draw(post_headers(), label="headers")
    event = http_event(
        route.method, path, user=fuzzed_user, query=query or None, shape=shape, raw_body=raw_body, headers=headers
    )
    tally.add(SECTION, "examples")
    response = invoke_raw(event)
    tally.add(SECTION, f"{response['statusCode'] // 100}xx")
    check(route, response)
