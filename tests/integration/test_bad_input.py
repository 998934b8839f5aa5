"""Each kind of bad input gets a clear 4xx in the error shape and stores nothing."""

from __future__ import annotations

import re

import pytest

from tests.support import services
from tests.support.requests import call, http_event, invoke


def _count(db, user) -> int:
    db.execute("SELECT count(*) AS n FROM records WHERE user_id = %s", (user,))
    return db.fetchone()["n"]


@pytest.mark.parametrize(
    "raw_body, status, code",
    [
        ("{not json", 400, "invalid_json"),
        ('{"content": "unterminated', 400, "invalid_json"),
        ("{}", 422, "validation_error"),
        ('{"content": ""}', 422, "validation_error"),
        ('{"content": "   "}', 422, "validation_error"),
        ('{"content": 42}', 422, "validation_error"),
        ('{"content": "a\\u0000b"}', 422, "validation_error"),
        ('{"content": "lone \\ud800 surrogate"}', 422, "validation_error"),
        ('{"content": "ok", "record_date": "2026-13-01"}', 422, "validation_error"),
        ('{"content": "ok", "record_date": "2026-02-30"}', 422, "validation_error"),
        ('{"content": "ok", "record_date": 1764000000}', 422, "validation_error"),
        ('{"content": "ok", "record_date": "0001-01-01"}', 422, "validation_error"),
        ('["content"]', 422, "validation_error"),
        ('{"content": "ok", "extra": true}', 422, "validation_error"),
    ],
)
def test_bad_record_bodies(raw_body, status, code, user, db):
    reply = invoke(http_event("POST", "/records", raw_body=raw_body, user=user))
    assert reply.status == status, reply.body
    assert reply.body["error"]["code"] == code
    assert reply.body["error"]["message"]
    assert _count(db, user) == 0


def test_content_over_the_length_limit(user, db):
    reply = call("POST", "/records", {"content": "가" * 4001}, user=user)
    assert reply.status == 422
    assert _count(db, user) == 0


def test_body_over_the_size_limit_is_413(user, db):
    reply = call("POST", "/records", {"content": "x" * (70 * 1024)}, user=user)
    assert reply.status == 413
    assert reply.body["error"]["code"] == "body_too_large"
    assert _count(db, user) == 0


@pytest.mark.parametrize("shape", ["2.0", "1.0"])
def test_no_identity_is_401_and_stores_nothing(shape, db):
    reply = call("POST", "/records", {"content": "누구세요"}, shape=shape)
    assert reply.status == 401
    assert reply.body["error"]["code"] == "unauthorized"
    db.execute("SELECT count(*) AS n FROM records WHERE content = '누구세요'")
    assert db.fetchone()["n"] == 0


@pytest.mark.parametrize(("shape", "resolver"), [("2.0", "APIGatewayHttpResolver"), ("1.0", "APIGatewayRestResolver")])
def test_every_route_but_the_public_ones_refuses_a_caller_without_identity(shape, resolver):
    """Deny by default, for every route the app's router serves (tests/support/app_routes.py): a new
    route is private unless marked public (handler.api.identity.public)."""
    from tests.support.app_routes import served_routes

    routes = served_routes(resolver)
    assert any(route.public for route in routes)
    for route in routes:
        reply = invoke(http_event(route.method, re.sub(r"\{[^}]+\}", "1", route.path), shape=shape))
        assert (reply.status != 401) is route.public, (route, reply.status)


def test_x_user_id_header_is_ignored_unless_enabled(db):
    reply = call("POST", "/records", {"content": "헤더로 온 사용자"}, headers={"x-user-id": "spoofed"})
    assert reply.status == 401
    assert _count(db, "spoofed") == 0


def test_x_user_id_header_works_when_enabled_for_local_runs(monkeypatch, db):

    monkeypatch.setenv("ALLOW_USER_ID_HEADER", "true")
    services.reload()
    try:
        reply = call("POST", "/records", {"content": "로컬 사용자"}, headers={"x-user-id": "local-dev"})
    finally:
        monkeypatch.delenv("ALLOW_USER_ID_HEADER")
        services.reload()
    assert reply.status == 201
    db.execute("DELETE FROM records WHERE user_id = 'local-dev'")


def test_unknown_path_is_404(user):
    reply = call("GET", "/nothing-here", user=user)
    assert reply.status == 404
    assert reply.body["error"]["code"] == "not_found"


def test_wrong_method_is_405_with_allow(user):
    reply = call("PUT", "/records", {"content": "x"}, user=user)
    assert reply.status == 405
    assert reply.headers["allow"] == "GET, POST"


def test_other_content_type_is_415(user, db):
    reply = invoke(
        http_event("POST", "/records", raw_body="content=x", user=user, headers={"content-type": "text/plain"})
    )
    assert reply.status == 415
    assert _count(db, user) == 0


def test_errors_never_carry_internals(user):
    reply = invoke(http_event("POST", "/records", raw_body='{"content": "ok", "record_date": "x"}', user=user))
    text = str(reply.body)
    assert "Traceback" not in text and "psycopg2" not in text and "SELECT" not in text
