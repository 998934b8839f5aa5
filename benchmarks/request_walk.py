"""How a request moves through the code: the walk of one POST /diaries, as moves between modules.

    python -m benchmarks.request_walk

Runs the function in this process as `make run` does (embedded PostgreSQL, offline model), stores
a record, then traces the POST /diaries that writes that day's diary and counts, over the project's
own modules only:
- moves: each step from one of the project's modules into another (a call) or back (a return);
- logic into dal: calls from a use case (handler.logic) into the data layer (handler.dal);
- `user_id` hand-offs: calls of project functions that take a parameter named `user_id`, by the
  layer of the module that makes the call (api, logic: threaded by hand; dal: inside the store).
Issue 24 asked for this walk before and after the caller's store; the figures are counts, not
times, so the same code gives the same figures on any machine.
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANDLER = str(ROOT / "handler")
EVENTS = ROOT / "events" / "http-api"


def _module(frame) -> str | None:
    filename = frame.f_code.co_filename
    if not filename.startswith(HANDLER) or "/handler/local/" in filename:
        return None
    return frame.f_globals.get("__name__")


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else module


def walk(run) -> dict:
    moves = 0
    logic_into_dal = 0
    hand_offs: collections.Counter[str] = collections.Counter()
    path: list[str] = []

    def profile(frame, event, arg):
        nonlocal moves, logic_into_dal
        if event not in ("call", "return"):
            return
        here = _module(frame)
        if here is None:
            return
        caller = frame.f_back
        while caller is not None and _module(caller) is None:
            caller = caller.f_back
        there = _module(caller) if caller is not None else None
        if there is None or there == here:
            return
        moves += 1
        if event == "call":
            path.append(f"{there} -> {here}")
            if _layer(there) == "logic" and _layer(here) == "dal":
                logic_into_dal += 1
            if "user_id" in frame.f_code.co_varnames[: frame.f_code.co_argcount + frame.f_code.co_kwonlyargcount]:
                hand_offs[f"by {_layer(there)}"] += 1

    sys.setprofile(profile)
    try:
        answer = run()
    finally:
        sys.setprofile(None)
    return {
        "status": answer["statusCode"],
        "moves between modules": moves,
        "calls from logic into dal": logic_into_dal,
        "user_id hand-offs": sum(hand_offs.values()),
        "user_id hand-offs by layer": dict(sorted(hand_offs.items())),
        "calls": path,
    }


def main() -> int:
    from handler.local.invoke import LocalContext, start_local_services

    start_local_services()
    from handler.app import lambda_handler

    def event(name: str) -> dict:
        return json.loads((EVENTS / name).read_text(encoding="utf-8"))

    stored = lambda_handler(event("records-create.json"), LocalContext())
    assert stored["statusCode"] == 201, stored
    # The sample diary event asks for the sample record's day.
    request = event("diaries-create.json")
    figures = walk(lambda: lambda_handler(request, LocalContext()))
    calls = figures.pop("calls")
    if "--calls" in sys.argv:
        print("\n".join(calls))
    print(json.dumps(figures, indent=2))
    return 0 if figures["status"] == 201 else 1


if __name__ == "__main__":
    sys.exit(main())
