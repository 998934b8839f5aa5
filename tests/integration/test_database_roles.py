"""Least privilege in the database: the function's login can act only as diary_app.

Row-level security shows a transaction only the rows of the user it acts for, and the role it
applies to is chosen by the connection itself (set_config('role', ...)). Logged in as the master
user, a member of diary_backfill too, a crafted statement could switch to diary_backfill, whose
policy shows every user's rows. Logged in as diary_app_login (migration 0008), the switch is refused
by PostgreSQL, and nothing else the connection can become reads another user's rows.

The superuser that migrates the tests' database stands for the RDS master user here: both may act
as any role the migrations made.
"""

from __future__ import annotations

import psycopg2
import psycopg2.errors
import psycopg2.extras
import pytest

from handler.dal import login_roles
from tests.integration.conftest import logged_in_as
from tests.support import services
from tests.support.requests import FakeContext, call

# What a crafted statement would send, after the function's own opening had acted for the caller.
SWITCH_TO_BACKFILL = "SELECT set_config('role', 'diary_backfill', true)"


@pytest.fixture
def alice_and_bob(user, other_user):
    """Bob is the caller; Alice's record is what he must not read."""
    theirs = call("POST", "/records", {"content": "앨리스의 비밀", "record_date": "2026-11-25"}, user=other_user)
    call("POST", "/records", {"content": "밥의 기록", "record_date": "2026-11-25"}, user=user)
    return user, other_user, theirs.body["id"]


def test_the_function_logs_in_as_the_app_login_not_the_master(test_database):
    with services.current().store.transaction_cursor(None) as cur:
        cur.execute("SELECT session_user AS login, current_user AS acting_as")
        row = cur.fetchone()
    assert row == {"login": login_roles.APP_LOGIN, "acting_as": login_roles.APP_LOGIN}


def test_the_crafted_switch_to_the_backfill_role_is_refused(alice_and_bob):
    bob, _, _ = alice_and_bob
    with (
        pytest.raises(psycopg2.errors.InsufficientPrivilege) as refused,
        services.current().store.transaction_cursor(bob) as cur,
    ):
        cur.execute(SWITCH_TO_BACKFILL)
    assert 'permission denied to set role "diary_backfill"' in str(refused.value)
    # Nor in so many words.
    with pytest.raises(psycopg2.errors.InsufficientPrivilege), services.current().store.transaction_cursor(bob) as cur:
        cur.execute("SET LOCAL ROLE diary_backfill")


@pytest.mark.parametrize("become", ["diary_backfill", "postgres", "none", "diary_backfill_login"])
def test_nothing_the_app_login_can_become_reads_another_users_rows(alice_and_bob, become):
    bob, alice, theirs = alice_and_bob
    seen = None
    try:
        with services.current().store.transaction_cursor(bob) as cur:
            cur.execute("SELECT set_config('role', %s, true)", (become,))
            cur.execute("SELECT count(*) AS n FROM records WHERE user_id = %s OR id = %s", (alice, theirs))
            seen = cur.fetchone()["n"]
    except psycopg2.errors.InsufficientPrivilege:
        pass  # refused: nothing was read
    assert seen in (None, 0)
    if become != "none":
        assert seen is None, f"the app login could become {become}"


def test_the_master_can_make_the_same_switch_that_is_refused_to_the_app_login(alice_and_bob, test_database):
    """Why the function must not log in as the master: the same statements, as the master, read
    Alice's record while acting for Bob (what the function's connection could do before 0008)."""
    bob, _, theirs = alice_and_bob
    master = psycopg2.connect(test_database)
    try:
        with master, master.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute("SELECT diary_act_for(%s, '5000', 'diary_app')", (bob,))
            cur.execute("SELECT count(*) AS n FROM records WHERE id = %s", (theirs,))
            assert cur.fetchone()["n"] == 0  # row-level security holds while acting as diary_app
            cur.execute(SWITCH_TO_BACKFILL)
            cur.execute("SELECT content FROM records WHERE id = %s", (theirs,))
            assert cur.fetchone()["content"] == "앨리스의 비밀"
    finally:
        master.close()


