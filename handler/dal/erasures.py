"""SQL for the erasures table (migration 0011): erasures asked for, pending, and done (the proof)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from handler.dal.repository import Repository, one_row


@dataclass(frozen=True)
class PendingErasure:
    user_id: str
    requested_at: dt.datetime


class Erasures(Repository):
    """The service's own table, for no user: it names the users whose erasure is pending."""

    def ask(self, subject: str, user_id: str) -> str:
        """Record that the user's erasure was asked for (again: unchanged); its status."""
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO erasures (subject, user_id) VALUES (%s, %s)"
                " ON CONFLICT (subject) DO UPDATE SET subject = erasures.subject RETURNING status",
                (subject, user_id),
            )
            return one_row(cur)["status"]

    def status(self, subject: str) -> str | None:
        with self._unit() as cur:
            cur.execute("SELECT status FROM erasures WHERE subject = %s", (subject,))
            row = cur.fetchone()
        return None if row is None else row["status"]

    def complete(self, subject: str, erased: dict[str, int]) -> bool:
        """The proof: when, and how many of each; the user's id is dropped. False when already done."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE erasures SET status = 'done', user_id = NULL, completed_at = now(), erased = %s"
                " WHERE subject = %s AND status = 'pending'",
                (json.dumps(erased), subject),
            )
            return cur.rowcount == 1

    def take_unsent(self, since: dt.timedelta, limit: int) -> list[PendingErasure]:
        """Pending erasures last sent longer than `since` ago, marked sent now (oldest first)."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE erasures SET sent_at = now() WHERE subject IN ("
                " SELECT subject FROM erasures WHERE status = 'pending' AND sent_at < now() - %s"
                " ORDER BY sent_at LIMIT %s FOR UPDATE SKIP LOCKED)"
                " RETURNING user_id, requested_at",
                (since, limit),
            )
            return [PendingErasure(**row) for row in cur.fetchall()]

    def overdue(self, deadline: dt.timedelta) -> int:
        """Pending erasures asked for longer than `deadline` ago."""
        with self._unit() as cur:
            cur.execute(
                "SELECT count(*) AS n FROM erasures WHERE status = 'pending' AND requested_at < now() - %s",
                (deadline,),
            )
            return int(one_row(cur)["n"])
