"""SQL for the erasures table (migration 0011): erasures asked for, pending, and done (the proof)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class PendingErasure:
    user_id: str
    requested_at: dt.datetime


def ask(cur, subject: str, user_id: str) -> str:
    """Record that the user's erasure was asked for (again: unchanged); its status."""
    cur.execute(
        "INSERT INTO erasures (subject, user_id) VALUES (%s, %s)"
        " ON CONFLICT (subject) DO UPDATE SET subject = erasures.subject RETURNING status",
        (subject, user_id),
    )
    return cur.fetchone()["status"]


def status(cur, subject: str) -> str | None:
    cur.execute("SELECT status FROM erasures WHERE subject = %s", (subject,))
    row = cur.fetchone()
    return None if row is None else row["status"]


def complete(cur, subject: str, erased: dict[str, int]) -> bool:
    """The proof: when, and how many of each; the user's id is dropped. False when already done."""
    cur.execute(
        "UPDATE erasures SET status = 'done', user_id = NULL, completed_at = now(), erased = %s"
        " WHERE subject = %s AND status = 'pending'",
        (json.dumps(erased), subject),
    )
    return cur.rowcount == 1


def take_unsent(cur, since: dt.timedelta, limit: int) -> list[PendingErasure]:
    """Pending erasures last sent longer than `since` ago, marked sent now (oldest first)."""
    cur.execute(
        "UPDATE erasures SET sent_at = now() WHERE subject IN ("
        " SELECT subject FROM erasures WHERE status = 'pending' AND sent_at < now() - %s"
        " ORDER BY sent_at LIMIT %s FOR UPDATE SKIP LOCKED)"
        " RETURNING user_id, requested_at",
        (since, limit),
    )
    return [PendingErasure(**row) for row in cur.fetchall()]


def overdue(cur, deadline: dt.timedelta) -> int:
    """Pending erasures asked for longer than `deadline` ago."""
    cur.execute(
        "SELECT count(*) AS n FROM erasures WHERE status = 'pending' AND requested_at < now() - %s", (deadline,)
    )
    return int(cur.fetchone()["n"])
