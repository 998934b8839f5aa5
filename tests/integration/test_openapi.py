"""GET /openapi.json documents what each route answers: its success status and body, and every
failure with the error body, checked against the statuses the bad-input catalogue provokes."""

from __future__ import annotations

import json
import re

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