def test_the_app_login_creates_nothing(test_database):
    for statement in (
        "CREATE TABLE public.planted (x int)",
        "CREATE TEMP TABLE planted (x int)",
        "CREATE SCHEMA planted",
        "CREATE FUNCTION public.planted() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    ):
        with (
            pytest.raises(psycopg2.errors.InsufficientPrivilege),
            services.current().store.transaction_cursor(None) as cur,
        ):
            cur.execute(statement)


def test_each_login_is_a_member_of_its_own_role_only_and_has_no_powers(db):
    db.execute(
        "SELECT r.rolname AS login, r.rolcanlogin AS can_login, r.rolsuper OR r.rolbypassrls OR r.rolcreaterole"
        " OR r.rolcreatedb OR r.rolreplication AS powers,"
        " ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
        "  WHERE m.member = r.oid ORDER BY 1) AS member_of,"
        " has_database_privilege(r.oid, current_database(), 'CREATE, TEMPORARY') AS creates_in_database,"
        " has_schema_privilege(r.oid, 'public', 'CREATE') AS creates_in_public"
        " FROM pg_roles r WHERE r.rolname = ANY(%s) ORDER BY r.rolname",
        ([login_roles.APP_LOGIN, login_roles.BACKFILL_LOGIN],),
    )
    assert db.fetchall() == [
        {"login": login, "can_login": True, "powers": False, "member_of": roles,
         "creates_in_database": False, "creates_in_public": False}
        for login, roles in (
            # diary_retention: the hourly sweep (0009_retention.sql), which reads no user's words.
            (login_roles.APP_LOGIN, ["diary_app", "diary_retention"]),
            (login_roles.BACKFILL_LOGIN, ["diary_backfill"]),
        )
    ]  # fmt: skip


def test_the_backfill_login_embeds_every_users_rows_and_cannot_act_as_the_app(alice_and_bob, db):
    from handler import backfill

    _, _, theirs = alice_and_bob
    db.execute("UPDATE records SET embedding = NULL WHERE id = %s", (theirs,))
    with logged_in_as(login_roles.BACKFILL_LOGIN):
        while (done := backfill.lambda_handler({}, FakeContext()))["records"] + done["diaries"]:
            pass
        with (
            pytest.raises(psycopg2.errors.InsufficientPrivilege),
            services.current().store.transaction_cursor(None) as cur,
        ):
            cur.execute("SELECT set_config('role', 'diary_app', true)")
        with (
            pytest.raises(psycopg2.errors.InsufficientPrivilege),
            services.current().store.transaction_cursor(None) as cur,
        ):
            cur.execute("UPDATE records SET content = 'x' WHERE id = %s", (theirs,))
    db.execute("SELECT embedding IS NOT NULL AS embedded FROM records WHERE id = %s", (theirs,))
    assert db.fetchone()["embedded"]


def test_the_app_login_cannot_run_the_backfill(alice_and_bob):
    """The worker's old backfill job, run by the app login, is refused before it reads anything."""
    from handler.logic import embedding_index

    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        embedding_index.backfill(services.current())


@pytest.fixture
def login_secrets(moto_endpoint, monkeypatch):
    """A secret per login in moto's Secrets Manager, named to the migrations as in AWS:
    {login: (arn, password)}."""
    import json
    import uuid

    import boto3
    from aws_lambda_powertools.utilities.parameters import base as parameters_base

    secrets = boto3.client("secretsmanager", endpoint_url=moto_endpoint)
    made = {}
    for login, setting in (
        (login_roles.APP_LOGIN, "DB_APP_LOGIN_SECRET_ARN"),
        (login_roles.BACKFILL_LOGIN, "DB_BACKFILL_LOGIN_SECRET_ARN"),
    ):
        password = f"pw-{uuid.uuid4().hex}"
        arn = secrets.create_secret(
            Name=f"diary-{login}-{uuid.uuid4().hex[:8]}",
            SecretString=json.dumps({"username": login, "password": password}),
        )["ARN"]
        monkeypatch.setenv(setting, arn)
        made[login] = (arn, password)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_endpoint)
    monkeypatch.setattr(parameters_base, "DEFAULT_PROVIDERS", {})
    services.reload()
    yield secrets, made
    services.reload()


@pytest.fixture
def password_server():
    """A server of its own that asks the logins for their passwords and logs every statement."""
    from pathlib import Path

    from tests.throwaway_postgres import throwaway_server

    with throwaway_server() as server:
        admin = psycopg2.connect(server.get_uri())
        admin.autocommit = True
        hba = Path(server.pgdata) / "pg_hba.conf"
        logins = (login_roles.APP_LOGIN, login_roles.BACKFILL_LOGIN)
        hba.write_text("".join(f"local all {login} scram-sha-256\n" for login in logins) + hba.read_text())
        with admin.cursor() as cur:
            cur.execute("ALTER SYSTEM SET log_statement = 'all'")
            cur.execute("SELECT pg_reload_conf()")
        try:
            yield server, admin
        finally:
            admin.close()


def test_migrations_set_each_logins_password_from_its_secret_and_never_send_it(
    password_server, login_secrets, moto_endpoint, monkeypatch
):
    from pathlib import Path

    from tests.integration.conftest import configured_as_in_aws
    from tests.throwaway_postgres import migrate, socket_dir

    server, _ = password_server
    _, made = login_secrets
    migrate(server.get_uri())
    migrate(server.get_uri())  # every run sets them again: a secret may have changed

    for login, (_, password) in made.items():
        psycopg2.connect(host=socket_dir(server), dbname="postgres", user=login, password=password).close()
        with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
            psycopg2.connect(host=socket_dir(server), dbname="postgres", user=login, password="not-it")
    log = (Path(server.pgdata) / "log").read_text(encoding="utf-8", errors="replace")
    assert log.count(f'ALTER ROLE "{login_roles.APP_LOGIN}" WITH LOGIN PASSWORD \'SCRAM-SHA-256$') == 2
    assert not [login for login, (_, password) in made.items() if password in log]

    # The function, configured as in AWS with the app login's secret, logs in as that login.
    app_arn, _ = made[login_roles.APP_LOGIN]
    aws = {"DB_SECRET_ARN": app_arn, "DB_HOST": socket_dir(server), "DB_PORT": "5432", "DB_NAME": "postgres"}
    with (
        configured_as_in_aws(monkeypatch, moto_endpoint, **aws),
        services.current().store.transaction_cursor(None) as cur,
    ):
        cur.execute("SELECT session_user AS login")
        assert cur.fetchone()["login"] == login_roles.APP_LOGIN


def test_a_secret_that_names_another_user_stops_the_migration_without_saying_its_password(
    password_server, login_secrets
):
    import json

    from tests.throwaway_postgres import migrate

    server, _ = password_server
    secrets, made = login_secrets
    arn, _ = made[login_roles.BACKFILL_LOGIN]
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "diary_admin", "password": "s3cret-x"}))
    with pytest.raises(login_roles.LoginSecretMismatch) as refused:
        migrate(server.get_uri())
    assert str(refused.value) == f"the secret for {login_roles.BACKFILL_LOGIN} names another user"
