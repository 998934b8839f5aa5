"""SQL for the diaries table: one diary per user and day, and its embedding (NULL until it has one)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field

from psycopg2.extras import Json

from handler.dal.records import vector_literal
from handler.dal.repository import Repository, one_row
from handler.models import Diary, LeftOut

_COLUMNS = (
    "diary_date AS date, title, content, model, record_ids, tags, edited, mood, themes, created_at, updated_at,"
    " COALESCE(left_out, '{}') AS left_out,"
    " EXISTS (SELECT 1 FROM images WHERE images.user_id = diaries.user_id"
    " AND images.diary_date = diaries.diary_date) AS has_images"
)


@dataclass(frozen=True)
class DiaryDraft:
    """A diary the model wrote for a day: `record_ids` the records it was shown, `left_out` what it
    was not shown of them; `embedding` None when the model gave none (the backfill fills it);
    `mood` (1-10) and `themes` as the same call read the day (None and [] when it gave none: the
    backfill reads them from the words)."""

    day: dt.date
    title: str
    content: str
    model: str
    record_ids: list[uuid.UUID]
    mood: int | None
    themes: list[str]
    embedding: list[float] | None = None
    left_out: LeftOut = field(default_factory=LeftOut)


@dataclass(frozen=True)
class OwnDiary:
    """A diary the user wrote or edited for a day, with the mood and themes its words were read as."""

    day: dt.date
    title: str
    content: str
    tags: list[str]
    mood: int
    themes: list[str]
    embedding: list[float] | None = None


@dataclass(frozen=True)
class UnembeddedDiary:
    """A diary of any user with no embedding yet (the backfill's): its owner and day, and its text."""

    owner: str
    day: dt.date
    text: str


@dataclass(frozen=True)
class DiaryCopy:
    """A diary of an export document, stored as it was (POST /me/import); its embedding is left NULL
    for the backfill to compute."""

    day: dt.date
    title: str
    content: str
    model: str
    record_ids: list[uuid.UUID]
    tags: list[str]
    edited: bool
    left_out: LeftOut
    mood: int | None
    themes: list[str] | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class DiaryToRead:
    """A diary of any user with no mood yet (the backfill's): its owner and day, and its text."""

    owner: str
    day: dt.date
    text: str


class Diaries(Repository):
    def upsert(self, draft: DiaryDraft, overwrite_edited: bool = False) -> Diary | None:
        """Write the day's diary; writing again replaces it (created_at and the user's tags are kept,
        and it is no longer `edited`), but a diary the user edited only with `overwrite_edited`: None
        when it was kept. The old embedding never outlives its text: replaced, or NULL for the backfill
        to fill."""
        params = (
            self._user_id,
            draft.day,
            draft.title,
            draft.content,
            draft.model,
            [str(i) for i in draft.record_ids],
            vector_literal(draft.embedding),
            Json(draft.left_out.model_dump()),
            draft.mood,
            draft.themes,
        )
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO diaries (user_id, diary_date, title, content, model, record_ids, embedding, left_out,"
                " mood, themes)"
                " VALUES (%s, %s, %s, %s, %s, %s::uuid[], %s::vector, %s, %s, %s::text[])"
                " ON CONFLICT (user_id, diary_date) DO UPDATE SET"
                " title = EXCLUDED.title, content = EXCLUDED.content, model = EXCLUDED.model,"
                " record_ids = EXCLUDED.record_ids, edited = false, updated_at = now(),"
                " embedding = EXCLUDED.embedding, left_out = EXCLUDED.left_out,"
                " mood = EXCLUDED.mood, themes = EXCLUDED.themes"
                " WHERE NOT diaries.edited OR %s"
                f" RETURNING {_COLUMNS}",
                (*params, overwrite_edited),
            )
            row = cur.fetchone()
        return None if row is None else Diary.model_validate(row)

    def get(self, day: dt.date) -> Diary | None:
        with self._unit() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM diaries WHERE user_id = %s AND diary_date = %s", (self._user_id, day))
            row = cur.fetchone()
        return None if row is None else Diary.model_validate(row)

    def list_between(self, first: dt.date, last: dt.date) -> list[Diary]:
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM diaries WHERE user_id = %s AND diary_date BETWEEN %s AND %s"
                " ORDER BY diary_date",
                (self._user_id, first, last),
            )
            return [Diary.model_validate(row) for row in cur.fetchall()]

    def nearest(self, meaning: list[float], limit: int) -> list[Diary]:
        """The owner's diaries nearest in meaning to `meaning`, best first."""
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM diaries WHERE user_id = %s AND embedding IS NOT NULL"
                " ORDER BY embedding <=> %s::vector LIMIT %s",
                (self._user_id, vector_literal(meaning), limit),
            )
            return [Diary.model_validate(row) for row in cur.fetchall()]

    def without_embedding(self, limit: int) -> list[UnembeddedDiary]:
        """Diaries of any user with no embedding (as diary_backfill)."""
        with self._unit() as cur:
            cur.execute(
                "SELECT user_id, diary_date, title, content FROM diaries WHERE embedding IS NULL LIMIT %s", (limit,)
            )
            return [
                UnembeddedDiary(row["user_id"], row["diary_date"], f"{row['title']}\n{row['content']}")
                for row in cur.fetchall()
            ]

    def set_embedding(self, diary: UnembeddedDiary, embedding: list[float]) -> None:
        """As diary_backfill: the only column it may write."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE diaries SET embedding = %s::vector WHERE user_id = %s AND diary_date = %s",
                (vector_literal(embedding), diary.owner, diary.day),
            )

    def without_mood(self, limit: int) -> list[DiaryToRead]:
        """Diaries of any user with no mood (as diary_backfill): written before diaries had one."""
        with self._unit() as cur:
            cur.execute("SELECT user_id, diary_date, title, content FROM diaries WHERE mood IS NULL LIMIT %s", (limit,))
            return [
                DiaryToRead(row["user_id"], row["diary_date"], f"{row['title']}\n{row['content']}")
                for row in cur.fetchall()
            ]

    def set_mood(self, diary: DiaryToRead, mood: int, themes: list[str]) -> None:
        """As diary_backfill: only where no mood was set meanwhile (a rewrite's own wins)."""
        with self._unit() as cur:
            cur.execute(
                "UPDATE diaries SET mood = %s, themes = %s::text[]"
                " WHERE user_id = %s AND diary_date = %s AND mood IS NULL",
                (mood, themes, diary.owner, diary.day),
            )

    def put(self, diary: OwnDiary) -> tuple[Diary, bool]:
        """The user's own diary for the day, marked edited; (the diary, whether it was created). A diary
        the model wrote keeps its model and records; one the user starts is the user's."""
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO diaries (user_id, diary_date, title, content, tags, model, record_ids, edited, embedding,"
                " mood, themes)"
                " VALUES (%s, %s, %s, %s, %s, 'user', '{}', true, %s::vector, %s, %s::text[])"
                " ON CONFLICT (user_id, diary_date) DO UPDATE SET title = EXCLUDED.title,"
                " content = EXCLUDED.content, tags = EXCLUDED.tags, edited = true, updated_at = now(),"
                " embedding = EXCLUDED.embedding, mood = EXCLUDED.mood, themes = EXCLUDED.themes"
                f" RETURNING {_COLUMNS}, (xmax = 0) AS created",
                (
                    self._user_id,
                    diary.day,
                    diary.title,
                    diary.content,
                    diary.tags,
                    vector_literal(diary.embedding),
                    diary.mood,
                    diary.themes,
                ),
            )
            row = one_row(cur)
        return Diary.model_validate(row), bool(row["created"])

    def page(
        self,
        first: dt.date | None,
        last: dt.date | None,
        tag: str | None,
        limit: int,
        after: dt.date | None = None,
    ) -> list[Diary]:
        """The owner's diaries by day, oldest first, from `first` to `last`, with `tag`, after `after`."""
        with self._unit() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM diaries WHERE user_id = %(user_id)s"
                " AND diary_date BETWEEN %(first)s AND %(last)s AND diary_date > %(after)s"
                " AND (%(tag)s::text IS NULL OR tags @> ARRAY[%(tag)s::text])"
                " ORDER BY diary_date LIMIT %(limit)s",
                {
                    "user_id": self._user_id,
                    "first": first or dt.date.min,
                    "last": last or dt.date.max,
                    "after": after or dt.date.min,
                    "tag": tag,
                    "limit": limit,
                },
            )
            return [Diary.model_validate(row) for row in cur.fetchall()]

    def delete(self, day: dt.date) -> bool:
        with self._unit() as cur:
            cur.execute("DELETE FROM diaries WHERE user_id = %s AND diary_date = %s", (self._user_id, day))
            return cur.rowcount == 1

    def insert_absent(self, copies: list[DiaryCopy]) -> set[dt.date]:
        """Store each copy unless the owner has a diary that day (it is kept as it is); the days stored.
        Arrays of arrays cannot be unnested into rows, so record ids and tags travel as JSON."""
        with self._unit() as cur:
            cur.execute(
                "INSERT INTO diaries (user_id, diary_date, title, content, model, record_ids, tags, edited,"
                " left_out, mood, themes, created_at, updated_at)"
                " SELECT %s, day, title, content, model,"
                " ARRAY(SELECT jsonb_array_elements_text(record_ids::jsonb))::uuid[],"
                " ARRAY(SELECT jsonb_array_elements_text(tags::jsonb)), edited, left_out::jsonb, mood,"
                " CASE WHEN themes IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(themes::jsonb)) END,"
                " created_at, updated_at"
                " FROM unnest(%s::date[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::boolean[],"
                " %s::text[], %s::smallint[], %s::text[], %s::timestamptz[], %s::timestamptz[])"
                " AS copy (day, title, content, model, record_ids, tags, edited, left_out, mood, themes, created_at,"
                " updated_at)"
                " ON CONFLICT (user_id, diary_date) DO NOTHING RETURNING diary_date",
                (
                    self._user_id,
                    [c.day for c in copies],
                    [c.title for c in copies],
                    [c.content for c in copies],
                    [c.model for c in copies],
                    [json.dumps([str(i) for i in c.record_ids]) for c in copies],
                    [json.dumps(c.tags) for c in copies],
                    [c.edited for c in copies],
                    [c.left_out.model_dump_json() for c in copies],
                    [c.mood for c in copies],
                    [None if c.themes is None else json.dumps(c.themes) for c in copies],
                    [c.created_at for c in copies],
                    [c.updated_at for c in copies],
                ),
            )
            return {row["diary_date"] for row in cur.fetchall()}

    def erase(self) -> int:
        """Every diary of the owner."""
        with self._unit() as cur:
            cur.execute("DELETE FROM diaries WHERE user_id = %s", (self._user_id,))
            return cur.rowcount
