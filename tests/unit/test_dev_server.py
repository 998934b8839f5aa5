"""`make dev` answers CORS as the stack's HTTP API does: the same headers, methods and max age."""

from handler.local import dev_server
from tests.unit.test_template import load_template


def test_cors_matches_the_template():
    api = load_template()["Resources"]["DiaryHttpApi"]["Properties"]["CorsConfiguration"]["Fn::If"][1]
    assert list(dev_server.CORS_ALLOW_HEADERS) == api["AllowHeaders"]
    assert list(dev_server.CORS_ALLOW_METHODS) == api["AllowMethods"]
    assert api["MaxAge"] == dev_server.CORS_MAX_AGE_S
