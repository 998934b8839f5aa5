"""SQL for the day_prompts table (migration 0014): one question to write about per user and day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handler.dal.repository import Repository
from handler.language import Language


@dataclass(frozen=True)
class NewDayPrompt:
    day: dt.date
    question: str
    language: Language
    model: str


@dataclass(frozen=True)
class StoredDayPrompt:
    day: dt.date
    question: str
    language: Language
    model: str
    created_at: dt.datetime


_COLUMNS = "day, question, language, model, created_at"


class DayPrompts(Repository):
    def get(self, day: dt.date) -> StoredDayPrompt | None:
        with self._unit() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM day_prompts WHERE user_id = %s AND day = %s", (self._user_id, day))
            row = cur.fetchone()
        return None if row is None else StoredDayPrompt(**row)

    def keep(self, prompt: NewDayPrompt) -> StoredDayPrompt:
        """Store the day's question unless one is stored already, and return the one that is: two
        requests that asked at once both answer with the first stored. (One committed by another
        request after this statement's snapshot is not in its answer: read again, a new snapshot.)
        The user's questions before yesterday go in the same statement: only today's and yesterday's
        are ever read, and a question may quote the user's words."""
        with self._unit() as cur:
            cur.execute(
                "WITH gone AS (DELETE FROM day_prompts WHERE user_id = %(user)s AND day < %(day)s::date - 1),"
                " added AS (INSERT INTO day_prompts (user_id, day, question, language, model)"
                " VALUES (%(user)s, %(day)s, %(question)s, %(language)s, %(model)s)"
                f" ON CONFLICT (user_id, day) DO NOTHING RETURNING {_COLUMNS})"
                f" SELECT {_COLUMNS} FROM added"
                f" UNION ALL SELECT {_COLUMNS} FROM day_prompts WHERE user_id = %(user)s AND day = %(day)s"
                " LIMIT 1",
                {
                    "user": self._user_id,
                    "day": prompt.day,
                    "question": prompt.question,
                    "language": prompt.language,
                    "model": prompt.model,
                },
            )
            row = cur.fetchone()
        if row is not None:
            return StoredDayPrompt(**row)
        stored = self.get(prompt.day)
        if stored is None:
            raise RuntimeError("the day's question was neither stored nor found")
        return stored

    def erase(self) -> int:
        """Every question asked of the owner."""
        with self._unit() as cur:
            cur.execute("DELETE FROM day_prompts WHERE user_id = %s", (self._user_id,))
            return cur.rowcount
