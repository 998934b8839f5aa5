"""SQL for the records table. Every statement is filtered by the owner's id, but the backfill's,
which acts as diary_backfill (migration 0005: it reads texts and writes embeddings, nothing else).

An embedding (migration 0005) is passed as pgvector's text form ('[0.1,0.2,...]') so that no adapter
package is needed; NULL where the model gave none, for the backfill to fill."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from handler.dal.repository import Repository
from handler.models import Record

_COLUMNS = "id, content, record_date, created_at"
# A record matches when it holds any of the terms; the terms are bound as an array, never spliced.
_ANY_TERM = "to_tsquery('simple', array_to_string(%(terms)s::text[], ' | '))"
# Reciprocal rank fusion: a record's score is the sum over rankings of 1 / (K + its rank there).
_RRF_K = 60


def vector_literal(vector: list[float] | None) -> str | None:
    # One %-format over the whole vector: a third faster than formatting each number in a generator
    # (about 0.08 ms of a warm POST /records, for 1,024 dimensions). 7 digits: what float4 keeps.
    return None if vector is None else "[" + ",".join(["%.7g"] * len(vector)) % tuple(vector) + "]"


@dataclass(frozen=True)
class RecordDraft:
    """A record to store: `search_document` its text as indexed for search (handler.search_terms);
    `embedding` None when the model gave none (the backfill fills it)."""

    id: uuid.UUID
    content: str
    record_date: dt.date
    search_document: str
    embedding: list[float] | None = None


@dataclass(frozen=True)
class RecordChange:
    """A record's new text and/or day; a new text comes with its search document and embedding."""

    content: str | None = None
    record_date: dt.date | None = None
    search_document: str | None = None
    embedding: list[float] | None = None


@dataclass(frozen=True)
class UnembeddedRecord:
    """A record of any user with no embedding yet (the backfill's)."""

    id: uuid.UUID
    content: str


@dataclass(frozen=True)
class RecordCopy:
    """A record of an export document, stored as it was (POST /me/import), under `id`; its embedding
    is left NULL for the backfill to compute, never taken from the document."""

    id: uuid.UUID
    content: str
    record_date: dt.date
    created_at: dt.datetime
    search_document: str


