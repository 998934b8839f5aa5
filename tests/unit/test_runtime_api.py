"""The Runtime API emulator's timing, which `make bench` reports as an invocation's duration: it must
cover the runtime's work between taking the event and answering, and nothing of the emulator's."""

from __future__ import annotations

import http.client
import json
import threading
import time

from tests.support.lambda_image.runtime_api import RuntimeAPI

WORK_S = 0.05


def _one_invocation(address: str) -> None:
    """What awslambdaric does for one event, on one keep-alive connection, with WORK_S of work; it
    asks for the event WORK_S after it was queued."""
    time.sleep(WORK_S)
    host, port = address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    response = conn.getresponse()
    request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
    event = json.loads(response.read())
    time.sleep(WORK_S)
    conn.request("POST", f"/2018-06-01/runtime/invocation/{request_id}/response", body=json.dumps({"echo": event}))
    conn.getresponse().read()
    conn.close()


def test_invoke_timed_counts_the_runtime_s_work_and_not_the_wait_in_the_queue():
    with RuntimeAPI() as api:
        runtime = threading.Thread(target=_one_invocation, args=(api.address,))
        started = time.monotonic()
        runtime.start()
        answer, duration = api.invoke_timed({"n": 1}, timeout=10)
        elapsed = time.monotonic() - started
        runtime.join()

    assert answer == {"echo": {"n": 1}}
    assert duration >= WORK_S
    assert elapsed - duration >= WORK_S
