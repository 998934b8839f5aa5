"""What every table group's repository is: its SQL, bound to who acts (handler.dal.store)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from psycopg2.extras import RealDictCursor, RealDictRow

# Opens the cursor a repository's statement runs on: a transaction of its own (one round trip), or
# the cursor of the transaction the repository was taken from.
Unit = Callable[[], AbstractContextManager[RealDictCursor]]


class Repository:
    """`user_id`: whom the statements act for, kept for their WHERE clauses (row-level security
    holds them to that user as well); None for a service role's statements, across users."""

    def __init__(self, unit: Unit, user_id: str | None) -> None:
        self._unit = unit
        self._user_id = user_id


def one_row(cur: RealDictCursor) -> RealDictRow:
    """The row of a statement that always returns exactly one (an INSERT ... RETURNING, an aggregate)."""
    row = cur.fetchone()
    if row is None:
        raise RuntimeError("the statement returned no row")
    return row
