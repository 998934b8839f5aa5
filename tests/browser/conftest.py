"""Headless Chromium (Debian's `chromium` and `chromium-driver`) driven by Selenium, against `make dev`'s
server. Nothing is downloaded at test time: the driver's path is given, so Selenium Manager never
runs. Screenshots and measurements go to .artefacts/browser/."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.dev_server import dev_server
from tests.support.requests import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTEFACTS = ROOT / ".artefacts" / "browser"
# A phone's width (CSS pixels): the page must work there without sideways scrolling.
PHONE = (390, 844)


@pytest.fixture(scope="module")
def artefacts() -> Path:
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    return ARTEFACTS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def site(test_database, artefacts) -> Iterator[dict]:
    """`make dev` on one port, reached two ways: the page from http://localhost:<port>, the API at
    http://127.0.0.1:<port>. Two origins, so the browser goes through CORS as a page on the stack's
    distribution does with the stack's API. Every export is written by the worker (202, then its
    presigned URL), as a large account's is. The server's request log counts what the page sent."""
    port = _free_port()
    page_origin = f"http://localhost:{port}"
    log = artefacts / "dev-server.log"
    with dev_server(
        test_database, "--port", str(port), log=log, CORS_ALLOW_ORIGINS=page_origin, EXPORT_INLINE_MAX_BYTES="0"
    ) as api:
        yield {"page": f"{page_origin}/?api={api}", "api": api, "log": log}


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[tuple]:
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(f"no browser here: {CHROMIUM} and {CHROMEDRIVER} come from apt's chromium and chromium-driver")
    from selenium import webdriver

    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=ko-KR"):
        options.add_argument(argument)
    # A headless window is never narrower than 500 pixels; the page is laid out as on the phone.
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": PHONE[0], "height": PHONE[1], "pixelRatio": 1.0}}
    )
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    # The console: CORS and CSP refusals land there.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver, downloads
    finally:
        driver.quit()


class RequestLog:
    """What reached the dev server since the last look, from its log (`dev: METHOD target -> status`):
    the browser's own CORS preflights (OPTIONS) included, which a page's script never sees."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen = 0

    def since_last(self) -> list[str]:
        lines = self.path.read_text("utf-8").splitlines()
        new, self.seen = lines[self.seen :], len(lines)
        return [line.removeprefix("dev: ") for line in new if line.startswith("dev: ")]
