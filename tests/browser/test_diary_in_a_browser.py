"""The life of a diary in Korean, in a real browser: the web client (web/) served by `make dev`,
walked by headless Chromium at a phone's width, with the keyboard where a person would use it.

Each step leaves a screenshot in .artefacts/browser/ (NN-step.png); measurements.json there holds
the page's load timing and the requests each screen sent (preflights counted apart). Nothing here
asserts a time.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from pathlib import Path

import psycopg2
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from handler.local.dev_server import web_file
from tests.browser.conftest import RequestLog

pytestmark = pytest.mark.browser

NAME = "김지우"  # typed on the page; sent percent-encoded (fetch refuses Hangul in a header)
RECORDS = ["오늘 친구랑 영화 봤어 🎬", "저녁에 한강을 산책했다"]
TITLE = "극장에 간 날"
CONTENT = "친구랑 영화를 봤다. 팝콘이 맛있었다."
WAIT_S = 60


class Walk:
    """The browser, the steps taken so far and what each sent to the API."""

    def __init__(self, driver, log: Path, artefacts: Path) -> None:
        self.driver = driver
        self.log = RequestLog(log)
        self.artefacts = artefacts
        self.steps: list[str] = []
        self.requests: dict[str, list[str]] = {}
        self.sideways: list[str] = []

    def by_id(self, element_id: str):
        return self.driver.find_element(By.ID, element_id)

    def until(self, condition, what: str):
        return WebDriverWait(self.driver, WAIT_S).until(lambda d: condition(), message=what)

    def shot(self, step: str, element_id: str | None = None) -> None:
        if element_id:
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", self.by_id(element_id))
        name = f"{len(self.steps) + 1:02d}-{step}.png"
        self.driver.save_screenshot(str(self.artefacts / name))
        self.steps.append(name)
        wide = self.driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth")
        if wide:
            self.sideways.append(name)

    def sent(self, label: str) -> list[str]:
        """What reached the server since the last count, kept under `label`."""
        requests = self.log.since_last()
        self.requests[label] = requests
        return requests

    def open_screen(self, name: str, label: str = "") -> None:
        """Follow the screen's link with the keyboard, as a person tabbing through the page would."""
        self.sent("(between screens)")
        self.driver.execute_script("delete document.body.dataset.ready")
        link = self.driver.find_element(By.CSS_SELECTOR, f'nav a[href="#{name}"]')
        link.send_keys(Keys.ENTER)
        self.until(lambda: self.driver.execute_script("return document.body.dataset.ready") == name, f"screen {name}")
        self.sent(label or f"open {name}")

    def switch_language(self) -> None:
        """The language button, then the screen shown again in the other language."""
        ready = "return document.body.dataset.ready"
        screen = self.driver.execute_script(ready)
        self.driver.execute_script("delete document.body.dataset.ready")
        self.by_id("lang").click()
        self.until(lambda: self.driver.execute_script(ready) == screen, "the screen again")

    def text(self, element_id: str) -> str:
        return self.by_id(element_id).text

    def error(self) -> str:
        return self.text("error")


def user_rows(database_url: str, user_id: str) -> dict[str, int]:
    """Rows of `user_id` in every table that has a user_id column (the superuser sees them all)."""
    with psycopg2.connect(database_url) as db, db.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.columns"
            " WHERE column_name = 'user_id' AND table_schema = 'public'"
        )
        counts = {}
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT count(*) FROM "{table}" WHERE user_id = %s', (user_id,))
            counts[table] = cur.fetchone()[0]
    return counts


def is_page(logged: str) -> bool:
    """A logged request (`GET /app.js -> 200`) for one of the web client's own files."""
    method, target = logged.split()[:2]
    return method in ("GET", "HEAD") and web_file(urllib.parse.urlsplit(target).path) is not None


