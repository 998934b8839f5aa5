"""A logged exception says its type and where it happened, never its message: a message may quote
what a user wrote (psycopg2's "DETAIL: Failing row contains (...)", a validation error's input).
handler/function_logger.py; the erasure's and the other log lines' fields: test_lambda_log_formats.py."""

from __future__ import annotations

import io
import json
import uuid

import psycopg2
import pytest


@pytest.fixture
def printed(test_database, monkeypatch) -> io.StringIO:
    """What the function's logger writes (its one handler's stream: stdout in Lambda)."""
    from handler import app

    stream = io.StringIO()
    monkeypatch.setattr(app.logger.registered_handler, "stream", stream)
    return stream


def test_a_job_failing_on_its_last_try_logs_the_fault_without_the_users_words(printed, test_database):
    from handler.logic import jobs

    words = f"나의 비밀 일기 {uuid.uuid4().hex}"

    def work() -> None:
        # A real error whose text holds a row: PostgreSQL's own DETAIL of a failed CHECK.
        with psycopg2.connect(test_database) as conn, conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE t (x text CHECK (x = ''))")
            cur.execute("INSERT INTO t VALUES (%s)", (words,))

    failed: list[Exception] = []
    jobs.attempt(work, failed.append, last_try=True, report_id="r-1")

    assert [type(exc).__name__ for exc in failed] == ["CheckViolation"]
    assert words in str(failed[0])  # the message does hold the words...
    line = json.loads(printed.getvalue().splitlines()[-1])
    assert (line["message"], line["report_id"], line["level"]) == ("a job failed on its last try", "r-1", "ERROR")
    assert line["exception_name"] == "CheckViolation"
    assert "in work" in line["exception"] and line["exception"].endswith("CheckViolation")
    assert words not in printed.getvalue()  # ...and the log does not
