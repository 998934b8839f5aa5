"""`make dev` answers CORS as the stack's HTTP API does: the same headers, methods and max age, the
same exposed headers, and the local caller's `X-User-Id` allowed on top."""

from handler.local import dev_server
from tests.support.app_routes import served_routes
from tests.unit.test_template import load_template


def test_cors_matches_the_template():
    api = load_template()["Resources"]["DiaryHttpApi"]["Properties"]["CorsConfiguration"]["Fn::If"][1]
    assert list(dev_server.CORS_ALLOW_HEADERS) == api["AllowHeaders"]
    assert list(dev_server.CORS_ALLOW_METHODS) == api["AllowMethods"]
    assert list(dev_server.CORS_EXPOSE_HEADERS) == api["ExposeHeaders"]
    assert api["MaxAge"] == dev_server.CORS_MAX_AGE_S


def test_the_local_identity_header_is_allowed_only_here():
    api = load_template()["Resources"]["DiaryHttpApi"]["Properties"]["CorsConfiguration"]["Fn::If"][1]
    # The deployed API identifies the caller by its JWT: X-User-Id is never allowed there.
    assert "x-user-id" not in api["AllowHeaders"]
    assert "x-user-id" in dev_server.PREFLIGHT_ALLOW_HEADERS
    assert set(api["AllowHeaders"]) < set(dev_server.PREFLIGHT_ALLOW_HEADERS)


def test_the_web_client_is_served_from_its_own_files_only():
    assert dev_server.web_file("/") == dev_server.WEB_DIR / "index.html"
    assert dev_server.web_file("/app.js") == dev_server.WEB_DIR / "app.js"
    for elsewhere in ("/../README.md", "/web/app.js", "/%2e%2e/README.md", "//etc/passwd", "/records", "/index.htm"):
        assert dev_server.web_file(elsewhere) is None, elsewhere
    # Every file the page loads has a content type the server knows.
    assert {f.suffix for f in dev_server.WEB_DIR.iterdir()} <= set(dev_server.WEB_TYPES)


def test_no_api_route_is_a_path_of_the_web_client():
    pages = {"/", *(f"/{f.name}" for f in dev_server.WEB_DIR.iterdir())}
    assert [r.path for r in served_routes() if any(r.rule.match(page) for page in pages)] == []
