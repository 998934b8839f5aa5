"""The time the current invocation has left, so slow upstream calls give up before Lambda kills us.

Set once per invocation by the entry point; read by whatever waits on the network.
"""

from __future__ import annotations

import contextvars
import time

from handler.errors import DeadlineExceeded

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


def start(remaining_ms: int | None) -> None:
    _deadline.set(None if remaining_ms is None else time.monotonic() + remaining_ms / 1000)


def seconds_left(margin_s: float) -> float | None:
    """Seconds left after keeping `margin_s` to answer; None when there is no deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return None
    left = deadline - time.monotonic() - margin_s
    if left <= 0:
        raise DeadlineExceeded("no time left for the model call")
    return left
