"""Each user's limits on model work (handler.logic.quotas), against the real database: a day's text
model calls, pictures and tokens, and the short-window rate of the routes that call a model.
Past a limit: 429 with Retry-After and the limit's name, before any model call; the counts exact
under concurrent Lambda containers (processes), and what a user sees in GET /me/usage."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import subprocess
import sys
import textwrap
import time
from collections import Counter

import pytest

from tests import tally
from tests.fakes.bedrock import MODEL_ID
from tests.support import services
from tests.support.requests import ROOT, call, jot

DAY = "2026-11-25"
DAY_SECONDS = 24 * 3600


@pytest.fixture
def limits(monkeypatch):
    """Set limit settings (upper-case names) for one test, with fresh settings on the way in and out."""

    def configure(**env: int | str) -> None:
        for name, value in env.items():
            monkeypatch.setenv(name, str(value))
        services.reload()

    yield configure
    monkeypatch.undo()
    services.reload()


def usage_of(user: str) -> dict:
    reply = call("GET", "/me/usage", user=user)
    assert reply.status == 200, reply.body
    return reply.body


def assert_refused(reply, code: str, limit: str, max_wait_s: int) -> None:
    assert reply.status == 429, reply.body
    assert reply.body["error"]["code"] == code
    assert reply.body["error"]["limit"] == limit
    assert 1 <= int(reply.headers["retry-after"]) <= max_wait_s


def test_past_the_days_model_calls_a_429_before_any_model_call(fake_bedrock, limits, user):
    limits(MODEL_CALLS_PER_DAY=2)
    jot(user, DAY, "친구랑 영화 봤어")
    fake_bedrock.answer("DiaryDraft", *[{"title": "영화", "content": "친구랑 영화를 봤다."}] * 3)
    assert [call("POST", "/diaries", {"date": DAY, "overwrite": True}, user=user).status for _ in range(2)] == [
        201,
        201,
    ]
    calls_before = len(fake_bedrock.model_calls())

    refused = call("POST", "/diaries", {"date": DAY, "overwrite": True}, user=user)

    # Retry-After: the rest of the day in DEFAULT_TIMEZONE, when the day's counts start again.
    assert_refused(refused, "quota_exceeded", "model_calls", DAY_SECONDS)
    assert len(fake_bedrock.model_calls()) == calls_before
    usage = usage_of(user)
    assert usage["model_calls"] == {"used": 2, "limit": 2, "remaining": 0}
    assert usage["time_zone"] == "Asia/Seoul"
    # A route that calls no text model is not refused.
    assert call("POST", "/records", {"content": "또 기록", "record_date": DAY}, user=user).status == 201


def test_pictures_are_counted_apart_from_text_calls(aws_services, limits, user):
    limits(PICTURES_PER_DAY=1)
    assert call("POST", "/images", {"text": "바닷가 산책"}, user=user).status == 201

    assert_refused(
        call("POST", "/images", {"text": "바닷가 산책"}, user=user), "quota_exceeded", "pictures", DAY_SECONDS
    )

    usage = usage_of(user)
    # The picture and its prompt's text call; the refused request reserved neither.
    assert (usage["pictures"]["used"], usage["model_calls"]["used"]) == (1, 1)
    jot(user, DAY, "오늘 바다 갔어")
    assert call("POST", "/diaries", {"date": DAY}, user=user).status == 201


def test_a_call_that_crosses_the_token_limit_is_counted_whole_and_the_next_is_refused(fake_bedrock, limits, user):
    """Tokens are known only after a call answers: work is admitted while the day's tokens are under
    the limit, all its tokens are counted, and the next request is refused."""
    limits(MODEL_TOKENS_PER_DAY=1000)
    jot(user, DAY, "한강에서 자전거 탔어")
    fake_bedrock.answer("DiaryDraft", {"title": "자전거", "content": "한강에서 자전거를 탔다."})
    fake_bedrock.usage_next({"inputTokens": 1450, "outputTokens": 380, "cacheReadInputTokens": 24})
    assert call("POST", "/diaries", {"date": DAY}, user=user).status == 201

    assert_refused(
        call("POST", "/diaries", {"date": DAY, "overwrite": True}, user=user), "quota_exceeded", "tokens", DAY_SECONDS
    )

    assert usage_of(user)["tokens"] == {"used": 1854, "limit": 1000, "remaining": 0}


def test_calls_reserved_and_not_made_are_given_back(fake_bedrock, aws_services, limits, user):
    limits(PICTURES_PER_DAY=1)
    fake_bedrock.fail(503, "ServiceUnavailableException", times=2)  # the prompt's call, both attempts
    assert call("POST", "/images", {"text": "눈 오는 밤"}, user=user).status == 503
    usage = usage_of(user)
    # The prompt's call was made (and failed); the picture was never drawn, so it is free again.
    assert (usage["model_calls"]["used"], usage["pictures"]["used"]) == (1, 0)
    fake_bedrock.answer("ImagePrompt", {"prompt": "a snowy night, watercolor", "negative_prompt": "text"})
    assert call("POST", "/images", {"text": "눈 오는 밤"}, user=user).status == 201


def test_past_the_rate_a_429_rate_limited_and_the_bucket_refills(limits, user):
    limits(RATE_LIMIT_REQUESTS=3, RATE_LIMIT_WINDOW_S=3600)
    # A question with nothing to read calls no model, but the route is a model route: it counts.
    asked = [call("POST", "/questions", {"question": "어제 뭐 했어?"}, user=user).status for _ in range(3)]
    assert asked == [200, 200, 200]
    assert usage_of(user)["rate"] == {"limit": 3, "window_s": 3600, "available": 0}

    refused = call("POST", "/agent", {"content": "오늘 일기 써줘"}, user=user)

    # One request frees every window/limit seconds.
    assert_refused(refused, "rate_limited", "rate", 1200)
    assert int(refused.headers["retry-after"]) > 1100
    assert call("GET", "/records", query={"date": DAY}, user=user).status == 200


def test_after_retry_after_seconds_the_next_request_is_admitted(limits, user):
    limits(RATE_LIMIT_REQUESTS=2, RATE_LIMIT_WINDOW_S=2)
    assert [call("POST", "/questions", {"question": "뭐 했어?"}, user=user).status for _ in range(2)] == [200, 200]
    refused = call("POST", "/questions", {"question": "뭐 했어?"}, user=user)
    assert_refused(refused, "rate_limited", "rate", 1)
    time.sleep(int(refused.headers["retry-after"]))
    assert call("POST", "/questions", {"question": "뭐 했어?"}, user=user).status == 200


def test_limits_are_per_user(limits, user, other_user):
    limits(RATE_LIMIT_REQUESTS=1, RATE_LIMIT_WINDOW_S=3600)
    assert call("POST", "/questions", {"question": "뭐 했어?"}, user=user).status == 200
    assert call("POST", "/questions", {"question": "뭐 했어?"}, user=user).status == 429
    assert call("POST", "/questions", {"question": "뭐 했어?"}, user=other_user).status == 200


def test_a_replayed_idempotent_request_costs_nothing(limits, user):
    limits(RATE_LIMIT_REQUESTS=1, RATE_LIMIT_WINDOW_S=3600, MODEL_CALLS_PER_DAY=1)
    jot(user, DAY, "비 왔어")
    headers = {"idempotency-key": "diary-1"}
    first = call("POST", "/diaries", {"date": DAY}, user=user, headers=headers)
    again = call("POST", "/diaries", {"date": DAY}, user=user, headers=headers)
    assert (first.status, again.status) == (201, 201)
    assert usage_of(user)["model_calls"]["used"] == 1


def test_a_report_is_charged_when_accepted(limits, user):
    limits(MODEL_CALLS_PER_DAY=1)
    jot(user, DAY, "기분 좋은 날")
    body = {"start_date": DAY, "end_date": DAY}
    assert call("POST", "/reports", body, user=user).status == 202
    assert_refused(call("POST", "/reports", body, user=user), "quota_exceeded", "model_calls", DAY_SECONDS)
    # Its one call, whoever wrote it (here inline, offline).
    assert usage_of(user)["model_calls"]["used"] == 1


def test_a_routed_agent_request_reserves_its_routing_call_first(limits, user):
    limits(MODEL_CALLS_PER_DAY=0)
    assert_refused(
        call("POST", "/agent", {"content": "오늘 하루 정리해서 일기로 만들어줘", "current_date": DAY}, user=user),
        "quota_exceeded",
        "model_calls",
        DAY_SECONDS,
    )
    # With request_type `data` no model is needed, and none is reserved.
    stored = call("POST", "/agent", {"content": "산책했어", "current_date": DAY, "request_type": "data"}, user=user)
    assert stored.status == 200


def test_yesterdays_counts_do_not_limit_today(db, limits, user):
    """The day's counts are keyed by the day: a user at every limit yesterday starts today at 0."""
    from handler.logic import calendar

    limits(MODEL_CALLS_PER_DAY=1, PICTURES_PER_DAY=1, MODEL_TOKENS_PER_DAY=10)
    yesterday = calendar.today(services.current().settings.timezone) - dt.timedelta(days=1)
    db.execute(
        "INSERT INTO model_usage (user_id, day, model_calls, pictures, tokens) VALUES (%s, %s, 1, 1, 10)",
        (user, yesterday),
    )
    jot(user, DAY, "새로운 날")
    assert call("POST", "/diaries", {"date": DAY}, user=user).status == 201


