"""A user pool's hosted UI and OAuth 2.0 endpoints for one public app client, over local HTTP, for the
web client's sign-in (web/signin.js) in a real browser; and API Gateway's JWT authorizer in front of
`make dev`, which checks the tokens it issued.

What it holds a request to, from Amazon Cognito's developer guide and the RFCs it follows:

- GET /oauth2/authorize (https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html):
  response_type `code` or `token` (an app client allows either or both: `token` is this client's
  unauthorized_client); client_id of the app client; redirect_uri exactly one of the client's
  callback URLs, else an error page and no redirect (Cognito's `redirect_mismatch`); scope, each one
  of the client's allowed scopes (`invalid_scope`); state returned as sent; code_challenge_method
  `S256` only ("Amazon Cognito authentication server supports only S256"), with a code_challenge.
  Cognito does not require PKCE of a public client: `require_pkce` (default on) is stricter, so
  that a page that forgot it fails here. Signed in already (the session cookie): straight back
  with a code; otherwise the sign-in form (the /login page), whose POST redirects with `code` and
  `state`. An error the client may see goes back to redirect_uri as `error=` with the state.
- POST /oauth2/token (https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html):
  Content-Type application/x-www-form-urlencoded; `Access-Control-Allow-Origin: *` on every
  answer (the page calls it across origins). grant_type `authorization_code`: client_id, code,
  redirect_uri the same as the authorize request's, code_verifier when a challenge was sent, whose
  S256 must equal it (RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))), the verifier
  43-128 characters of [A-Z a-z 0-9 - . _ ~], §4.1); a code is used once and lives 5 minutes.
  grant_type `refresh_token`: client_id and refresh_token; new ID and access tokens, no new
  refresh token. A public client sends no secret: an Authorization header is invalid_client.
  Errors are 400 `{"error": ...}`: invalid_request (a parameter missing), invalid_client,
  invalid_grant (code used, expired, unknown, verifier or redirect_uri not matching, refresh token
  unknown or revoked), unauthorized_client, unsupported_grant_type.
- GET /logout (https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html):
  client_id and logout_uri, exactly one of the client's sign-out URLs, else an error page; ends
  the session cookie and redirects to logout_uri.

The tokens are JWTs with Cognito's claims (access: sub, client_id, token_use, scope, iss, exp;
ID: sub, aud, email, token_use, iss, exp), signed with HS256 and a key of this fake instead of
Cognito's RS256: the page never checks a signature, and `Authorizer` below checks them with the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import http.client
import json
import re
import secrets
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CODE_LIFETIME_S = 300
TOKEN_LIFETIME_S = 3600
VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
SESSION_COOKIE = "cognito"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def s256(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    scope: str
    challenge: str | None
    sub: str
    email: str
    issued: float = field(default_factory=time.monotonic)
    used: bool = False


class HostedUi:
    """One user pool, one public app client, its hosted UI and token endpoint on 127.0.0.1."""

    def __init__(
        self,
        client_id: str,
        callback_urls: list[str],
        logout_urls: list[str],
        scopes: tuple[str, ...] = ("openid", "email"),
        require_pkce: bool = True,
    ) -> None:
        self.client_id = client_id
        self.callback_urls = callback_urls
        self.logout_urls = logout_urls
        self.scopes = scopes
        self.require_pkce = require_pkce
        self.key = secrets.token_bytes(32)
        self.codes: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        self.sessions: dict[str, tuple[str, str]] = {}  # cookie -> (sub, email)
        self.users: dict[str, str] = {}  # email -> sub
        # What the endpoints were asked, for the tests: (endpoint, parameters, answer).
        self.requests: list[tuple[str, dict[str, str], str]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = f"{self.url}/us-east-1_Fake"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- tokens --------------------------------------------------------------------------------

    def _jwt(self, claims: dict[str, Any]) -> str:
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "fake"}).encode())
        payload = _b64url(json.dumps(claims).encode())
        signature = hmac.new(self.key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64url(signature)}"

    def _tokens(self, grant: Grant, refresh: bool) -> dict[str, Any]:
        now = int(time.time())
        common = {"sub": grant.sub, "iss": self.issuer, "iat": now, "exp": now + TOKEN_LIFETIME_S}
        answer: dict[str, Any] = {
            "access_token": self._jwt(
                {
                    **common,
                    "client_id": grant.client_id,
                    "token_use": "access",
                    "scope": grant.scope,
                    "username": grant.sub,
                    "jti": str(uuid.uuid4()),
                }
            ),
            "id_token": self._jwt(
                {**common, "aud": grant.client_id, "token_use": "id", "email": grant.email, "jti": str(uuid.uuid4())}
            ),
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_S,
        }
        if refresh:
            token = secrets.token_urlsafe(48)
            self.refresh_tokens[token] = grant
            answer["refresh_token"] = token
        return answer

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of an access token this pool issued for its client and that has not expired,
        as API Gateway's JWT authorizer checks them (issuer, client_id as the audience, exp)."""
        try:
            header, payload, signature = token.split(".")
            expected = hmac.new(self.key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(_b64url(expected), signature):
                return None
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return None
        ok = (
            claims.get("iss") == self.issuer
            and claims.get("token_use") == "access"
            and claims.get("client_id") == self.client_id
            and claims.get("exp", 0) > time.time()
        )
        return claims if ok else None

    # --- endpoints -----------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        pool = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
                if url.path == "/oauth2/authorize":
                    pool._authorize(self, params)
                elif url.path == "/logout":
                    pool._logout(self, params)
                else:
                    self.page(404, "Not found")

            def do_POST(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode("utf-8")
                if url.path == "/oauth2/token":
                    pool._token(self, body)
                elif url.path == "/login":
                    pool._login(self, dict(urllib.parse.parse_qsl(body, keep_blank_values=True)))
                else:
                    self.page(404, "Not found")

            def do_OPTIONS(self) -> None:
                # The page's token request is a CORS-safelisted one (a form POST): no preflight.
                self.send_response(403)
                self.send_header("content-length", "0")
                self.end_headers()

            def cookie(self) -> str:
                match = re.search(rf"{SESSION_COOKIE}=([\w-]+)", self.headers.get("cookie") or "")
                return match[1] if match else ""

            def page(self, status: int, text: str, form: str = "", cookie: str | None = None) -> None:
                body = (
                    '<!doctype html><html lang="en"><meta charset="utf-8"><title>Sign in</title>'
                    f'<h1>Hosted UI</h1><p id="message">{html.escape(text)}</p>{form}</html>'
                ).encode()
                self.send_response(status)
                self.send_header("content-type", "text/html; charset=utf-8")
                if cookie is not None:
                    self.send_header("set-cookie", f"{SESSION_COOKIE}={cookie}; Path=/; HttpOnly")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def redirect(self, to: str, cookie: str | None = None) -> None:
                self.send_response(302)
                self.send_header("location", to)
                if cookie is not None:
                    expires = "; Max-Age=0" if cookie == "" else ""
                    self.send_header("set-cookie", f"{SESSION_COOKIE}={cookie}; Path=/; HttpOnly{expires}")
                self.send_header("content-length", "0")
                self.end_headers()

            def json(self, status: int, answer: dict[str, Any]) -> None:
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json;charset=UTF-8")
                self.send_header("access-control-allow-origin", "*")
                self.send_header("cache-control", "no-store")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def _seen(self, endpoint: str, params: dict[str, str], answer: str) -> None:
        with self.lock:
            self.requests.append((endpoint, params, answer))

    def _authorize(self, request: Any, params: dict[str, str]) -> None:
        # Not redirectable: an unknown client or a redirect_uri not registered for it.
        if params.get("client_id") != self.client_id:
            self._seen("authorize", params, "invalid client")
            request.page(400, "An error was encountered with the requested page. (invalid client_id)")
            return
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in self.callback_urls:
            self._seen("authorize", params, "redirect_mismatch")
            request.page(400, "An error was encountered with the requested page. (redirect_mismatch)")
            return
        error = self._authorize_error(params)
        if error:
            self._seen("authorize", params, error)
            request.redirect(_with_query(redirect_uri, {"error": error, "state": params.get("state")}))
            return
        session = self.sessions.get(request.cookie())
        if session:
            self._seen("authorize", params, "code (session)")
            request.redirect(self._code_redirect(params, *session))
            return
        self._seen("authorize", params, "login page")
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in params.items()
        )
        form = (
            f'<form method="post" action="/login">{hidden}'
            '<label for="username">Email</label><input id="username" name="username" type="email">'
            '<label for="password">Password</label><input id="password" name="password" type="password">'
            '<button id="sign-in" type="submit">Sign in</button></form>'
        )
        request.page(200, "Sign in with your email and password", form)

    def _authorize_error(self, params: dict[str, str]) -> str:
        response_type = params.get("response_type")
        if response_type not in ("code", "token"):
            return "unsupported_response_type" if response_type else "invalid_request"
        if response_type == "token":
            return "unauthorized_client"  # the client allows the code grant only (template.yaml)
        if any(scope not in self.scopes for scope in params.get("scope", "openid").split()):
            return "invalid_scope"
        method, challenge = params.get("code_challenge_method"), params.get("code_challenge")
        if method is not None and method != "S256":
            return "invalid_request"
        if (method is None) != (challenge is None) or (self.require_pkce and not challenge):
            return "invalid_request"
        return ""

    def _login(self, request: Any, form: dict[str, str]) -> None:
        params = {k: v for k, v in form.items() if k not in ("username", "password")}
        email = form.get("username", "")
        if params.get("client_id") != self.client_id or params.get("redirect_uri") not in self.callback_urls:
            request.page(400, "An error was encountered with the requested page.")
            return
        if not email or self._authorize_error(params):
            request.page(400, "Incorrect username or password.")
            return
        sub = self.users.setdefault(email, str(uuid.uuid4()))
        cookie = secrets.token_urlsafe(16)
        self.sessions[cookie] = (sub, email)
        self._seen("login", {**params, "username": email}, "code")
        request.redirect(self._code_redirect(params, sub, email), cookie=cookie)

    def _code_redirect(self, params: dict[str, str], sub: str, email: str) -> str:
        code = str(uuid.uuid4())
        self.codes[code] = Grant(
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            scope=params.get("scope", "openid"),
            challenge=params.get("code_challenge"),
            sub=sub,
            email=email,
        )
        return _with_query(params["redirect_uri"], {"code": code, "state": params.get("state")})

    def _token(self, request: Any, body: str) -> None:
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        if content_type != "application/x-www-form-urlencoded":
            error = "invalid_request"
        elif request.headers.get("authorization"):
            error = "invalid_client"  # a public client has no secret to send
        else:
            error = ""
        answer: dict[str, Any] = {}
        if not error:
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                error, answer = self._redeem(form)
            elif grant_type == "refresh_token":
                error, answer = self._refresh(form)
            elif grant_type == "client_credentials":
                error = "unauthorized_client"
            else:
                error = "unsupported_grant_type" if grant_type else "invalid_request"
        self._seen("token", dict(form), error or "tokens")
        if error:
            request.json(400, {"error": error})
        else:
            request.json(200, answer)

    def _redeem(self, form: dict[str, str]) -> tuple[str, dict[str, Any]]:
        if not all(form.get(name) for name in ("client_id", "code", "redirect_uri")):
            return "invalid_request", {}
        if form["client_id"] != self.client_id:
            return "invalid_client", {}
        with self.lock:
            grant = self.codes.get(form["code"])
            if grant is None or grant.used or time.monotonic() - grant.issued > CODE_LIFETIME_S:
                return "invalid_grant", {}
            grant.used = True  # once, whatever follows
        if grant.client_id != form["client_id"] or grant.redirect_uri != form["redirect_uri"]:
            return "invalid_grant", {}
        if grant.challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier:
                return "invalid_request", {}
            if not VERIFIER.fullmatch(verifier) or not hmac.compare_digest(s256(verifier), grant.challenge):
                return "invalid_grant", {}
        return "", self._tokens(grant, refresh=True)

    def _refresh(self, form: dict[str, str]) -> tuple[str, dict[str, Any]]:
        if not form.get("client_id") or not form.get("refresh_token"):
            return "invalid_request", {}
        if form["client_id"] != self.client_id:
            return "invalid_client", {}
        grant = self.refresh_tokens.get(form["refresh_token"])
        if grant is None or grant.client_id != form["client_id"]:
            return "invalid_grant", {}
        return "", self._tokens(grant, refresh=False)

    def _logout(self, request: Any, params: dict[str, str]) -> None:
        if params.get("client_id") != self.client_id or params.get("logout_uri") not in self.logout_urls:
            self._seen("logout", params, "error page")
            request.page(400, "An error was encountered with the requested page.")
            return
        self.sessions.pop(request.cookie(), None)
        self._seen("logout", params, "signed out")
        request.redirect(params["logout_uri"], cookie="")


def _with_query(url: str, params: dict[str, str | None]) -> str:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    return f"{url}{'&' if '?' in url else '?'}{query}"


class Authorizer:
    """API Gateway's HTTP API with its JWT authorizer, in front of `make dev`: a request without a
    valid access token of the pool's client is 401 `{"message":"Unauthorized"}` and never reaches
    the function; a valid one is passed on as the caller the token names (its `sub`, as `make dev`'s
    X-User-Id), without the token. Preflights pass unchecked, as API Gateway answers them itself
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html)."""

    def __init__(self, pool: HostedUi, upstream: str) -> None:
        self.pool = pool
        self.upstream = urllib.parse.urlsplit(upstream)
        # (method, target, the token's sub or None), for the tests.
        self.seen: list[tuple[str, str, str | None, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _pass(self) -> None:
                owner._forward(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _forward(self, request: Any) -> None:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "authorization", "x-user-id")}
        body = request.rfile.read(int(request.headers.get("content-length") or 0))
        claims = None
        if request.command != "OPTIONS":
            scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
            claims = self.pool.verify(token) if scheme.lower() == "bearer" else None
            self.seen.append((request.command, request.path, claims["sub"] if claims else None, token))
            if claims is None:
                payload = b'{"message":"Unauthorized"}'
                request.send_response(401)
                request.send_header("content-type", "application/json")
                origin = request.headers.get("origin")
                if origin:
                    request.send_header("access-control-allow-origin", origin)
                request.send_header("content-length", str(len(payload)))
                request.end_headers()
                request.wfile.write(payload)
                return
            headers["X-User-Id"] = claims["sub"]
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        try:
            connection.request(request.command, request.path, body=body or None, headers=headers)
            answer = connection.getresponse()
            payload = answer.read()
            request.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                    request.send_header(name, value)
            request.send_header("content-length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
        finally:
            connection.close()
