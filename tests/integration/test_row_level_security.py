"""Row-level security, checked in SQL: acting for user A, no crafted query reaches B's rows."""

from __future__ import annotations

import psycopg2
import pytest

from handler.dal import connection
from tests.support.requests import call


@pytest.fixture
def two_users(user, other_user):
    mine = call("POST", "/records", {"content": "A의 기록", "record_date": "2026-11-25"}, user=user).body["id"]
    theirs = call("POST", "/records", {"content": "B의 기록", "record_date": "2026-11-25"}, user=other_user).body["id"]
    return user, other_user, mine, theirs


def test_crafted_reads_see_only_the_callers_rows(two_users):
    user, other, mine, theirs = two_users
    with connection.transaction(user) as cur:
        cur.execute("SELECT id FROM records WHERE user_id = %s OR true", (other,))
        visible = {str(row["id"]) for row in cur.fetchall()}
        cur.execute("SELECT count(*) AS n FROM records WHERE id = %s", (theirs,))
        direct = cur.fetchone()["n"]
    assert mine in visible and theirs not in visible
    assert direct == 0


def test_crafted_writes_cannot_touch_or_create_another_users_rows(two_users, db):
    user, other, _, theirs = two_users
    with connection.transaction(user) as cur:
        cur.execute("UPDATE records SET content = 'hacked' WHERE id = %s", (theirs,))
        updated = cur.rowcount
        cur.execute("DELETE FROM records WHERE user_id = %s", (other,))
        deleted = cur.rowcount
    assert (updated, deleted) == (0, 0)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege), connection.transaction(user) as cur:
        cur.execute(
            "INSERT INTO records (id, user_id, content, record_date) VALUES (gen_random_uuid(), %s, 'x', '2026-11-25')",
            (other,),
        )
    db.execute("SELECT content FROM records WHERE id = %s", (theirs,))
    assert db.fetchone()["content"] == "B의 기록"


def test_requests_act_as_the_application_role_not_the_connecting_user(user):
    with connection.transaction(user) as cur:
        cur.execute("SELECT current_user AS role, current_setting('app.user_id') AS acting_for")
        assert cur.fetchone() == {"role": connection.APP_ROLE, "acting_for": user}
    with connection.transaction(None) as cur:
        cur.execute("SELECT current_user AS role")
        assert cur.fetchone()["role"] != connection.APP_ROLE


def test_every_table_with_a_user_id_forces_row_level_security(db):
    """Found in the catalogue, so that a table a migration adds later is held to it too."""
    db.execute(
        "SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_attribute a"
        " WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped) ORDER BY c.relname"
    )
    tables = db.fetchall()
    assert [t["name"] for t in tables] == [
        "diaries",
        "exports",
        "images",
        "model_usage",
        "records",
        "reports",
        "request_rates",
    ]
    assert all(t["enabled"] and t["forced"] for t in tables), tables
