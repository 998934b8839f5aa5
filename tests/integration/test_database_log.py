"""No user text in the database server's log: a PostgreSQL started with the stack's parameter group
(template.yaml, DatabaseParameterGroup) and statements that fail while carrying a user's words.

Two ways a failed write puts words in the log with PostgreSQL's defaults: the statement's text
(psycopg2 sends the values inside it; log_min_error_statement logs it), and an error's DETAIL
("Failing row contains (...)"). The first comes from the function itself: POST /records waits on a
lock past the statement timeout (504), as in the report that found it. The second from a constraint.
The same statements against PostgreSQL's defaults show the words in the log, so the test can fail.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from tests.support import services
from tests.support.requests import call
from tests.throwaway_postgres import migrate, server_with_settings
from tests.unit.test_template import load_template


def _stack_settings() -> dict[str, str]:
    group = load_template()["Resources"]["DatabaseParameterGroup"]["Properties"]["Parameters"]
    return {name: str(value) for name, value in group.items()}


@pytest.fixture
def function_on(monkeypatch) -> Iterator[object]:
    """Point the function at another database (a URL) for the rest of the test."""

    def use(url: str) -> None:
        services.current().store.close()
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "300")
        services.reload()

    yield use
    services.current().store.close()
    monkeypatch.undo()
    services.reload()


def _fail_two_writes(url: str, user: str, words: tuple[str, str]) -> None:
    """A record stored through the function while another session locks the table (the statement
    timeout cancels it), and a row that breaks a CHECK constraint."""
    blocker = psycopg2.connect(url)
    try:
        with blocker.cursor() as cur:
            cur.execute("LOCK TABLE records IN ACCESS EXCLUSIVE MODE")
            reply = call("POST", "/records", {"content": words[0], "record_date": "2026-11-25"}, user=user)
            assert reply.status == 504, reply
    finally:
        blocker.rollback()
        blocker.close()
    direct = psycopg2.connect(url)
    try:
        with direct.cursor() as cur, pytest.raises(psycopg2.errors.CheckViolation):
            cur.execute(
                "INSERT INTO exports (id, user_id, status, failure) VALUES (%s, %s, 'no such status', %s)",
                (str(uuid.uuid4()), user, words[1]),
            )
    finally:
        direct.close()


@pytest.mark.parametrize(
    ("settings", "logged"),
    [(_stack_settings(), False), ({}, True)],
    ids=["stack-parameter-group", "postgresql-defaults"],
)
def test_a_failed_write_leaves_no_words_in_the_server_log(settings, logged, function_on, user):
    words = (f"나의 비밀 일기 {uuid.uuid4().hex}", f"secret-detail-{uuid.uuid4().hex}")
    with server_with_settings(settings) as (url, log):
        migrate(url)
        function_on(url)
        _fail_two_writes(url, user, words)
        text = Path(log).read_text(encoding="utf-8", errors="replace")
    # The failures did reach the log, as lines of their own.
    assert "canceling statement due to statement timeout" in text
    assert 'violates check constraint "exports_status_check"' in text
    assert [w in text for w in words] == [logged, logged], text[-3000:]
