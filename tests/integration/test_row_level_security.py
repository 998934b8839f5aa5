"""Row-level security, checked in SQL: acting for user A, no crafted query reaches B's rows."""

from __future__ import annotations

import psycopg2
import pytest

from handler.dal import store
from tests.support import services
from tests.support.requests import call


@pytest.fixture
def two_users(user, other_user):
    mine = call("POST", "/records", {"content": "A의 기록", "record_date": "2026-11-25"}, user=user).body["id"]
    theirs = call("POST", "/records", {"content": "B의 기록", "record_date": "2026-11-25"}, user=other_user).body["id"]
    return user, other_user, mine, theirs


def test_crafted_reads_see_only_the_callers_rows(two_users):
    user, other, mine, theirs = two_users
    with services.current().store.transaction_cursor(user) as cur:
        cur.execute("SELECT id FROM records WHERE user_id = %s OR true", (other,))
        visible = {str(row["id"]) for row in cur.fetchall()}
        cur.execute("SELECT count(*) AS n FROM records WHERE id = %s", (theirs,))
        direct = cur.fetchone()["n"]
    assert mine in visible and theirs not in visible
    assert direct == 0


def test_crafted_writes_cannot_touch_or_create_another_users_rows(two_users, db):
    user, other, _, theirs = two_users
    with services.current().store.transaction_cursor(user) as cur:
        cur.execute("UPDATE records SET content = 'hacked' WHERE id = %s", (theirs,))
        updated = cur.rowcount
        cur.execute("DELETE FROM records WHERE user_id = %s", (other,))
        deleted = cur.rowcount
    assert (updated, deleted) == (0, 0)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege), services.current().store.transaction_cursor(user) as cur:
        cur.execute(
            "INSERT INTO records (id, user_id, content, record_date) VALUES (gen_random_uuid(), %s, 'x', '2026-11-25')",
            (other,),
        )
    db.execute("SELECT content FROM records WHERE id = %s", (theirs,))
    assert db.fetchone()["content"] == "B의 기록"


def test_requests_act_as_the_application_role_not_the_connecting_user(user):
    with services.current().store.transaction_cursor(user) as cur:
        cur.execute("SELECT current_user AS role, current_setting('app.user_id') AS acting_for")
        assert cur.fetchone() == {"role": store.APP_ROLE, "acting_for": user}
    with services.current().store.transaction_cursor(None) as cur:
        cur.execute("SELECT current_user AS role")
        assert cur.fetchone()["role"] != store.APP_ROLE


SERVICE_TABLES = {"erasures"}


def test_every_table_with_a_user_id_forces_row_level_security(db):
    """Found in the catalogue, so that a table a migration adds later is held to it too."""
    db.execute(
        "SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_attribute a"
        " WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped) ORDER BY c.relname"
    )
    tables = db.fetchall()
    # erasures (0011): the service's own table, which holds a user's id only while their erasure is
    # pending; no role a request acts as may read it at all.
    service = [t for t in tables if t["name"] in SERVICE_TABLES]
    users = [t for t in tables if t["name"] not in SERVICE_TABLES]
    assert [t["name"] for t in users] == [
        "day_prompts", "diaries", "exports", "images", "imports", "model_usage", "photo_leftovers", "photos",
        "records", "reports", "request_rates", "voice_notes",
    ]  # fmt: skip
    assert all(t["enabled"] and t["forced"] for t in users), users
    assert [t["name"] for t in service] == sorted(SERVICE_TABLES)
    for table in SERVICE_TABLES:
        for role in (store.APP_ROLE, store.BACKFILL_ROLE):
            db.execute("SELECT has_table_privilege(%s, %s, 'SELECT, INSERT, UPDATE, DELETE') AS any", (role, table))
            assert db.fetchone()["any"] is False, (role, table)


def test_a_caller_forgets_or_erases_only_their_own_remembered_responses(two_users, db):
    """diary_app meets the idempotency table through its owner policy (migration 0009)."""
    user, other, _, _ = two_users
    for who in (user, other):
        call("POST", "/records", {"content": "기억"}, user=who, headers={"idempotency-key": "rls"})
    with services.current().store.transaction_cursor(user) as cur:
        cur.execute("UPDATE idempotency_keys SET response_data = 'x' WHERE owner = %s OR true", (other,))
        forgotten = cur.rowcount
        cur.execute("DELETE FROM idempotency_keys WHERE owner = %s OR true", (other,))
        erased = cur.rowcount
    assert (forgotten, erased) == (1, 1)  # the caller's own row, not the other's
    db.execute("SELECT count(*) AS n FROM idempotency_keys WHERE owner = %s", (other,))
    assert db.fetchone()["n"] == 1


def test_the_retention_sweep_can_delete_only_what_has_expired(two_users, db):
    """diary_retention: remembered responses past their time and exports; no user's words."""
    user, _, _, _ = two_users
    for key in ("fresh", "old"):
        call("POST", "/records", {"content": key}, user=user, headers={"idempotency-key": key})
    db.execute(
        "UPDATE idempotency_keys SET expires_at = extract(epoch FROM now()) - 1"
        " WHERE owner = %s AND response_data LIKE '%%\"old\"%%'",
        (user,),
    )
    with services.current().store.transaction_cursor(None, role=store.RETENTION_ROLE) as cur:
        cur.execute("DELETE FROM idempotency_keys WHERE true")
    db.execute("SELECT response_data FROM idempotency_keys WHERE owner = %s", (user,))
    [kept] = db.fetchall()
    assert '"fresh"' in kept["response_data"]
    for crafted in ("SELECT content FROM records", "SELECT response_data FROM idempotency_keys"):
        with (
            pytest.raises(psycopg2.errors.InsufficientPrivilege),
            services.current().store.transaction_cursor(None, role=store.RETENTION_ROLE) as cur,
        ):
            cur.execute(crafted)
