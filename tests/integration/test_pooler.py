"""Tenant isolation and idempotency behind a transaction-pooling proxy, and what RDS Proxy pins.

In AWS the function reaches PostgreSQL through RDS Proxy, which hands a database connection to
another client at the end of each transaction; tenant isolation then rests on every setting of a
transaction (the caller, the role row-level security applies to, the statement timeout) ending
with it. Here PgBouncer in `pool_mode = transaction` (tests/pgbouncer.py) plays that part with
fewer server connections than clients:

- the isolation and idempotency tests run again through it (imported below, so they run twice:
  straight and pooled);
- processes acting for different users interleave on the same server connections, each checking
  with a crafted query (no `user_id` filter of the application's own) that it only sees its rows;
- the load test runs through it: 8 processes for 30 s.

And without a pooler: a recorder on the wire (tests/wire_recorder.py) shows that nothing the
function sends is what RDS Proxy pins a session for (the Amazon RDS User Guide's "Avoiding pinning
an RDS Proxy"): no SET, no set_config in the query text (diary_act_for, migration 0007, does it
inside a function, which the proxy does not inspect), no extended query protocol, no PREPARE,
LISTEN, DECLARE, advisory lock or sequence function.

Locally a missing `pgbouncer` skips the pooled tests; in CI (`CI` set) it is a failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from handler.dal.login_roles import APP_LOGIN
from handler.local.embedded_postgres import login_url
from tests import pgbouncer, tally
from tests.integration.test_idempotency import (  # noqa: F401 - collected again, through the pooler
    test_a_failed_request_can_be_retried_with_the_same_key as test_pooled_a_failed_request_can_be_retried,
)
from tests.integration.test_idempotency import (  # noqa: F401
    test_a_retry_returns_the_first_response_and_stores_once as test_pooled_a_retry_stores_once,
)
from tests.integration.test_idempotency import (  # noqa: F401
    test_concurrent_duplicates_store_exactly_once as test_pooled_concurrent_duplicates_store_once,
)
from tests.integration.test_idempotency import (  # noqa: F401
    test_keys_are_scoped_to_the_caller_and_the_route as test_pooled_keys_are_scoped,
)
from tests.integration.test_isolation import a_account  # noqa: F401 - the imported test's fixture
from tests.integration.test_isolation import (  # noqa: F401
    test_b_can_neither_read_edit_delete_nor_find_anything_of_as as test_pooled_isolation,
)
from tests.support import load, services
from tests.support.requests import ROOT, call, jot
from tests.tls_proxy import upstream_of
from tests.wire_recorder import WireRecorder

SECTION = "pooler"
POOL_SIZE = 2


@pytest.fixture(scope="module")
def bouncer(test_database):
    if pgbouncer.binary() is None:
        if os.environ.get("CI"):
            pytest.fail("pgbouncer is not installed (CI is set, so this is a failure, not a skip)")
        pytest.skip("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    # The function's own login behind the pooler, as behind RDS Proxy.
    with pgbouncer.PgBouncer(login_url(test_database, APP_LOGIN), pool_size=POOL_SIZE) as running:
        yield running


@pytest.fixture(autouse=True)
def _through_the_pooler(request, monkeypatch):
    """Every test of this module but the wire recorder's acts through PgBouncer."""
    if request.node.name.startswith("test_nothing_the_function_sends"):
        yield
        return

    running = request.getfixturevalue("bouncer")
    services.current().store.close()
    monkeypatch.setenv("DATABASE_URL", running.url)
    services.reload()
    yield
    services.current().store.close()
    monkeypatch.undo()
    services.reload()


_INTERLEAVED = textwrap.dedent(
    """
    import json, sys, time
    from handler.dal.store import Store
    from handler.settings import load_settings

    store = Store(load_settings())

    user, rounds, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    while time.time() < start_at:
        time.sleep(0.001)
    seen_users, acting_for, servers = set(), set(), set()
    for n in range(rounds):
        with store.statement_cursor(user) as cur:
            cur.execute(
                "INSERT INTO records (id, user_id, content, record_date)"
                " VALUES (gen_random_uuid(), %s, %s, '2026-11-25')",
                (user, f"interleaved {n}"),
            )
        with store.transaction_cursor(user) as cur:
            # Crafted: no filter of the application's own; row-level security alone decides.
            cur.execute("SELECT DISTINCT user_id FROM records")
            seen_users |= {row["user_id"] for row in cur.fetchall()}
            cur.execute("SELECT current_setting('app.user_id') AS acting_for, inet_server_port() AS port,"
                        " pg_backend_pid() AS server")
            row = cur.fetchone()
            acting_for.add(row["acting_for"])
            servers.add(row["server"])
    print(json.dumps({"seen": sorted(seen_users), "acting_for": sorted(acting_for), "servers": sorted(servers)}))
    """
)


