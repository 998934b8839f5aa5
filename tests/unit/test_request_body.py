"""handler.api.request_body: what the entry point turns away before Powertools parses a body."""

from __future__ import annotations

import base64

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from handler.api.request_body import MAX_NESTING, check_parsable, check_size
from handler.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType


def request(body: str | None, *, method: str = "POST", content_type: str | None = "application/json", b64=False):
    headers = {"content-type": content_type} if content_type is not None else {}
    return APIGatewayProxyEventV2(
        {
            "version": "2.0",
            "rawPath": "/records",
            "headers": headers,
            "requestContext": {"http": {"method": method, "path": "/records"}},
            "body": body,
            "isBase64Encoded": b64,
        }
    )


@pytest.mark.parametrize(
    ("body", "limit", "too_large"),
    [
        ("x" * 10, 10, False),
        ("x" * 11, 10, True),
        # Bytes, not characters: three Hangul syllables are nine bytes.
        ("가나다", 8, True),
        ("가나다", 9, False),
        (None, 0, False),
    ],
)
def test_size_is_counted_in_utf8_bytes(body, limit, too_large):
    if too_large:
        with pytest.raises(PayloadTooLarge):
            check_size(request(body), limit)
    else:
        check_size(request(body), limit)


NESTED = "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)


@pytest.mark.parametrize(
    ("kwargs", "refusal", "code"),
    [
        ({"body": '{"content": "a"}'}, None, None),
        ({"body": '{"content": "a"}', "content_type": None}, None, None),
        ({"body": '{"content": "a"}', "content_type": "application/json; charset=utf-8"}, None, None),
        ({"body": "content=a", "content_type": "application/x-www-form-urlencoded"}, UnsupportedMediaType, None),
        ({"body": "--x\r\n", "content_type": "multipart/form-data; boundary=x"}, UnsupportedMediaType, None),
        ({"body": "{not json"}, InvalidRequest, "invalid_json"),
        ({"body": "1" * 5000}, InvalidRequest, "invalid_json"),  # past Python's integer digit limit
        ({"body": NESTED}, InvalidRequest, "invalid_json"),
        ({"body": base64.b64encode(b'{"content": "a"}').decode(), "b64": True}, None, None),
        ({"body": base64.b64encode(b"\xff\xfe").decode(), "b64": True}, InvalidRequest, "invalid_body"),
        ({"body": "abc", "b64": True}, InvalidRequest, "invalid_body"),  # incorrect padding
        # Bodies of methods that take none are ignored, as Powertools ignores them.
        ({"body": "{not json", "method": "GET"}, None, None),
        ({"body": "{not json", "method": "DELETE"}, None, None),
        ({"body": "", "method": "POST"}, None, None),
    ],
)
def test_what_is_turned_away_before_routing(kwargs, refusal, code):
    if refusal is None:
        check_parsable(request(**kwargs))
        return
    with pytest.raises(refusal) as refused:
        check_parsable(request(**kwargs))
    if code:
        assert refused.value.code == code


def test_nesting_up_to_the_limit_is_fine():
    check_parsable(request("[" * MAX_NESTING + "]" * MAX_NESTING))
