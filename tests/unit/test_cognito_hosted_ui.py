"""The fake hosted UI (tests/fakes/cognito_hosted_ui.py) refuses what Cognito's authorize and token
endpoints refuse, so that the browser test's sign-in proves the page right, not the fake lenient."""

from __future__ import annotations

import http.client
import json
import secrets
import urllib.parse
from collections.abc import Iterator

import pytest

from tests.fakes.cognito_hosted_ui import Authorizer, HostedUi, s256

CLIENT = "web-client"
CALLBACK = "http://localhost:8000/"


@pytest.fixture
def pool() -> Iterator[HostedUi]:
    fake = HostedUi(CLIENT, callback_urls=[CALLBACK], logout_urls=[CALLBACK])
    yield fake
    fake.close()


def _send(pool: HostedUi, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    host = urllib.parse.urlsplit(pool.url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    data = urllib.parse.urlencode(body) if body is not None else None
    sent = {"content-type": "application/x-www-form-urlencoded", **(headers or {})} if data else headers or {}
    connection.request(method, path, body=data, headers=sent)
    answer = connection.getresponse()
    return answer.status, dict(answer.getheaders()), answer.read()


def _authorize(pool: HostedUi, **overrides) -> tuple[int, dict, bytes]:
    params = {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": CALLBACK,
        "scope": "openid email",
        "state": "s1",
        **overrides,
    }
    params = {k: v for k, v in params.items() if v is not None}
    return _send(pool, "GET", f"/oauth2/authorize?{urllib.parse.urlencode(params)}")


def _code(pool: HostedUi, verifier: str) -> str:
    params = {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": CALLBACK,
        "scope": "openid email",
        "state": "s1",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    }
    status, headers, _ = _send(pool, "POST", "/login", {**params, "username": "a@example.com", "password": "x"})
    assert status == 302
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(headers["location"]).query))
    assert query["state"] == "s1"
    return query["code"]


def _token(pool: HostedUi, **form) -> tuple[int, dict]:
    status, headers, body = _send(pool, "POST", "/oauth2/token", form)
    assert headers["access-control-allow-origin"] == "*"
    return status, json.loads(body)


def _redirected_error(answer) -> str | None:
    status, headers, _ = answer
    assert status == 302
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(headers["location"]).query)).get("error")


def test_authorize_refuses_what_cognito_refuses(pool):
    challenge = s256(secrets.token_urlsafe(32))
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}
    assert _authorize(pool, **pkce)[0] == 200  # the sign-in form
    # Not redirected anywhere: an unregistered redirect_uri (even a trailing slash less), a client.
    assert _authorize(pool, redirect_uri=CALLBACK.rstrip("/"), **pkce)[0] == 400
    assert _authorize(pool, client_id="other", **pkce)[0] == 400
    # Redirected back with the error.
    assert _redirected_error(_authorize(pool, code_challenge=challenge, code_challenge_method="plain")) == (
        "invalid_request"
    )
    assert _redirected_error(_authorize(pool)) == "invalid_request"  # no PKCE (stricter than Cognito)
    assert _redirected_error(_authorize(pool, response_type="token", **pkce)) == "unauthorized_client"
    assert _redirected_error(_authorize(pool, scope="openid aws.cognito.signin.user.admin", **pkce)) == (
        "invalid_scope"
    )


def test_token_redeems_a_code_once_with_its_verifier_and_redirect_uri(pool):
    verifier = secrets.token_urlsafe(32)
    code = _code(pool, verifier)
    form = {"grant_type": "authorization_code", "client_id": CLIENT, "code": code, "redirect_uri": CALLBACK}
    # A wrong verifier spends the code: the right one cannot redeem it after.
    assert _token(pool, **form, code_verifier=secrets.token_urlsafe(32)) == (400, {"error": "invalid_grant"})
    assert _token(pool, **form, code_verifier=verifier) == (400, {"error": "invalid_grant"})

    code = _code(pool, verifier)
    form["code"] = code
    assert _token(pool, **form) == (400, {"error": "invalid_request"})  # the verifier missing
    code = _code(pool, verifier)
    status, answer = _token(
        pool, **{**form, "code": code, "redirect_uri": "http://localhost:8000/x"}, code_verifier=verifier
    )
    assert (status, answer) == (400, {"error": "invalid_grant"})

    code = _code(pool, verifier)
    status, tokens = _token(pool, **{**form, "code": code}, code_verifier=verifier)
    assert status == 200 and tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert pool.verify(tokens["access_token"])["sub"] == pool.users["a@example.com"]
    assert pool.verify(tokens["id_token"]) is None  # the authorizer takes access tokens here
    # Once only.
    assert _token(pool, **{**form, "code": code}, code_verifier=verifier) == (400, {"error": "invalid_grant"})
    # Refreshed: new access and ID tokens, no new refresh token.
    status, renewed = _token(pool, grant_type="refresh_token", client_id=CLIENT, refresh_token=tokens["refresh_token"])
    assert status == 200 and "refresh_token" not in renewed
    assert _token(pool, grant_type="refresh_token", client_id=CLIENT, refresh_token="nope") == (
        400,
        {"error": "invalid_grant"},
    )
    assert _token(pool, grant_type="password", client_id=CLIENT) == (400, {"error": "unsupported_grant_type"})


def test_a_public_client_sends_no_secret_and_a_form(pool):
    verifier = secrets.token_urlsafe(32)
    form = {
        "grant_type": "authorization_code",
        "client_id": CLIENT,
        "code": _code(pool, verifier),
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    status, _, body = _send(pool, "POST", "/oauth2/token", form, {"authorization": "Basic d2ViLWNsaWVudDpzZWNyZXQ="})
    assert (status, json.loads(body)) == (400, {"error": "invalid_client"})
    status, _, body = _send(pool, "POST", "/oauth2/token", form, {"content-type": "application/json"})
    assert (status, json.loads(body)) == (400, {"error": "invalid_request"})


def test_logout_only_to_a_registered_sign_out_url(pool):
    status, headers, _ = _send(
        pool, "GET", f"/logout?{urllib.parse.urlencode({'client_id': CLIENT, 'logout_uri': CALLBACK})}"
    )
    assert (status, headers["location"]) == (302, CALLBACK)
    elsewhere = urllib.parse.urlencode({"client_id": CLIENT, "logout_uri": "https://evil.example/"})
    assert _send(pool, "GET", f"/logout?{elsewhere}")[0] == 400


def test_the_authorizer_refuses_a_forged_or_foreign_token(pool):
    verifier = secrets.token_urlsafe(32)
    _, tokens = _token(
        pool,
        grant_type="authorization_code",
        client_id=CLIENT,
        code=_code(pool, verifier),
        redirect_uri=CALLBACK,
        code_verifier=verifier,
    )
    header, payload, signature = tokens["access_token"].split(".")
    assert pool.verify(f"{header}.{payload}.{signature}")
    assert pool.verify(f"{header}.{payload}.{signature[:-2]}AA") is None
    other = HostedUi("another-client", callback_urls=[CALLBACK], logout_urls=[CALLBACK])
    try:
        assert other.verify(tokens["access_token"]) is None
    finally:
        other.close()
    authorizer = Authorizer(pool, "http://127.0.0.1:9")  # no upstream: refused before it
    try:
        host = urllib.parse.urlsplit(authorizer.url)
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        connection.request("GET", "/records", headers={"authorization": f"Bearer {tokens['id_token']}"})
        answer = connection.getresponse()
        assert (answer.status, json.loads(answer.read())) == (401, {"message": "Unauthorized"})
    finally:
        authorizer.close()
