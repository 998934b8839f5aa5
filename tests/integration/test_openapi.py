"""GET /openapi.json documents what each route answers: its success status and body, and every
failure with the error body, checked against the statuses the bad-input catalogue provokes."""

from __future__ import annotations

import json
import re
import urllib.parse
import uuid
from typing import Any

import jsonschema

from handler.api.errors import ErrorBody
from tests.integration.test_bad_input_catalogue import CASES
from tests.support.requests import call

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def _document() -> dict:
    reply = call("GET", "/openapi.json")
    assert reply.status == 200
    return reply.body


def _operation(document: dict, method: str, path: str) -> dict | None:
    for template, operations in document["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path.split("?")[0]):
            return operations.get(method.lower())
    return None


def test_every_status_the_catalogue_provokes_is_documented_for_its_route():
    document = _document()
    undocumented = []
    checked = 0
    for case in CASES:
        operation = _operation(document, case.method, case.path)
        if operation is None:  # an unknown route or method: the 404 and 405 of no route
            continue
        for status in {case.status} if isinstance(case.status, int) else case.status:
            checked += 1
            if str(status) not in operation["responses"]:
                undocumented.append((case.name, case.method, case.path, status))
    assert checked > 100
    assert undocumented == []


def test_successes_and_failures_are_documented_with_their_bodies():
    document = _document()
    paths = document["paths"]
    successes = {
        ("post", "/records"): ("201", "Record"),
        ("get", "/records"): ("200", "RecordPage"),
        ("post", "/diaries"): ("201", "Diary"),
        ("post", "/images"): ("201", "Image"),
        ("post", "/reports"): ("202", "Report"),
        ("get", "/reports/{report_id}"): ("200", "Report"),
        ("post", "/agent"): ("200", "AgentReply"),
    }
    for (method, path), (status, model) in successes.items():
        responses = paths[path][method]["responses"]
        assert responses[status]["content"]["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{model}"
        }, (method, path)
        assert not {"200", "201", "202", "204"} - {status} & set(responses), (method, path, sorted(responses))
    assert not paths["/records/{record_id}"]["delete"]["responses"]["204"].get("content")
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == ERROR_REF, (method, path, status)
    # Powertools' own 422 body is never what this API answers.
    assert "HTTPValidationError" not in json.dumps(document)


def test_an_error_answer_matches_the_documented_error_body(user):
    reply = call("POST", "/records", {"content": ""}, user=user)
    assert reply.status == 422
    parsed = ErrorBody.model_validate(reply.body)
    assert parsed.error.code == "validation_error" and parsed.error.details


# --- the document says what the API accepts ----------------------------------------------------
#
# Every catalogue case the API refuses for its shape (a body failing validation: 422
# `validation_error`; a query or path parameter: 400 `invalid_parameter`) must be refused by the
# document too, checked with a JSON Schema validator of its own (jsonschema, as a generated client
# would). Left out, each for a reason the document cannot carry:
# - a lone surrogate ("a\ud800b"): not a Unicode scalar value, so no JSON Schema keyword can name it
#   (RFC 8259 leaves such strings' meaning to the receiver; this one refuses them);
# - rules across the parameters of GET /records (`date`, or `from` with `to`; no `cursor` with `q`):
#   they are in the operation's description.
SHAPE_CODES = {422: "validation_error", 400: "invalid_parameter"}
ACROSS_FIELDS = {
    "GET /records from without to",
    "GET /records to without from",
    "GET /records date and a range",
    "GET /records q with from only",
    "GET /records q with a cursor",
}


def _validator(document: dict, schema: dict) -> jsonschema.Draft202012Validator:
    # `components` at the root, so that the document's "#/components/schemas/..." refs resolve.
    return jsonschema.Draft202012Validator(
        {**schema, "components": document["components"]}, format_checker=jsonschema.FormatChecker()
    )


def _has_lone_surrogate(value: Any) -> bool:
    text = json.dumps(value, ensure_ascii=False)
    return any(0xD800 <= ord(char) < 0xE000 for char in text)


def _operation_and_path_values(document: dict, method: str, path: str) -> tuple[dict, dict[str, str]] | None:
    for template, operations in document["paths"].items():
        pattern = re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        match = re.fullmatch(pattern, path)
        if match and method.lower() in operations:
            values = {name: urllib.parse.unquote(value) for name, value in match.groupdict().items()}
            return operations[method.lower()], values
    return None


def _document_refuses(document: dict, case, world: dict[str, str]) -> bool:
    path = case.path.format(**world) if "{" in case.path else case.path
    found = _operation_and_path_values(document, case.method, path)
    assert found, f"{case.method} {path}: no operation in the document"
    operation, given_path = found
    given = {"path": given_path, "query": case.query or {}}
    for parameter in operation.get("parameters", []):
        value = given.get(parameter["in"], {}).get(parameter["name"])
        if value is not None and not _validator(document, parameter["schema"]).is_valid(value):
            return True
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return body is not None and not _validator(document, body).is_valid(case.body)


def _refused_for_its_shape(case) -> bool:
    if case.raw_body is not None or case.headers or case.identity != "caller" or case.authorizer is not None:
        return False
    if not isinstance(case.status, int) or case.status not in SHAPE_CODES:
        return False
    return case.code in (None, SHAPE_CODES[case.status])


def test_the_document_refuses_what_the_api_refuses_for_its_shape():
    document = _document()
    # Placeholders of the catalogue's world, filled with ids of the right shape.
    world = {name: str(uuid.uuid4()) for name in ("rid", "other_rid", "other_report")}
    checked, accepted_by_the_document = 0, []
    for case in filter(_refused_for_its_shape, CASES):
        if case.name in ACROSS_FIELDS or _has_lone_surrogate([case.body, case.query, case.path]):
            continue
        checked += 1
        if not _document_refuses(document, case, world):
            accepted_by_the_document.append(case.name)
    assert checked > 300
    assert accepted_by_the_document == []


def test_the_document_accepts_the_bodies_the_api_accepts():
    from tests.integration.test_bad_input_catalogue import BODY_ROUTES

    document = _document()
    for (method, route), body in BODY_ROUTES.items():
        template = re.sub(r"/(\{rid\}|[0-9]{4}-[0-9]{2}-[0-9]{2})$", lambda m: "/{id}", route)
        operation = next(
            operations[method.lower()]
            for path, operations in document["paths"].items()
            if re.sub(r"\{[^}]+\}", "{id}", path) == template and method.lower() in operations
        )
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert _validator(document, schema).is_valid(body), (method, route, body)
    # Both halves of POST /images' oneOf, and neither or both refused.
    images = document["paths"]["/images"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    check = _validator(document, images)
    assert check.is_valid({"date": "2026-11-25"}) and check.is_valid({"text": "바다", "date": None})
    assert not check.is_valid({}) and not check.is_valid({"date": "2026-11-25", "text": "바다"})


def test_every_route_that_calls_a_model_documents_its_429():
    """The per-user limits (handler.logic.quotas) answer 429 on exactly these routes, and the error
    body names the limit."""
    document = _document()
    limited = {
        (path, method)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "429" in operation["responses"]
    }
    assert limited == {
        ("/agent", "post"),
        ("/diaries", "post"),
        ("/questions", "post"),
        ("/images", "post"),
        ("/reports", "post"),
        # No model, but the day's photos and their bytes (handler.logic.quotas.admit_photo).
        ("/records/{record_id}/photos", "post"),
    }
    limit = document["components"]["schemas"]["ErrorDetail"]["properties"]["limit"]
    assert {
        "type": "string",
        "enum": ["model_calls", "pictures", "tokens", "rate", "photos", "photo_bytes"],
    } in limit["anyOf"]