class Records(Repository):
    def insert(self, draft: RecordDraft) -> Record:
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO records (id, user_id, content, record_date, search_terms, embedding)"
                f" VALUES (%s, %s, %s, %s, to_tsvector('simple', %s), %s::vector) RETURNING {_COLUMNS}",
                (
                    str(draft.id),
                    self._user_id,
                    draft.content,
                    draft.record_date,
                    draft.search_document,
                    vector_literal(draft.embedding),
                ),
            )
            return Record.model_validate(cur.fetchone())

    def search(
        self,
        terms: list[str],
        period: tuple[dt.date, dt.date] | None,
        limit: int,
        meaning: list[float] | None = None,
    ) -> list[Record]:
        """The owner's records, best first. By words: ranked by how many of `terms` they hold. With
        `meaning` (the question's embedding) also by closeness of meaning, the two rankings fused
        (reciprocal rank fusion), so that a record found by either comes up. Within `period` every
        record qualifies; without one, those matching a term or, with `meaning`, those nearest in
        meaning (all of the owner's records that have an embedding, best first)."""
        query = _ANY_TERM
        start, end = period or (None, None)
        params = {"terms": terms, "user_id": self._user_id, "start": start, "end": end, "limit": limit}
        if meaning is None:
            scope = "record_date BETWEEN %(start)s AND %(end)s" if period else f"search_terms @@ {query}"
            with self._unit() as cur:
                cur.execute(
                    f"SELECT {_COLUMNS} FROM records WHERE user_id = %(user_id)s AND {scope}"
                    f" ORDER BY ts_rank(search_terms, {query}) DESC, record_date DESC, created_at DESC"
                    " LIMIT %(limit)s",
                    params,
                )
                return [Record.model_validate(row) for row in cur.fetchall()]
        scope = (
            "record_date BETWEEN %(start)s AND %(end)s"
            if period
            else f"(search_terms @@ {query} OR embedding IS NOT NULL)"
        )
        with self._unit() as cur:
            cur.execute(
                f"WITH found AS (SELECT {_COLUMNS}, search_terms @@ {query} AS by_words,"
                f" ts_rank(search_terms, {query}) AS words, embedding <=> %(meaning)s::vector AS distance"
                f" FROM records WHERE user_id = %(user_id)s AND {scope}),"
                " ranked AS (SELECT *, rank() OVER (ORDER BY words DESC) AS words_rank,"
                " rank() OVER (ORDER BY distance NULLS LAST) AS meaning_rank FROM found)"
                f" SELECT {_COLUMNS} FROM ranked"
                f" ORDER BY (CASE WHEN by_words THEN 1.0 / ({_RRF_K} + words_rank) ELSE 0 END)"
                f" + (CASE WHEN distance IS NOT NULL THEN 1.0 / ({_RRF_K} + meaning_rank) ELSE 0 END) DESC,"
                " record_date DESC, created_at DESC LIMIT %(limit)s",
                {**params, "meaning": vector_literal(meaning)},
            )
            return [Record.model_validate(row) for row in cur.fetchall()]

    def matching(self, terms: list[str], period: tuple[dt.date, dt.date] | None, limit: int) -> list[Record]:
        """The owner's records holding any of `terms` (within `period`), most matching first, then newest."""
        start, end = period or (dt.date.min, dt.date.max)
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM records WHERE user_id = %(user_id)s AND search_terms @@ {_ANY_TERM}"
                " AND record_date BETWEEN %(start)s AND %(end)s"
                f" ORDER BY ts_rank(search_terms, {_ANY_TERM}) DESC, record_date DESC, created_at DESC"
                " LIMIT %(limit)s",
                {"terms": terms, "user_id": self._user_id, "start": start, "end": end, "limit": limit},
            )
            return [Record.model_validate(row) for row in cur.fetchall()]

    def exists(self, period: tuple[dt.date, dt.date] | None) -> bool:
        """Whether the owner has any record (within `period`)."""
        start, end = period or (dt.date.min, dt.date.max)
        with self._unit() as cur:
            cur.execute(
                "SELECT EXISTS (SELECT 1 FROM records WHERE user_id = %s AND record_date BETWEEN %s AND %s) AS found",
                (self._user_id, start, end),
            )
            row = cur.fetchone()
        return bool(row and row["found"])

    def latest(
        self,
        limit: int,
        period: tuple[dt.date, dt.date] | None = None,
        before: tuple[dt.date, dt.datetime, uuid.UUID] | None = None,
    ) -> list[Record]:
        """The owner's most recent records (within `period`), newest first: the last jotted of a day
        first; resuming before `before` (list_between's order, reversed)."""
        start, end = period or (dt.date.min, dt.date.max)
        keyset = "AND (record_date, created_at, id) < (%s, %s, %s)" if before else ""
        params: tuple = (self._user_id, start, end)
        if before:
            params += (before[0], before[1], str(before[2]))
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM records WHERE user_id = %s AND record_date BETWEEN %s AND %s {keyset}"
                " ORDER BY record_date DESC, created_at DESC, id DESC LIMIT %s",
                (*params, limit),
            )
            return [Record.model_validate(row) for row in cur.fetchall()]

    def without_embedding(self, limit: int) -> list[UnembeddedRecord]:
        """Records of any user that have no embedding yet (as diary_backfill)."""
        with self._unit() as cur:
            cur.execute("SELECT id, content FROM records WHERE embedding IS NULL LIMIT %s", (limit,))
            return [UnembeddedRecord(**row) for row in cur.fetchall()]

    def set_embedding(self, record: UnembeddedRecord, embedding: list[float]) -> None:
        """As diary_backfill: the only column it may write."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE records SET embedding = %s::vector WHERE id = %s", (vector_literal(embedding), str(record.id))
            )

    def list_between(
        self,
        date_from: dt.date,
        date_to: dt.date,
        limit: int,
        after: tuple[dt.date, dt.datetime, uuid.UUID] | None = None,
    ) -> list[Record]:
        """Records in [date_from, date_to] in the order they were jotted down, resuming after `after`."""
        keyset = "AND (record_date, created_at, id) > (%s, %s, %s)" if after else ""
        params: tuple = (self._user_id, date_from, date_to)
        if after:
            params += (after[0], after[1], str(after[2]))
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM records"
                f" WHERE user_id = %s AND record_date BETWEEN %s AND %s {keyset}"
                " ORDER BY record_date, created_at, id LIMIT %s",
                (*params, limit),
            )
            return [Record.model_validate(row) for row in cur.fetchall()]

    def spread_between(self, date_from: dt.date, date_to: dt.date, per_day: int) -> tuple[list[Record], int]:
        """At most `per_day` records of each day in [date_from, date_to], spread evenly over the day
        (every k-th in the order jotted down, k the day's count over `per_day` rounded up), in that
        order; and how many records the period holds in all. A day never loses all of its records."""
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS}, total FROM ("
                f" SELECT {_COLUMNS}, count(*) OVER () AS total,"
                " row_number() OVER (PARTITION BY record_date ORDER BY created_at, id) - 1 AS i,"
                " count(*) OVER (PARTITION BY record_date) AS n"
                " FROM records WHERE user_id = %s AND record_date BETWEEN %s AND %s) AS day"
                " WHERE i %% ceil(n::numeric / %s)::int = 0 ORDER BY record_date, created_at, id",
                (self._user_id, date_from, date_to, per_day),
            )
            rows = cur.fetchall()
        return [Record.model_validate(row) for row in rows], rows[0]["total"] if rows else 0

    def delete(self, record_id: uuid.UUID) -> bool:
        with self._unit() as cur:
            cur.execute("DELETE FROM records WHERE id = %s AND user_id = %s", (str(record_id), self._user_id))
            return cur.rowcount == 1

    def update(self, record_id: uuid.UUID, change: RecordChange) -> Record | None:
        """Change a record's text and/or day; a new text gets its search terms and embedding (or none,
        for the backfill) in the same statement, so the index never describes an old text."""
        sets: list[str] = []
        params: list[object] = []
        if change.content is not None:
            sets += ["content = %s", "search_terms = to_tsvector('simple', %s)", "embedding = %s::vector"]
            params += [change.content, change.search_document, vector_literal(change.embedding)]
        if change.record_date is not None:
            sets.append("record_date = %s")
            params.append(change.record_date)
        with self._unit() as cur:
            cur.execute(
                f"UPDATE records SET {', '.join(sets)} WHERE id = %s AND user_id = %s RETURNING {_COLUMNS}",
                (*params, str(record_id), self._user_id),
            )
            row = cur.fetchone()
        return None if row is None else Record.model_validate(row)

    def of_user(self) -> list[Record]:
        """Every record of the owner, in the order they were jotted down (the export)."""
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM records WHERE user_id = %s ORDER BY record_date, created_at, id",
                (self._user_id,),
            )
            return [Record.model_validate(row) for row in cur.fetchall()]

    def held(self, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Which of `ids` are the owner's records."""
        with self._unit() as cur:
            cur.execute("SELECT id FROM records WHERE user_id = %s AND id = ANY(%s::uuid[])", (self._user_id, ids))
            return {row["id"] for row in cur.fetchall()}

    def insert_absent(self, copies: list[RecordCopy]) -> set[uuid.UUID]:
        """Store each copy unless a record of anyone holds its id already; the ids stored."""
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO records (id, user_id, content, record_date, created_at, search_terms)"
                " SELECT id, %s, content, record_date, created_at, to_tsvector('simple', document)"
                " FROM unnest(%s::uuid[], %s::text[], %s::date[], %s::timestamptz[], %s::text[])"
                " AS copy (id, content, record_date, created_at, document)"
                " ON CONFLICT (id) DO NOTHING RETURNING id",
                (
                    self._user_id,
                    [c.id for c in copies],
                    [c.content for c in copies],
                    [c.record_date for c in copies],
                    [c.created_at for c in copies],
                    [c.search_document for c in copies],
                ),
            )
            return {row["id"] for row in cur.fetchall()}

    def erase(self) -> int:
        """Every record of the owner."""
        with self._unit() as cur:
            cur.execute("DELETE FROM records WHERE user_id = %s", (self._user_id,))
            return cur.rowcount
