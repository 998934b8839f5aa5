"""The sample API Gateway events in events/ (used by `sam local invoke -e` and the image tests).

events/http-api/ holds HTTP API payload 2.0 events, events/rest-api/ REST API 1.0 proxy events,
one file per route with the same file names in both folders.
"""

import json
import urllib.parse
from pathlib import Path

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, APIGatewayRestResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, APIGatewayProxyEventV2

from tests.support.app_routes import served_routes, unnamed

EVENTS = Path(__file__).resolve().parents[2] / "events"
HTTP_API = EVENTS / "http-api"
REST_API = EVENTS / "rest-api"

USER_A = "3f6c1e2a-8b4d-4c1e-9a7f-2d5b6e8c9a01"
# DELETE /me acts for a user of its own: once a user's erasure is asked for, every other request of
# theirs is refused (410), so the other events' user must not be the one who leaves.
USER_LEAVING = "7c1d9e4b-2f6a-4b8e-8d3c-5a9e1f7b2c64"


def _caller_of(name: str) -> str:
    return USER_LEAVING if name == "me-delete" else USER_A


RECORD_ID = "00000000-0000-4000-8000-000000000000"
REPORT_ID = "00000000-0000-4000-8000-000000000001"
IMAGE_ID = "00000000-0000-4000-8000-000000000002"
EXPORT_ID = "00000000-0000-4000-8000-000000000003"
PHOTO_ID = "00000000-0000-4000-8000-000000000004"
IMPORT_ID = "00000000-0000-4000-8000-000000000005"
VOICE_NOTE_ID = "00000000-0000-4000-8000-000000000005"

