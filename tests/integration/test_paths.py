"""The path a request is routed by: a trailing slash, and a custom domain's base path mapping,
in both event shapes."""

from __future__ import annotations

import pytest

from tests.support import services
from tests.support.requests import http_event, invoke, jot

DAY = "2026-11-25"
SHAPES = ("2.0", "1.0")


@pytest.fixture
def base_path(monkeypatch):
    """The function configured for a custom domain whose API mapping is `/v1`."""
    monkeypatch.setenv("API_BASE_PATH", "/v1")
    services.reload()
    yield "/v1"
    monkeypatch.undo()
    services.reload()


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("path", ["/records/", "/records//"])
def test_a_trailing_slash_routes_as_the_path_without_it(path, shape, user):
    [rid] = jot(user, DAY, "슬래시")
    reply = invoke(http_event("GET", path, user=user, query={"date": DAY}, shape=shape))
    assert reply.status == 200, reply.body
    assert [r["id"] for r in reply.body["items"]] == [rid]
    assert invoke(http_event("GET", "/health/", shape=shape)).status == 200  # public with or without


@pytest.mark.parametrize("shape", SHAPES)
def test_behind_a_base_path_mapping_every_route_is_found(base_path, shape, user):
    [rid] = jot(user, DAY, "기록")  # jot uses no base path: the prefix is only stripped when present
    reply = invoke(http_event("GET", f"{base_path}/records", user=user, query={"date": DAY}, shape=shape))
    assert reply.status == 200, reply.body
    assert [r["id"] for r in reply.body["items"]] == [rid]
    assert invoke(http_event("GET", f"{base_path}/health", shape=shape)).status == 200  # still public
    assert invoke(http_event("GET", f"{base_path}/records", query={"date": DAY}, shape=shape)).status == 401
    wrong = invoke(http_event("PUT", f"{base_path}/records", {"content": "x"}, user=user, shape=shape))
    assert (wrong.status, wrong.body["error"]["code"]) == (405, "method_not_allowed")
    assert invoke(http_event("GET", f"{base_path}/nowhere", user=user, shape=shape)).status == 404


@pytest.mark.parametrize("shape", SHAPES)
def test_without_the_setting_a_base_path_is_not_a_route(shape, user):
    assert invoke(http_event("GET", "/v1/records", user=user, query={"date": DAY}, shape=shape)).status == 404
