"""SQL for the quota tables (migration 0012): each user's model work per day, and their request rate.

Every admission is one statement on one row, so that it is exact under concurrency: PostgreSQL's
INSERT ... ON CONFLICT DO UPDATE either inserts or locks the existing row, and evaluates the
update's WHERE on the row as the last committed admission left it
(https://www.postgresql.org/docs/16/sql-insert.html#SQL-ON-CONFLICT). Requests of one user
queue on that row's lock; no two can both take the last unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handler.dal.repository import Repository, one_row


@dataclass(frozen=True)
class DayUsage:
    model_calls: int = 0
    pictures: int = 0
    tokens: int = 0
    photos: int = 0
    photo_bytes: int = 0


@dataclass(frozen=True)
class DayLimits:
    model_calls: int
    pictures: int
    tokens: int


class Quotas(Repository):
    def reserve(self, day: dt.date, calls: int, pictures: int, limits: DayLimits) -> DayUsage | None:
        """Add `calls` and `pictures` to the day's counts when both stay within their limits and the
        day's tokens are still below theirs: the counts after, or None (nothing added)."""
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO model_usage AS u (user_id, day, model_calls, pictures)"
                " SELECT %(user)s, %(day)s, %(calls)s, %(pictures)s"
                " WHERE %(calls)s <= %(max_calls)s AND %(pictures)s <= %(max_pictures)s AND %(max_tokens)s > 0"
                " ON CONFLICT (user_id, day) DO UPDATE SET model_calls = u.model_calls + excluded.model_calls,"
                " pictures = u.pictures + excluded.pictures, updated_at = now()"
                " WHERE u.model_calls + excluded.model_calls <= %(max_calls)s"
                " AND u.pictures + excluded.pictures <= %(max_pictures)s AND u.tokens < %(max_tokens)s"
                " RETURNING model_calls, pictures, tokens",
                {
                    "user": self._user_id,
                    "day": day,
                    "calls": calls,
                    "pictures": pictures,
                    "max_calls": limits.model_calls,
                    "max_pictures": limits.pictures,
                    "max_tokens": limits.tokens,
                },
            )
            row = cur.fetchone()
        return None if row is None else DayUsage(**row)

    def reserve_photo(self, day: dt.date, size_bytes: int, max_photos: int, max_bytes: int) -> bool:
        """Count one photo of `size_bytes` on the day when the day's photos and their bytes stay within
        their limits; False (nothing counted) otherwise. The row stays locked until the transaction
        ends, which holds the user's other photo admissions back meanwhile (handler.logic.photos)."""
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO model_usage AS u (user_id, day, photos, photo_bytes)"
                " SELECT %(user)s, %(day)s, 1, %(size)s WHERE 1 <= %(max_photos)s AND %(size)s <= %(max_bytes)s"
                " ON CONFLICT (user_id, day) DO UPDATE SET photos = u.photos + 1,"
                " photo_bytes = u.photo_bytes + excluded.photo_bytes, updated_at = now()"
                " WHERE u.photos + 1 <= %(max_photos)s AND u.photo_bytes + excluded.photo_bytes <= %(max_bytes)s"
                " RETURNING photos",
                {
                    "user": self._user_id,
                    "day": day,
                    "size": size_bytes,
                    "max_photos": max_photos,
                    "max_bytes": max_bytes,
                },
            )
            return cur.fetchone() is not None

    def settle(self, day: dt.date, calls: int, pictures: int, tokens: int) -> None:
        """Add what a request really spent beyond (or, negative, short of) what it reserved, and its tokens."""
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO model_usage AS u (user_id, day, model_calls, pictures, tokens)"
                " VALUES (%(user)s, %(day)s, greatest(%(calls)s, 0), greatest(%(pictures)s, 0), %(tokens)s)"
                " ON CONFLICT (user_id, day) DO UPDATE SET model_calls = greatest(u.model_calls + %(calls)s, 0),"
                " pictures = greatest(u.pictures + %(pictures)s, 0), tokens = u.tokens + %(tokens)s,"
                " updated_at = now()",
                {"user": self._user_id, "day": day, "calls": calls, "pictures": pictures, "tokens": tokens},
            )

    def day_usage(self, day: dt.date) -> DayUsage:
        with self._unit() as cur:
            cur.execute(
                "SELECT model_calls, pictures, tokens, photos, photo_bytes FROM model_usage"
                " WHERE user_id = %s AND day = %s",
                (self._user_id, day),
            )
            row = cur.fetchone()
        return DayUsage() if row is None else DayUsage(**row)

    def take_request(self, step_s: float, window_s: float) -> float | None:
        """Admit one request of the user's rate: None, or the seconds until one would be admitted.
        `step_s` is window/limit: each admission moves the user's next free moment on by it, and one is
        refused while that moment would end up more than the window ahead of now. The wait of a refused
        one is read from the same snapshot, so a concurrent admission may make it a little short."""
        with self._unit() as cur:
            cur.execute(
                "WITH admitted AS ("
                " INSERT INTO request_rates AS r (user_id, next_free_at)"
                " VALUES (%(user)s, now() + make_interval(secs => %(step)s))"
                " ON CONFLICT (user_id) DO UPDATE"
                " SET next_free_at = greatest(r.next_free_at, now()) + make_interval(secs => %(step)s)"
                " WHERE greatest(r.next_free_at, now()) + make_interval(secs => %(step)s)"
                " <= now() + make_interval(secs => %(window)s)"
                " RETURNING 1)"
                " SELECT EXISTS (SELECT FROM admitted) AS admitted,"
                " (SELECT extract(epoch FROM next_free_at + make_interval(secs => %(step)s)"
                " - make_interval(secs => %(window)s) - now()) FROM request_rates WHERE user_id = %(user)s) AS wait_s",
                {"user": self._user_id, "step": step_s, "window": window_s},
            )
            row = one_row(cur)
        return None if row["admitted"] else float(row["wait_s"] or 0)

    def rate_ahead_s(self) -> float:
        """How far the user's next free moment is ahead of now, in seconds (0: the bucket is full)."""
        with self._unit() as cur:
            cur.execute(
                "SELECT extract(epoch FROM greatest(next_free_at - now(), interval '0')) AS ahead_s"
                " FROM request_rates WHERE user_id = %s",
                (self._user_id,),
            )
            row = cur.fetchone()
        return 0.0 if row is None else float(row["ahead_s"])

    def erase(self) -> int:
        """The user's counts and rate: nothing of an erased user stays (the rows name them). Two
        statements: in a transaction only."""
        with self._unit() as cur:
            cur.execute("DELETE FROM model_usage WHERE user_id = %s", (self._user_id,))
            days = cur.rowcount
            cur.execute("DELETE FROM request_rates WHERE user_id = %s", (self._user_id,))
            return days

    def purge_past_days(self) -> int:
        """Delete the days whose counts no limit reads any more (as diary_retention, whose policy shows
        it only those: migration 0013)."""
        with self._unit() as cur:
            cur.execute("DELETE FROM model_usage")
            return cur.rowcount