def test_the_life_of_a_diary_in_korean(browser, site, test_database, artefacts):
    driver, downloads = browser
    walk = Walk(driver, site["log"], artefacts)
    user_id = urllib.parse.quote(NAME, safe="")

    # Arrive: the page asks for a name.
    driver.get(site["page"])
    walk.until(lambda: walk.by_id("who").is_displayed(), "the name form")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    walk.shot("sign-in")
    walk.by_id("user").send_keys(NAME, Keys.ENTER)
    walk.until(lambda: driver.execute_script("return document.body.dataset.ready") == "today", "today's screen")
    walk.sent("arrive, sign in, open today")
    assert walk.text("signed-in") == f"{NAME} 님의 일기"
    assert walk.by_id("records-empty").is_displayed(), walk.error()
    walk.shot("today-empty")

    # English too, and back.
    walk.switch_language()
    assert walk.text("today-h") == "Today's records"
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    walk.shot("today-in-english")
    walk.switch_language()
    assert walk.text("today-h") == "오늘의 기록"
    walk.sent("language switch (twice)")

    # Insights before anything is written: today's question already, the empty state, no chart.
    walk.open_screen("insights", "open insights (nothing written)")
    assert walk.by_id("insights-empty").is_displayed(), walk.error()
    assert not walk.by_id("insights-view").is_displayed()
    first_question = walk.text("prompt-question")
    assert first_question.strip()
    walk.shot("insights-empty", "insights-empty")
    walk.open_screen("today", "back to today")

    # Two records of the day, as they are typed.
    for i, record in enumerate(RECORDS, start=1):
        walk.by_id("record-text").send_keys(record)
        walk.by_id("record-form").find_element(By.TAG_NAME, "button").click()
        walk.until(lambda i=i: len(driver.find_elements(By.CSS_SELECTOR, "#records li")) == i, "the record listed")
    assert [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#records li")] == RECORDS, walk.error()
    walk.sent("write 2 records")
    walk.shot("today-records", "records")

    # The diary: written from the records, then by hand.
    walk.open_screen("diary")
    assert walk.by_id("diary-empty").is_displayed()
    walk.by_id("diary-write").click()
    walk.until(lambda: walk.by_id("diary-view").is_displayed() or walk.error(), "the written diary")
    assert walk.error() == ""
    assert "영화" in walk.text("diary-content") and "한강" in walk.text("diary-content")
    walk.sent("write the diary from the records")
    walk.shot("diary-written", "diary-view")
    for element_id, value in (("diary-title-input", TITLE), ("diary-content-input", CONTENT)):
        walk.by_id(element_id).clear()
        walk.by_id(element_id).send_keys(value)
    walk.by_id("diary-tags-input").clear()
    walk.by_id("diary-tags-input").send_keys("영화, 친구", Keys.ENTER)
    walk.until(lambda: walk.text("diary-by") == "내가 쓴 일기" or walk.error(), "the edited diary")
    assert (walk.text("diary-title"), walk.text("diary-content"), walk.text("diary-tags")) == (
        TITLE,
        CONTENT,
        "#영화 #친구",
    ), walk.error()
    walk.sent("edit the diary")
    walk.shot("diary-edited", "diary-view")

    # A reload keeps the caller and shows the diary as stored: a returning person's page load,
    # measured from the navigation to the screen showing its data.
    walk.sent("(before reload)")
    driver.refresh()
    walk.until(lambda: driver.execute_script("return document.body.dataset.ready") == "diary", "the diary again")
    assert walk.text("diary-title") == TITLE
    walk.sent("reload on the diary")
    page_load = driver.execute_script(
        "const [n] = performance.getEntriesByType('navigation');"
        "return {responseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd,"
        " screenReady: performance.getEntriesByName('ready:diary')[0].startTime,"
        " files: performance.getEntriesByType('resource').map(e => [e.name, e.initiatorType])}"
    )

    # A question about the day.
    walk.open_screen("ask")
    walk.by_id("question").send_keys("오늘 뭐 봤어?", Keys.ENTER)
    walk.until(lambda: walk.by_id("answer").is_displayed() or walk.error(), "the answer")
    assert "영화" in walk.text("answer-text"), walk.error()
    assert walk.text("answer-sources").startswith("근거가 된 기록")
    walk.sent("ask a question")
    walk.shot("ask", "answer")

    # A picture of the diary: drawn, stored in the bucket, shown from its presigned URL.
    walk.open_screen("picture")
    assert walk.by_id("pictures-empty").is_displayed()
    walk.by_id("draw").click()
    walk.until(lambda: driver.find_elements(By.CSS_SELECTOR, "#pictures img") or walk.error(), "the picture")
    picture = driver.find_element(By.CSS_SELECTOR, "#pictures img")
    walk.until(lambda: driver.execute_script("return arguments[0].complete", picture), "the picture loaded")
    rendered = driver.execute_script("return [arguments[0].naturalWidth, arguments[0].naturalHeight]", picture)
    source = urllib.parse.urlsplit(picture.get_attribute("src"))
    assert rendered[0] > 0 and rendered[1] > 0, (rendered, walk.error())
    assert "X-Amz-Signature" in source.query or "Signature" in source.query
    walk.sent("draw a picture")
    walk.shot("picture", "pictures")

    # A report over the last week, read when the worker completed it.
    walk.open_screen("report")
    walk.by_id("report-form").find_element(By.TAG_NAME, "button").click()
    walk.until(lambda: walk.text("report-status") == "완성" or walk.error(), "the completed report")
    today = walk.by_id("day").get_attribute("value")
    days = [row.text.split() for row in driver.find_elements(By.CSS_SELECTOR, "#report-days tbody tr")]
    assert [d[0] for d in days] == [today], (days, walk.error())
    assert walk.text("report-average").startswith("평균 감정 점수")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#report-points li")) >= 3
    walk.sent("request and read a report")
    walk.shot("report", "report-view")

    # Insights over the 30 days ending today: today's question on top, the day written, the
    # edited diary's mood drawn, the records counted on today's weekday.
    walk.open_screen("insights")
    assert walk.by_id("insights-view").is_displayed(), walk.error()
    question = walk.text("prompt-question")
    assert question == first_question, "the same question all day"
    assert walk.text("insights-days") == "30일 중 1일"
    assert walk.text("insights-current") == f"1일 ({today} ~ {today})"
    assert walk.text("insights-longest") == f"1일 ({today} ~ {today})"
    mood_paths = driver.find_elements(By.CSS_SELECTOR, "#mood-svg path")
    assert [p.get_attribute("class") for p in mood_paths] == ["average", "mood"]
    assert all(p.get_attribute("d").startswith("M") for p in mood_paths)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#mood-svg circle")) == 1
    assert walk.by_id("mood-svg").size["width"] > 0
    mood_table = driver.find_elements(By.CSS_SELECTOR, "#mood-table tbody tr")
    mood_rows = [row.get_attribute("textContent") for row in mood_table]
    assert len(mood_rows) == 1 and mood_rows[0].startswith(today), mood_rows
    weekdays = [row.text.split() for row in driver.find_elements(By.CSS_SELECTOR, "#weekdays tbody tr")]
    assert [w[1:] for w in weekdays] == [
        ["2", "1"] if i == dt.date.fromisoformat(today).weekday() else ["0", "0"] for i in range(7)
    ], weekdays
    assert walk.by_id("themes").is_displayed() or walk.by_id("themes-empty").is_displayed()
    walk.shot("insights", "prompt")
    walk.shot("insights-mood", "mood-chart")
    # Today's question starts a record: today's form, the question in it, the cursor there.
    walk.driver.execute_script("delete document.body.dataset.ready")
    walk.by_id("prompt-start").send_keys(Keys.ENTER)
    walk.until(lambda: driver.execute_script("return document.body.dataset.ready") == "today", "today's screen")
    assert driver.switch_to.active_element.get_attribute("id") == "record-text"
    assert walk.by_id("record-text").get_attribute("value").startswith(question)
    assert walk.text("status") == "오늘의 질문으로 기록을 시작해요."
    walk.sent("start a record with today's question")
    walk.shot("todays-question", "record-form")
    walk.by_id("record-text").clear()

    # Export: the worker writes it, the page polls its Location and fetches the document from the
    # bucket, and the browser saves it.
    walk.open_screen("me")
    assert walk.text("usage").startswith("오늘 모델 호출")
    walk.by_id("export").send_keys(Keys.ENTER)
    walk.until(lambda: walk.by_id("export-link").is_displayed() or walk.error(), "the export")
    assert walk.error() == ""
    walk.until(lambda: [f for f in downloads.iterdir() if f.suffix == ".json"], "the downloaded file")
    exported = json.loads(next(f for f in downloads.iterdir() if f.suffix == ".json").read_text("utf-8"))
    assert sorted(r["content"] for r in exported["records"]) == sorted(RECORDS)
    assert [(d["title"], d["tags"]) for d in exported["diaries"]] == [(TITLE, ["영화", "친구"])]
    assert (len(exported["images"]), len(exported["reports"])) == (1, 1)
    walk.sent("export and download")
    walk.shot("export", "export-link")

    # Erase me: confirmed with the keyboard, then every screen answers that the account is gone.
    stored = user_rows(test_database, user_id)
    assert (stored["records"], stored["diaries"], stored["images"], stored["reports"]) == (2, 1, 1, 1), stored
    assert not walk.by_id("erase").is_enabled()
    walk.by_id("erase-sure").send_keys(Keys.SPACE)
    walk.by_id("erase").click()
    walk.until(lambda: walk.text("status").startswith("계정을") or walk.error(), "the erasure")
    assert walk.error() == ""
    walk.sent("erase me")
    walk.shot("erasing", "status")
    walk.open_screen("today", "open today after the erasure")
    assert walk.error() == "이 계정은 지워졌어요."
    page_text = driver.find_element(By.TAG_NAME, "body").text
    assert not any(words in page_text for words in (*RECORDS, TITLE)), page_text
    walk.shot("erased", "error")
    assert {table: n for table, n in user_rows(test_database, user_id).items() if n} == {}

    console = driver.get_log("browser")
    (artefacts / "console.json").write_text(json.dumps(console, ensure_ascii=False, indent=1), "utf-8")
    (artefacts / "measurements.json").write_text(
        json.dumps(
            {
                "steps": walk.steps,
                "reload_ms": {k: round(v, 1) for k, v in page_load.items() if k != "files"},
                "reload_fetched": page_load["files"],
                "requests": {k: v for k, v in walk.requests.items() if not k.startswith("(")},
                "api_calls": {
                    k: {
                        "api": sum(not r.startswith("OPTIONS") and not is_page(r) for r in v),
                        "preflights": sum(r.startswith("OPTIONS") for r in v),
                        "page_files": sum(is_page(r) for r in v),
                    }
                    for k, v in walk.requests.items()
                    if not k.startswith("(")
                },
            },
            ensure_ascii=False,
            indent=1,
        ),
        "utf-8",
    )
    # The browser refused nothing (no CORS, Content-Security-Policy or mixed-content message), and
    # the only failed loads are the answers the page expects: no diary yet (404), the erased account (410).
    refusals = [e["message"] for e in console if any(w in e["message"] for w in ("CORS", "Security", "Refused"))]
    assert refusals == []
    failed = [e["message"].split(" - ")[0] for e in console if "Failed to load resource" in e["message"]]
    assert [urllib.parse.urlsplit(url).path for url in failed] == [f"/diaries/{today}", "/records"], failed
    assert walk.sideways == [], "wider than a phone"