# file name -> (method, route resource, concrete path, query, path parameters, body)
EXPECTED = {
    "health": ("GET", "/health", "/health", None, None, None),
    "records-create": (
        "POST",
        "/records",
        "/records",
        None,
        None,
        {"content": "오늘 친구랑 영화 봤어 🎬", "record_date": "2026-11-25"},
    ),
    "records-list": ("GET", "/records", "/records", {"date": "2026-11-25"}, None, None),
    "records-delete": ("DELETE", "/records/{id}", f"/records/{RECORD_ID}", None, {"id": RECORD_ID}, None),
    "diaries-create": ("POST", "/diaries", "/diaries", None, None, {"date": "2026-11-25"}),
    "diaries-get": ("GET", "/diaries/{date}", "/diaries/2026-11-25", None, {"date": "2026-11-25"}, None),
    "agent-data": (
        "POST",
        "/agent",
        "/agent",
        None,
        None,
        {"content": "오늘 점심에 김치찌개 먹었어", "current_date": "2026-11-25"},
    ),
    "agent-diary": (
        "POST",
        "/agent",
        "/agent",
        None,
        None,
        {"content": "오늘 하루 일기 써줘", "current_date": "2026-11-25"},
    ),
    "agent-typed-data": (
        "POST",
        "/agent",
        "/agent",
        None,
        None,
        {"content": "저녁에 산책했어", "current_date": "2026-11-25", "request_type": "data"},
    ),
    "questions-ask": (
        "POST",
        "/questions",
        "/questions",
        None,
        None,
        {"question": "어제 나 무슨 영화 봤어?", "current_date": "2026-11-26"},
    ),
    "images-create": ("POST", "/images", "/images", None, None, {"date": "2026-11-25"}),
    "reports-create": (
        "POST",
        "/reports",
        "/reports",
        None,
        None,
        {"start_date": "2026-11-23", "end_date": "2026-11-29"},
    ),
    "reports-list": ("GET", "/reports", "/reports", None, None, None),
    "reports-get": ("GET", "/reports/{id}", f"/reports/{REPORT_ID}", None, {"id": REPORT_ID}, None),
    "agent-question": (
        "POST",
        "/agent",
        "/agent",
        None,
        None,
        {"content": "어제 나 무슨 영화 봤어?", "current_date": "2026-11-26"},
    ),
    "agent-image": (
        "POST",
        "/agent",
        "/agent",
        None,
        None,
        {"content": "오늘 일기에 어울리는 그림 그려줘", "current_date": "2026-11-25"},
    ),
    "agent-report": (
        "POST",
        "/agent",
        "/agent",
        None,
        None,
        {"content": "이번 주 감정 리포트 만들어줘", "current_date": "2026-11-25"},
    ),
    "openapi": ("GET", "/openapi.json", "/openapi.json", None, None, None),
    "records-edit": (
        "PATCH",
        "/records/{id}",
        f"/records/{RECORD_ID}",
        None,
        {"id": RECORD_ID},
        {"content": "오늘 친구랑 극장에서 영화 봤어 🎬"},
    ),
    "records-search": ("GET", "/records", "/records", {"q": "영화"}, None, None),
    "records-photo-upload": (
        "POST",
        "/records/{id}/photos",
        f"/records/{RECORD_ID}/photos",
        None,
        {"id": RECORD_ID},
        {"content_type": "image/jpeg", "size_bytes": 2481152},
    ),
    "records-photo-delete": (
        "DELETE",
        "/records/{id}/photos/{photo_id}",
        f"/records/{RECORD_ID}/photos/{PHOTO_ID}",
        None,
        {"id": RECORD_ID, "photo_id": PHOTO_ID},
        None,
    ),
    "voice-notes-create": (
        "POST",
        "/voice-notes",
        "/voice-notes",
        None,
        None,
        {"content_type": "audio/webm", "size_bytes": 482133, "record_date": "2026-11-25"},
    ),
    "voice-notes-transcribe": (
        "POST",
        "/voice-notes/{id}/transcribe",
        f"/voice-notes/{VOICE_NOTE_ID}/transcribe",
        None,
        {"id": VOICE_NOTE_ID},
        None,
    ),
    "voice-notes-get": ("GET", "/voice-notes/{id}", f"/voice-notes/{VOICE_NOTE_ID}", None, {"id": VOICE_NOTE_ID}, None),
    "diaries-list": ("GET", "/diaries", "/diaries", {"from": "2026-11-01", "to": "2026-11-30"}, None, None),
    "diaries-put": (
        "PUT",
        "/diaries/{date}",
        "/diaries/2026-11-25",
        None,
        {"date": "2026-11-25"},
        {"title": "극장에 간 날", "content": "친구랑 영화를 봤다. 팝콘이 맛있었다.", "tags": ["영화", "친구"]},
    ),
    "diaries-delete": ("DELETE", "/diaries/{date}", "/diaries/2026-11-25", None, {"date": "2026-11-25"}, None),
    "images-list": ("GET", "/images", "/images", None, None, None),
    "images-get": ("GET", "/images/{id}", f"/images/{IMAGE_ID}", None, {"id": IMAGE_ID}, None),
    "images-delete": ("DELETE", "/images/{id}", f"/images/{IMAGE_ID}", None, {"id": IMAGE_ID}, None),
    "reports-delete": ("DELETE", "/reports/{id}", f"/reports/{REPORT_ID}", None, {"id": REPORT_ID}, None),
    "me-export": ("GET", "/me/export", "/me/export", None, None, None),
    "me-export-status": ("GET", "/me/exports/{id}", f"/me/exports/{EXPORT_ID}", None, {"id": EXPORT_ID}, None),
    "me-delete": ("DELETE", "/me", "/me", None, None, None),
    "me-usage": ("GET", "/me/usage", "/me/usage", None, None, None),
    "me-import": (
        "POST",
        "/me/import",
        "/me/import",
        None,
        None,
        {
            "format": "diary-export",
            "version": 1,
            "exported_at": "2026-11-25T03:15:42Z",
            "records": [
                {
                    "id": "00000000-0000-4000-8000-000000000004",
                    "content": "오늘 친구랑 영화 봤어 🎬",
                    "record_date": "2026-11-25",
                    "created_at": "2026-11-25T03:10:00Z",
                }
            ],
            "diaries": [],
            "reports": [],
            "images": [],
        },
    ),
    "me-import-status": ("GET", "/me/imports/{id}", f"/me/imports/{IMPORT_ID}", None, {"id": IMPORT_ID}, None),
    "me-import-upload": ("POST", "/me/imports", "/me/imports", None, None, {}),
    "me-import-start": (
        "POST",
        "/me/imports/{id}/start",
        f"/me/imports/{IMPORT_ID}/start",
        None,
        {"id": IMPORT_ID},
        {},
    ),
    "insights": ("GET", "/insights", "/insights", {"from": "2026-11-01", "to": "2026-11-30"}, None, None),
    "prompts-today": ("GET", "/prompts/today", "/prompts/today", None, None, None),
}