def test_users_interleaved_on_shared_server_connections_each_see_only_their_own(bouncer, db):
    processes, rounds = 6, 60
    users = [f"pooled-{uuid.uuid4()}" for _ in range(processes)]
    env = {**os.environ, "DATABASE_URL": bouncer.url, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    start_at = time.time() + 3
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _INTERLEAVED, user, str(rounds), str(start_at)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for user in users
    ]
    outputs = [child.communicate(timeout=300) for child in children]
    assert [child.returncode for child in children] == [0] * processes, [err[-2000:] for _, err in outputs]
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]

    for user, report in zip(users, reports, strict=True):
        assert report["seen"] == [user], report["seen"]
        assert report["acting_for"] == [user], report["acting_for"]
    servers = [set(report["servers"]) for report in reports]
    shared = set.union(*servers)
    tally.put(SECTION, "interleaved processes", processes)
    tally.put(SECTION, "server connections they shared", len(shared))
    assert len(shared) <= POOL_SIZE  # six clients, at most two server connections
    # Each server connection carried transactions of several users.
    assert all(sum(pid in seen for seen in servers) > 1 for pid in shared), servers
    db.execute("SELECT user_id, count(*) AS n FROM records WHERE user_id = ANY(%s) GROUP BY user_id", (users,))
    assert {row["user_id"]: row["n"] for row in db.fetchall()} == dict.fromkeys(users, rounds)


LOAD_PROCESSES = int(os.environ.get("POOLER_LOAD_PROCESSES", "8"))
LOAD_SECONDS = float(os.environ.get("POOLER_LOAD_SECONDS", "30"))


def test_load_through_the_pooler_loses_and_duplicates_nothing(bouncer, db, tmp_path):
    figures = load.run(
        bouncer.url, db, tmp_path, LOAD_PROCESSES, seconds=LOAD_SECONDS, connections=bouncer.server_connections
    )
    load.tally_figures(SECTION, figures)
    load.assert_nothing_lost(figures)
    assert 0 < figures["peak connections"] <= POOL_SIZE, figures["peak connections"]


# What RDS Proxy pins a PostgreSQL session for, as statements (the User Guide's list).
_PINNING = re.compile(
    r"^\s*(SET|RESET|PREPARE|EXECUTE|DEALLOCATE|DISCARD|LISTEN|DECLARE|LOAD|CREATE\s+TEMP)\b"
    r"|set_config|pg_advisory|nextval|setval",
    re.IGNORECASE,
)


def test_nothing_the_function_sends_pins_an_rds_proxy_session(test_database, monkeypatch, user):
    from psycopg2.extensions import make_dsn

    with WireRecorder(upstream_of(test_database)) as recorder:
        monkeypatch.setenv(
            "DATABASE_URL", make_dsn(test_database, host="127.0.0.1", port=recorder.port, sslmode="disable")
        )
        services.reload()
        services.current().store.close()
        try:
            [record] = jot(user, "2026-11-25", "친구랑 영화 봤어")
            headers = {"idempotency-key": f"wire-{uuid.uuid4()}"}
            assert (
                call(
                    "POST", "/records", {"content": "두 번", "record_date": "2026-11-25"}, user=user, headers=headers
                ).status
                == 201
            )
            assert call("PATCH", f"/records/{record}", {"content": "친구랑 영화관 갔어"}, user=user).status == 200
            assert call("GET", "/records", user=user, query={"q": "영화관"}).status == 200
            assert call("POST", "/diaries", {"date": "2026-11-25"}, user=user).status == 201
            assert call("PUT", "/diaries/2026-11-24", {"title": "t", "content": "c"}, user=user).status == 201
            assert (
                call("POST", "/questions", {"question": "영화 봤어?", "current_date": "2026-11-25"}, user=user).status
                == 200
            )
            assert (
                call("POST", "/reports", {"start_date": "2026-11-25", "end_date": "2026-11-25"}, user=user).status
                == 202
            )
            exported = call("GET", "/me/export", user=user)
            assert exported.status == 200
            assert call("POST", "/me/import", exported.body, user=f"{user}-again").status == 200
            assert call("DELETE", "/me", user=user).status == 202
        finally:
            services.current().store.close()
            monkeypatch.undo()
            services.reload()
    statements = [s for query in recorder.queries for s in query.split(";") if s.strip()]
    tally.put(SECTION, "queries recorded on the wire", len(recorder.queries))
    assert any("diary_act_for" in s for s in statements)  # the recorder saw the function's queries
    assert recorder.parses == 0  # the simple query protocol only
    pinning = [s.strip()[:120] for s in statements if _PINNING.search(s)]
    assert not pinning, pinning