def _usage_log(monkeypatch) -> io.StringIO:
    """What the usage module logs, as JSON lines (through the function's logger, made by handler.app)."""
    import handler.app  # noqa: F401
    from handler.inference import usage

    log = io.StringIO()
    monkeypatch.setattr(usage.logger.registered_handler, "stream", log)
    return log


def test_usage_lines_and_metrics_carry_a_pseudonym_never_the_user_id(fake_bedrock, limits, user, capsys, monkeypatch):

    limits(CALLER_ID_SALT="deployment-key")
    log = _usage_log(monkeypatch)
    jot(user, DAY, "한강에서 자전거 탔어")
    fake_bedrock.answer("DiaryDraft", {"title": "자전거", "content": "한강에서 자전거를 탔다."})
    capsys.readouterr()

    assert call("POST", "/diaries", {"date": DAY}, user=user).status == 201

    expected = hmac.new(b"deployment-key", user.encode(), hashlib.sha256).hexdigest()[:16]
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    model_calls = [line for line in lines if line.get("message") == "model call"]
    # The diary's call, and the embeddings of the record and of the diary.
    assert sorted(line["task"] for line in model_calls) == ["diary", "embedding", "embedding"]
    assert {line["caller"] for line in model_calls} == {expected}
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    diary = [record for record in emf if record.get("task") == "diary"]
    assert [(record["model"], record["caller"]) for record in diary] == [(MODEL_ID, expected)]
    # Metadata, not a dimension: a dimension per user would make a custom metric of each.
    (directive,) = diary[0]["_aws"]["CloudWatchMetrics"]
    assert "caller" not in directive["Dimensions"][0]
    assert user not in log.getvalue() and user not in json.dumps(emf)


