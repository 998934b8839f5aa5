"""The deployed page's sign-in, in a real browser: the web client (web/) with a config.json like the one
`make web-deploy` writes, against a hosted UI and token endpoint (tests/fakes/cognito_hosted_ui.py)
and API Gateway's JWT authorizer in front of `make dev` (same file), all on 127.0.0.1.

Four origins, as on the stack: the page (the distribution), the hosted UI, the API, and the page's
own server sending a Content-Security-Policy shaped like the distribution's. Screenshots go to
.artefacts/browser-sign-in/.
"""

from __future__ import annotations

import json
import shutil
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from handler.local.dev_server import WEB_TYPES, web_file
from tests.browser.conftest import ARTEFACTS
from tests.fakes.cognito_hosted_ui import Authorizer, HostedUi, s256
from tests.support.dev_server import dev_server

pytestmark = pytest.mark.browser

CLIENT_ID = "4example5web6client7id"
EMAIL = "jiwoo@example.com"
RECORD = "로그인하고 남긴 기록 🔐"
WAIT_S = 60
SHOTS = ARTEFACTS.parent / "browser-sign-in"


class PageServer:
    """The distribution: web/'s files, config.json the stack's way, a CSP naming exactly the API
    and the hosted UI (as the distribution's policy and make web-deploy's <meta> do together)."""

    def __init__(self) -> None:
        self.config: dict[str, str] = {}
        self.csp = ""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                if path == "/config.json":
                    body, kind = json.dumps(owner.config).encode(), WEB_TYPES[".json"]
                else:
                    file = web_file(path)
                    if file is None:
                        self.send_error(403)  # what S3 answers through origin access control
                        return
                    body, kind = file.read_bytes(), WEB_TYPES[file.suffix]
                self.send_response(200)
                self.send_header("content-type", kind)
                self.send_header("content-security-policy", owner.csp)
                self.send_header("x-content-type-options", "nosniff")
                self.send_header("x-frame-options", "DENY")
                self.send_header("referrer-policy", "no-referrer")
                self.send_header("cache-control", "no-cache")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # localhost, not 127.0.0.1: another origin than the API's and the hosted UI's.
        self.url = f"http://localhost:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def stack(test_database) -> Iterator[dict]:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    page = PageServer()
    redirect_uri = f"{page.url}/"
    pool = HostedUi(CLIENT_ID, callback_urls=[redirect_uri], logout_urls=[redirect_uri])
    with dev_server(test_database, log=SHOTS / "dev-server.log", CORS_ALLOW_ORIGINS=page.url) as api:
        authorizer = Authorizer(pool, api)
        page.config = {
            "auth": "cognito",
            "api": authorizer.url,
            "hosted_ui": pool.url,
            "client_id": CLIENT_ID,
            "redirect_uri": redirect_uri,
            "region": "us-east-1",
        }
        page.csp = (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            f"connect-src 'self' {authorizer.url} {pool.url}; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'"
        )
        try:
            yield {"page": page, "pool": pool, "authorizer": authorizer, "api": api}
        finally:
            authorizer.close()
            pool.close()
            page.close()


def _ready(driver, screen: str) -> None:
    WebDriverWait(driver, WAIT_S).until(
        lambda d: d.execute_script("return document.body.dataset.ready") == screen, message=f"screen {screen}"
    )


def _shot(driver, name: str) -> None:
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def _tokens(driver) -> dict | None:
    return driver.execute_script("return JSON.parse(sessionStorage.getItem('tokens'))")


