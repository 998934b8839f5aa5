"""SnapStart's init and hooks (handler.snap_start): the heavy work done once when the init will be
snapshotted, lazy otherwise, and nothing a restored copy must not share left in the snapshot.
The image's own entry point through the restore lifecycle is in tests/image/test_snap_start.py."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import psycopg2

from handler import deadline, snap_start
from tests.support import services
from tests.support.requests import ROOT, call

# Run in a process of its own: what init imports and builds is the point.
_INIT = r"""
import json, sys, time
started = time.perf_counter()
import handler.app as app
took = time.perf_counter() - started
from snapshot_restore_py import get_after_restore, get_before_snapshot
from handler import aws
print(json.dumps({
    "strands": "strands.models.bedrock" in sys.modules,
    "worker": "handler.worker" in sys.modules,
    "resolvers": app._resolver_for.cache_info().currsize,
    "hooks": [len(get_before_snapshot()), len(get_after_restore())],
    # What the app's session resolved at init: nothing (it has none yet; the service models were
    # read with placeholder keys). botocore keeps credentials here.
    "credentials": (held := app.services.aws._session) is not None and held._session._credentials is not None,
    "service models": sorted({k[1] for k in aws._service_models()._cache if k[0] == "load_service_model"}),
    "init s": round(took, 3),
}))
"""


def _init(test_database: str, initialization_type: str | None) -> dict:
    env = {**os.environ, "DATABASE_URL": test_database, "PYTHONPATH": str(ROOT), "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("AWS_LAMBDA_INITIALIZATION_TYPE", None)
    if initialization_type:
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = initialization_type
    run = subprocess.run([sys.executable, "-c", _INIT], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_without_snapstart_init_stays_lazy(test_database):
    found = _init(test_database, "on-demand")
    assert found["strands"] is False and found["worker"] is False
    assert found["resolvers"] == 0 and found["hooks"] == [0, 0] and found["service models"] == []


def test_to_be_snapshotted_init_does_the_heavy_work_once(test_database):
    found = _init(test_database, "snap-start")
    assert found["strands"] is True and found["worker"] is True
    assert found["resolvers"] == 2 and found["hooks"] == [1, 1]
    assert found["service models"] == ["bedrock-runtime", "s3", "sqs"]
    assert found["credentials"] is False, "init resolved credentials the snapshot would keep"


def test_before_the_snapshot_nothing_is_held_that_copies_must_not_share(test_database, user):
    assert call("POST", "/records", {"content": "스냅샷 전에", "record_date": "2026-11-25"}, user=user).status == 201
    pid = services.current().store._current().get_backend_pid()
    held = services.current()
    held.aws.client("s3")
    held.models.bedrock("some-model", None)
    deadline.start(5_000)

    snap_start.before_snapshot(held)

    with psycopg2.connect(test_database) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
        assert cur.fetchone()[0] == 0, "the database connection outlived the snapshot point"
    conn.close()
    assert held.aws._clients == {} and held.aws._session is None and held.models._models == {}
    assert deadline.seconds_left(0) is None
    # What comes after restore makes its own, as a cold start does.
    page = call("GET", "/records", query={"date": "2026-11-25"}, user=user).body
    assert [item["content"] for item in page["items"]] == ["스냅샷 전에"]


def test_after_restore_random_is_reseeded():
    random.seed(20261202)  # as a snapshot would carry it, in every copy
    carried = random.getstate()
    snap_start.after_restore()
    first = random.random()
    random.setstate(carried)
    assert first != random.random()