def _names(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.json")}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


HTTP_FILES = sorted(HTTP_API.glob("*.json"))
REST_FILES = sorted(REST_API.glob("*.json"))


def test_both_folders_hold_the_same_file_names():
    assert HTTP_FILES and REST_FILES
    assert _names(HTTP_API) == _names(REST_API)


def test_every_route_has_an_event():
    missing = set(EXPECTED) - _names(HTTP_API)
    assert not missing, f"no sample event for {sorted(missing)}"


@pytest.mark.parametrize(
    ("folder", "resolver", "route_of"),
    [
        (HTTP_API, "APIGatewayHttpResolver", lambda event: event["routeKey"].split(" ", 1)),
        (REST_API, "APIGatewayRestResolver", lambda event: [event["httpMethod"], event["resource"]]),
    ],
    ids=["http-api", "rest-api"],
)
def test_every_route_the_app_serves_has_a_sample_event_and_every_event_a_route(folder, resolver, route_of):
    """The app's router (read from handler.app, tests/support/app_routes.py) routes each sample to the
    route the sample names, and every route it serves has a sample in this shape."""
    served = served_routes(resolver)
    sampled = set()
    for path in sorted(folder.glob("*.json")):
        event = _load(path)
        method, resource = route_of(event)
        concrete = event["rawPath"] if "rawPath" in event else event["path"]
        # The first route that matches, as Powertools picks it.
        route = next((r for r in served if r.method == method and r.rule.match(concrete)), None)
        assert route is not None, f"{path.name}: the app serves no {method} {concrete}"
        assert route.shape == (method, unnamed(resource)), path.name
        sampled.add(route.shape)
    assert sorted(sampled) == sorted(route.shape for route in served)


@pytest.mark.parametrize("path", HTTP_FILES + REST_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_file_is_utf8_json_with_literal_korean(path: Path):
    text = path.read_bytes().decode("utf-8")
    event = json.loads(text)
    assert isinstance(event, dict)
    # Korean and emoji are written as characters, not \u escapes (in the file and in bodies).
    assert "\\u" not in text
    body = event.get("body")
    if body is not None:
        assert isinstance(body, str)
        assert isinstance(json.loads(body), dict), "body must be a JSON object string"
    assert event["isBase64Encoded"] is False


@pytest.mark.parametrize("path", HTTP_FILES, ids=lambda p: p.name)
def test_http_api_event_shape(path: Path):
    event = _load(path)
    assert event["version"] == "2.0"
    ctx = event["requestContext"]
    assert ctx["authorizer"]["jwt"]["claims"]["sub"] == _caller_of(path.stem)
    assert ctx["stage"] == "$default"
    assert ctx["routeKey"] == event["routeKey"]
    assert ctx["http"]["path"] == event["rawPath"]
    assert event["routeKey"] == f"{ctx['http']['method']} {event['routeKey'].split(' ', 1)[1]}"
    assert isinstance(ctx["timeEpoch"], int) and ctx["requestId"]
    assert ctx["http"]["sourceIp"] and ctx["http"]["userAgent"]
    assert all(name == name.lower() for name in event["headers"]), "HTTP API lower-cases header names"
    if "body" in event:
        assert event["headers"]["content-type"] == "application/json"
        assert event["headers"]["content-length"] == str(len(event["body"].encode("utf-8")))
    query = event.get("queryStringParameters")
    # API Gateway sends the query percent-encoded in rawQueryString, decoded in queryStringParameters.
    assert event["rawQueryString"] == urllib.parse.urlencode(query or {})


@pytest.mark.parametrize("path", REST_FILES, ids=lambda p: p.name)
def test_rest_api_event_shape(path: Path):
    event = _load(path)
    assert "version" not in event or event["version"] == "1.0"
    ctx = event["requestContext"]
    assert ctx["authorizer"]["claims"]["sub"] == _caller_of(path.stem)
    assert ctx["stage"] == "prod"
    assert ctx["httpMethod"] == event["httpMethod"]
    assert ctx["resourcePath"] == event["resource"]
    assert ctx["path"] == f"/prod{event['path']}"
    assert ctx["requestId"] and ctx["identity"]["sourceIp"]
    assert event["multiValueHeaders"] == {k: [v] for k, v in event["headers"].items()}
    query = event["queryStringParameters"]
    multi = event["multiValueQueryStringParameters"]
    assert (query is None) == (multi is None)
    if query is not None:
        assert multi == {k: [v] for k, v in query.items()}
    if event["body"] is not None:
        assert event["headers"]["Content-Type"] == "application/json"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_events_carry_the_route_and_payload(name: str):
    method, resource, path, query, params, body = EXPECTED[name]
    v2 = _load(HTTP_API / f"{name}.json")
    v1 = _load(REST_API / f"{name}.json")

    assert v2["routeKey"] == f"{method} {resource}"
    assert v2["requestContext"]["http"]["method"] == method
    assert v2["rawPath"] == path
    assert v2.get("queryStringParameters") == query
    assert v2.get("pathParameters") == params
    assert (json.loads(v2["body"]) if "body" in v2 else None) == body

    assert v1["httpMethod"] == method
    assert v1["resource"] == resource
    assert v1["path"] == path
    assert v1["queryStringParameters"] == query
    assert v1["pathParameters"] == params
    assert (json.loads(v1["body"]) if v1["body"] is not None else None) == body


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_powertools_reads_http_api_event(name: str):
    method, _, path, query, params, body = EXPECTED[name]
    event = APIGatewayProxyEventV2(_load(HTTP_API / f"{name}.json"))
    assert event.http_method == method
    assert event.path == path
    assert (event.json_body if event.body is not None else None) == body
    assert (event.query_string_parameters or None) == query
    assert event.path_parameters == (params or {})
    assert event.request_context.authorizer.jwt_claim["sub"] == _caller_of(name)
    assert event.headers.get("Content-Type") == ("application/json" if body is not None else None)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_powertools_reads_rest_api_event(name: str):
    method, _, path, query, params, body = EXPECTED[name]
    event = APIGatewayProxyEvent(_load(REST_API / f"{name}.json"))
    assert event.http_method == method
    assert event.path == path
    assert (event.json_body if event.body is not None else None) == body
    assert event.query_string_parameters == (query or {})
    assert event.path_parameters == (params or {})
    assert event.request_context.authorizer.claims["sub"] == _caller_of(name)
    assert event.headers.get("content-type") == ("application/json" if body is not None else None)


def _route_table(resolver):
    """Register one route per (method, resource) that echoes which route matched."""
    routes = {(method, resource) for method, resource, *_ in EXPECTED.values()}
    for method, resource in sorted(routes):
        rule = resource.replace("{", "<").replace("}", ">")

        def view(_resource=resource, **path_params):
            return {"matched": _resource, "path_params": path_params}

        resolver.route(rule, method=method)(view)
    return resolver


@pytest.mark.parametrize(
    ("folder", "resolver_class"),
    [(HTTP_API, APIGatewayHttpResolver), (REST_API, APIGatewayRestResolver)],
    ids=["http-api", "rest-api"],
)
def test_powertools_resolver_routes_each_event(folder: Path, resolver_class):
    resolver = _route_table(resolver_class())
    for name, (_, resource, _, _, params, _) in EXPECTED.items():
        response = resolver.resolve(_load(folder / f"{name}.json"), None)
        assert response["statusCode"] == 200, name
        assert json.loads(response["body"]) == {"matched": resource, "path_params": params or {}}, name