def test_sign_in_with_pkce_then_the_api_with_the_access_token(browser, stack):
    driver, _ = browser
    pool: HostedUi = stack["pool"]
    authorizer: Authorizer = stack["authorizer"]
    page = stack["page"]

    # Arrive: no name to type, a sign-in button.
    driver.get(f"{page.url}/")
    wait = WebDriverWait(driver, WAIT_S)
    wait.until(lambda d: d.find_element(By.ID, "signin").is_displayed(), message="the sign-in button")
    assert not driver.find_element(By.ID, "who").is_displayed()
    _shot(driver, "01-sign-in")

    # To the hosted UI: the authorize request carries an S256 challenge and a state.
    driver.find_element(By.ID, "signin-start").send_keys(Keys.ENTER)
    wait.until(lambda d: d.current_url.startswith(pool.url), message="the hosted UI")
    (authorize,) = [params for endpoint, params, _ in pool.requests if endpoint == "authorize"]
    assert authorize["response_type"] == "code"
    assert authorize["client_id"] == CLIENT_ID
    assert authorize["redirect_uri"] == f"{page.url}/"
    assert authorize["code_challenge_method"] == "S256"
    assert len(authorize["code_challenge"]) == 43  # BASE64URL of a SHA-256, no padding
    assert len(authorize["state"]) >= 32
    _shot(driver, "02-hosted-ui")

    # Signed in: back with ?code=&state=, the code redeemed with its verifier, the URL clean.
    driver.find_element(By.ID, "username").send_keys(EMAIL)
    driver.find_element(By.ID, "password").send_keys("Correct-Horse-9", Keys.ENTER)
    _ready(driver, "today")
    assert "code=" not in driver.current_url and "state=" not in driver.current_url
    assert driver.find_element(By.ID, "signed-in").text == f"{EMAIL} 님의 일기"
    (redeemed,) = [(params, answer) for endpoint, params, answer in pool.requests if endpoint == "token"]
    assert redeemed[1] == "tokens", redeemed
    assert redeemed[0]["grant_type"] == "authorization_code"
    assert s256(redeemed[0]["code_verifier"]) == authorize["code_challenge"]
    assert driver.execute_script("return sessionStorage.getItem('signin')") is None
    _shot(driver, "03-signed-in")

    # The API: every call carried the access token, which the authorizer verified to the user.
    sub = pool.users[EMAIL]
    tokens = _tokens(driver)
    assert authorizer.seen and {(s, t) for _, _, s, t in authorizer.seen} == {(sub, tokens["access_token"])}
    driver.find_element(By.ID, "record-text").send_keys(RECORD)
    driver.find_element(By.CSS_SELECTOR, "#record-form button").click()
    wait.until(lambda d: RECORD in d.find_element(By.ID, "records").text, message="the record listed")
    assert ("POST", "/records") in {(m, p) for m, p, _, _ in authorizer.seen}
    # Stored as the token's user: make dev, asked as that user directly, has it.
    day = driver.find_element(By.ID, "day").get_attribute("value")
    asked = urllib.request.Request(f"{stack['api']}/records?date={day}", headers={"X-User-Id": sub})  # noqa: S310
    with urllib.request.urlopen(asked) as answer:  # noqa: S310 - make dev on 127.0.0.1
        assert [r["content"] for r in json.load(answer)["items"]] == [RECORD]
    _shot(driver, "04-record")

    # About to expire: the refresh token gets a new access token, which the next call carries.
    driver.execute_script(
        "const t = JSON.parse(sessionStorage.getItem('tokens')); t.expires_at = 0;"
        "sessionStorage.setItem('tokens', JSON.stringify(t));"
    )
    driver.refresh()
    _ready(driver, "today")
    refreshed = [
        (p, a) for endpoint, p, a in pool.requests if endpoint == "token" and p["grant_type"] == "refresh_token"
    ]
    assert [answer for _, answer in refreshed] == ["tokens"]
    renewed = _tokens(driver)
    assert renewed["access_token"] != tokens["access_token"]
    assert renewed["refresh_token"] == tokens["refresh_token"]
    assert authorizer.seen[-1][2:] == (sub, renewed["access_token"])

    # A code and state this tab never asked for (a link someone sent): refused, never redeemed.
    redeemed_before = len([1 for endpoint, *_ in pool.requests if endpoint == "token"])
    driver.get(f"{page.url}/?code=00000000-0000-0000-0000-000000000000&state=not-mine")
    wait.until(lambda d: d.find_element(By.ID, "error").text, message="the refusal")
    assert "이 창에서 시작한 로그인이 아니에요" in driver.find_element(By.ID, "error").text
    assert "code=" not in driver.current_url
    assert len([1 for endpoint, *_ in pool.requests if endpoint == "token"]) == redeemed_before
    _shot(driver, "05-foreign-state")

    # Sign out: the tokens forgotten, the hosted UI's session ended, back on the page.
    driver.get(f"{page.url}/")
    _ready(driver, "today")
    driver.find_element(By.ID, "sign-out").click()
    wait.until(lambda d: d.current_url.startswith(page.url) and d.find_element(By.ID, "signin").is_displayed())
    assert _tokens(driver) is None
    assert [answer for endpoint, _, answer in pool.requests if endpoint == "logout"] == ["signed out"]
    assert not pool.sessions
    _shot(driver, "06-signed-out")
    # Signing in again asks for the password again: the session really ended.
    driver.find_element(By.ID, "signin-start").click()
    wait.until(lambda d: d.current_url.startswith(pool.url) and d.find_elements(By.ID, "username"))
    _shot(driver, "07-hosted-ui-again")

    # Nothing the CSP refused, no CORS failure on the way.
    refused = [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "CORS" in entry["message"]
    ]
    assert refused == []