def test_pictures_have_a_usage_line_with_their_caller(fake_bedrock, aws_services, user, monkeypatch):
    from handler.inference import usage

    log = _usage_log(monkeypatch)
    fake_bedrock.answer("ImagePrompt", {"prompt": "a quiet beach, watercolor", "negative_prompt": "text"})
    assert call("POST", "/images", {"text": "조용한 바닷가"}, user=user).status == 201
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    (picture,) = [line for line in lines if line.get("message") == "model call" and line["task"] == "image"]
    assert picture["caller"] == usage.pseudonym(user, services.current().settings.caller_id_salt) != user


# --- concurrent Lambda containers -------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from handler.app import lambda_handler
    from tests.support.requests import FakeContext, http_event

    user, path, body, count, start_at, out = sys.argv[1:7]
    events = [http_event("POST", path, json.loads(body), user=user) for _ in range(int(count))]
    ready = time.time()
    while time.time() < float(start_at):
        time.sleep(0.001)
    answers = []
    for event in events:
        response = lambda_handler(event, FakeContext())
        answers.append({"status": response["statusCode"], "body": json.loads(response["body"] or "null"),
                        "retry_after": (response.get("headers") or {}).get("Retry-After")})
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"ready": ready, "answers": answers}, f)
    """
)
PROCESSES = 4
PER_PROCESS = 3


def _at_once(database_url: str, tmp_path, user: str, path: str, body: dict, env: dict[str, str]) -> list[dict]:
    """PROCESSES x PER_PROCESS requests of `user`, the processes released at the same moment."""
    environ = {**os.environ, **env, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    start_at = time.time() + 8  # after every process has imported the handler
    outputs = [tmp_path / f"child-{i}.json" for i in range(PROCESSES)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, user, path, json.dumps(body), str(PER_PROCESS), str(start_at), str(out)],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in outputs
    ]
    errors = [child.communicate(timeout=300)[1] for child in children]
    assert [child.returncode for child in children] == [0] * PROCESSES, errors
    reports = [json.loads(out.read_text(encoding="utf-8")) for out in outputs]
    return [answer for report in reports for answer in report["answers"]]


@pytest.mark.parametrize(
    ("path", "body", "env", "success", "code"),
    [
        (
            "/diaries",
            {"date": DAY, "overwrite": True},
            {"MODEL_CALLS_PER_DAY": "5", "RATE_LIMIT_REQUESTS": "100"},
            201,
            "quota_exceeded",
        ),
        (
            "/questions",
            {"question": "그날 뭐 했어?"},
            {"RATE_LIMIT_REQUESTS": "5", "RATE_LIMIT_WINDOW_S": "3600"},
            200,
            "rate_limited",
        ),
    ],
    ids=["day-quota", "rate"],
)
def test_concurrent_requests_at_the_limit_exactly_the_limit_succeed(
    test_database, db, tmp_path, user, path, body, env, success, code
):
    jot(user, DAY, "그날 친구랑 영화 봤어")
    answers = _at_once(test_database, tmp_path, user, path, body, env)

    statuses = Counter(answer["status"] for answer in answers)
    assert statuses == {success: 5, 429: PROCESSES * PER_PROCESS - 5}, statuses
    refused = [answer for answer in answers if answer["status"] == 429]
    assert {answer["body"]["error"]["code"] for answer in refused} == {code}
    assert all(int(answer["retry_after"]) >= 1 for answer in refused)
    db.execute("SELECT model_calls FROM model_usage WHERE user_id = %s", (user,))
    # One text model call per admitted request, none for the refused.
    assert [row["model_calls"] for row in db.fetchall()] == [5]


# --- the 1,000 requests in a row, scaled down -------------------------------------------

# Words code leaves to the routing model: every one spends a routing call before its picture.
AGENT_PICTURE = {"content": "오늘 하루를 그림으로 표현해줘", "current_date": DAY}
# (route, body, how many): pictures from text, pictures through the front door, reports, diaries
# rewritten with `overwrite`, in a row, as the run sent 300, 200, 300 and 200.
RUN = [
    ("/images", {"text": "바닷가에서 본 노을"}, 60),
    ("/agent", AGENT_PICTURE, 40),
    ("/reports", {"start_date": DAY, "end_date": DAY}, 60),
    ("/diaries", {"date": DAY, "overwrite": True}, 40),
]


def _run_in_a_row(user: str) -> list[tuple[str, object]]:
    jot(user, DAY, "바닷가에서 노을 봤어")
    # The day's diary to draw, written by the user (no model call).
    put = call("PUT", f"/diaries/{DAY}", {"title": "노을", "content": "바닷가에서 노을을 봤다.", "tags": []}, user=user)
    assert put.status == 201
    return [(path, call("POST", path, body, user=user)) for path, body, count in RUN for _ in range(count)]


def _check_refusals(replies) -> None:
    """Nothing but successes and 429s; every 429 with Retry-After and the limit it hit."""
    assert {reply.status for _, reply in replies} <= {200, 201, 202, 429}
    for _, reply in replies:
        if reply.status == 429:
            error = reply.body["error"]
            assert (error["code"], error["limit"]) in {
                ("rate_limited", "rate"),
                ("quota_exceeded", "model_calls"),
                ("quota_exceeded", "pictures"),
                ("quota_exceeded", "tokens"),
            }
            assert 1 <= int(reply.headers["retry-after"]) <= DAY_SECONDS


def test_a_run_of_requests_in_a_row_meets_the_default_days_limits(aws_services, limits, user):
    """Default day limits (100 calls, 10 pictures), the rate opened wide so that the day's limits
    are what holds: 10 pictures drawn, 100 calls made, everything else a 429 naming its limit."""
    from handler.settings import Settings

    defaults = Settings.model_fields
    limits(RATE_LIMIT_REQUESTS=10_000)
    replies = _run_in_a_row(user)
    _check_refusals(replies)

    by_route = {path: Counter(reply.status for p, reply in replies if p == path) for path, _, _ in RUN}
    limits_hit = Counter(reply.body["error"]["limit"] for _, reply in replies if reply.status == 429)
    calls, pictures = defaults["model_calls_per_day"].default, defaults["pictures_per_day"].default
    # Pictures first: 10 drawn, then every picture refused, also after the front door's routing call.
    assert by_route["/images"] == {201: pictures, 429: 60 - pictures}
    assert by_route["/agent"] == {429: 40}
    # The calls left: 10 pictures' prompts and 40 routing decisions spent 50 of them.
    reports = calls - pictures - 40
    assert by_route["/reports"] == {202: reports, 429: 60 - reports}
    assert by_route["/diaries"] == {429: 40}
    assert limits_hit == {"pictures": 60 - pictures + 40, "model_calls": 60 - reports + 40}
    usage = usage_of(user)
    assert (usage["model_calls"]["used"], usage["pictures"]["used"]) == (calls, pictures)
    tally.put("quotas", "run in a row, rate opened: statuses", dict(Counter(r.status for _, r in replies)))
    tally.put("quotas", "run in a row, rate opened: 429 by limit", dict(limits_hit))


def test_a_run_of_requests_in_a_row_meets_the_default_rate(aws_services, user):
    """Every default: the short-window rate holds first. The run takes seconds, so a few requests
    refill (one every RATE_LIMIT_WINDOW_S / RATE_LIMIT_REQUESTS s); bounded by the time it took."""

    settings = services.current().settings
    step_s = settings.rate_limit_window_s / settings.rate_limit_requests
    started = time.monotonic()
    replies = _run_in_a_row(user)
    elapsed = time.monotonic() - started
    _check_refusals(replies)

    admitted = [reply for _, reply in replies if reply.status != 429 or reply.body["error"]["code"] != "rate_limited"]
    assert settings.rate_limit_requests <= len(admitted) <= settings.rate_limit_requests + elapsed / step_s + 1
    drawn = sum(1 for path, reply in replies if path in ("/images", "/agent") and reply.status in (200, 201))
    assert usage_of(user)["pictures"]["used"] == drawn
    tally.put("quotas", "run in a row, defaults: statuses", dict(Counter(r.status for _, r in replies)))
    tally.put("quotas", "run in a row, defaults: admitted past the rate", len(admitted))


def test_an_erasure_takes_the_counts_with_it(db, limits, user):
    limits(MODEL_CALLS_PER_DAY=1)
    jot(user, DAY, "지울 기록")
    assert call("POST", "/diaries", {"date": DAY}, user=user).status == 201

    assert call("DELETE", "/me", user=user).status == 202

    for table in ("model_usage", "request_rates"):
        db.execute(f"SELECT count(*) AS n FROM {table} WHERE user_id = %s", (user,))
        assert db.fetchone()["n"] == 0, table


def test_the_worker_adds_a_reports_tokens_to_the_call_charged_when_it_was_accepted(fake_bedrock, aws_services, user):
    """A report's call is charged by POST /reports; the worker writes it `prepaid` and adds its tokens."""
    from handler.local.aws_stand_ins import receive, sqs_event
    from tests.support.requests import invoke_raw

    jot(user, DAY, "기분 좋은 날")
    assert call("POST", "/reports", {"start_date": DAY, "end_date": DAY}, user=user).status == 202
    assert usage_of(user)["model_calls"]["used"] == 1
    fake_bedrock.answer(
        "ReportDraft",
        {
            "daily_scores": [{"date": DAY, "score": 8, "sentiment": "positive", "themes": ["기분"]}],
            "themes": ["기분"],
            "patterns": ["좋은 날이 많아요"],
            "feedback_points": ["잘 쉬어요", "잘 먹어요", "잘 자요"],
            "overall": "좋은 하루였어요.",
        },
    )
    fake_bedrock.usage_next({"inputTokens": 700, "outputTokens": 50})

    assert invoke_raw(sqs_event(receive(aws_services["queue_url"], wait_s=1))) == {"batchItemFailures": []}

    assert len(fake_bedrock.converse_calls()) == 1
    usage = usage_of(user)
    assert (usage["model_calls"]["used"], usage["tokens"]["used"]) == (1, 750)


def test_the_hourly_sweep_deletes_the_days_no_limit_reads_and_keeps_the_recent_ones(db, user, other_user):
    """model_usage keeps a row per user and day; the retention sweep (as diary_retention, migration
    0013) deletes the days before the day before yesterday, whoever's, and touches nothing else."""
    from handler.logic import retention

    today = dt.date.today()
    kept_days = [today, today - dt.timedelta(days=1), today - dt.timedelta(days=2)]
    old_days = [today - dt.timedelta(days=3), today - dt.timedelta(days=40)]
    for who in (user, other_user):
        for day in kept_days + old_days:
            db.execute(
                "INSERT INTO model_usage (user_id, day, model_calls, tokens) VALUES (%s, %s, 3, 100)", (who, day)
            )

    done = retention.purge(services.current())

    assert done["usage_days"] >= 4  # the two old days of both users (and any other test's)
    db.execute("SELECT user_id, day FROM model_usage WHERE user_id = ANY(%s) ORDER BY 1, 2", ([user, other_user],))
    assert [(row["user_id"], row["day"]) for row in db.fetchall()] == sorted(
        (who, day) for who in (user, other_user) for day in kept_days
    )
