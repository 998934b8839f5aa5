"""A day's diary: written from its records by the model, or by the user; listed, read and deleted.

The user's words are never discarded silently: a diary the user wrote or edited (PUT) is marked
`edited`, and writing it again from the records (POST) is refused with 409 diary_edited unless the
request says `overwrite`. Deleting a diary deletes its pictures too, their S3 objects included.
"""

from __future__ import annotations

import datetime as dt

from handler.agents.diary_writer import agent as diary_writer
from handler.agents.diary_writer.offline import reading
from handler.aws import object_store
from handler.composition import Caller
from handler.dal.diaries import DiaryDraft, OwnDiary
from handler.dal.idempotency import resource
from handler.errors import Conflict, NotFound, Unprocessable
from handler.logic import calendar, cursors, embedding_index, prompt_fit, quotas
from handler.models import Diary, DiaryPage, LeftOut

DEFAULT_TEMPERATURE = 0.7
# Records of a day read for its diary at most, spread over the day; the token budget
# (PROMPT_TOKENS_DIARY) decides how many of them the model is shown.
MAX_READ = 1000
_EDITED = "the diary of {day} was written or edited by the user; send `overwrite: true` to replace it"


def write_diary(caller: Caller, day: dt.date, temperature: float | None = None, overwrite: bool = False) -> Diary:
    """One model call over the day's records; writing again replaces the day's diary, unless the
    user edited it and `overwrite` is not given (checked before the call, and again as it is stored).
    A day with more than PROMPT_TOKENS_DIARY holds is trimmed (handler.logic.prompt_fit): every
    record kept, the longest shortened first, then records spread over the day; `left_out` says so,
    and `record_ids` are the records the model was shown."""
    records, total = caller.store.records.spread_between(day, day, MAX_READ)
    if not records:
        raise Unprocessable(f"there are no records on {day.isoformat()} to write a diary from", code="no_records")
    if not overwrite:
        existing = caller.store.diaries.get(day)
        if existing is not None and existing.edited:
            raise Conflict(_EDITED.format(day=day.isoformat()), code="diary_edited")
    times = [calendar.local_time(r.created_at, caller.settings.timezone) for r in records]
    fitted = prompt_fit.fit(
        [prompt_fit.Group([r.content for r in records])],
        lambda kept: diary_writer.prompt_tokens(day, [(times[i], text) for i, text in kept[0]]),
        caller.settings.prompt_tokens_diary,
    )
    shown = fitted.kept[0]
    with quotas.spending(caller, calls=1):
        answer = diary_writer.write(
            caller.services,
            day,
            [(times[i], text) for i, text in shown],
            DEFAULT_TEMPERATURE if temperature is None else temperature,
        )
    # Records past the read cap were never offered either.
    left_out = fitted.left_out + LeftOut(omitted_records=total - len(records))
    embedding = embedding_index.for_storage(caller.services, f"{answer.output.title}\n{answer.output.content}")
    draft = DiaryDraft(
        day=day,
        title=answer.output.title,
        content=answer.output.content,
        model=answer.model,
        record_ids=[records[i].id for i, _ in shown],
        mood=answer.output.mood,
        themes=answer.output.themes,
        embedding=embedding,
        left_out=left_out,
    )
    diary = caller.store.diaries.upsert(draft, overwrite_edited=overwrite)
    if diary is None:  # the user edited it while the model was writing
        raise Conflict(_EDITED.format(day=day.isoformat()), code="diary_edited")
    return diary


def put_diary(caller: Caller, day: dt.date, title: str, content: str, tags: list[str]) -> tuple[Diary, bool]:
    """The user's own diary for the day, replacing what is there; (the diary, whether it is new). No
    model reads it: its mood and themes are estimated from its words, in code (no model call)."""
    embedding = embedding_index.for_storage(caller.services, f"{title}\n{content}")
    mood, themes = reading([title, content])
    return caller.store.diaries.put(OwnDiary(day, title, content, tags, mood, themes, embedding))


def get_diary(caller: Caller, day: dt.date) -> Diary:
    diary = caller.store.diaries.get(day)
    if diary is None:
        raise NotFound(f"no diary for {day.isoformat()}")
    return diary


def list_diaries(
    caller: Caller,
    date_from: dt.date | None,
    date_to: dt.date | None,
    tag: str | None,
    limit: int,
    cursor: str | None = None,
) -> DiaryPage:
    """Oldest first; `from` and `to` each optional: without them, every diary, page by page."""
    if date_from and date_to and date_to < date_from:
        raise Unprocessable("`to` must not be before `from`", code="invalid_range")
    after = cursors.decode(cursor, dt.date.fromisoformat)[0] if cursor else None
    # One extra row tells whether another page exists without a COUNT.
    rows = caller.store.diaries.page(date_from, date_to, tag, limit + 1, after)
    items = rows[:limit]
    next_cursor = cursors.encode(items[-1].date.isoformat()) if len(rows) > limit else None
    return DiaryPage(items=items, next_cursor=next_cursor)


def delete_diary(caller: Caller, day: dt.date) -> None:
    """The diary and its pictures, and the remembered responses that hold them. The objects go
    first, inside the transaction that deletes the rows: when S3 fails nothing is deleted (503,
    retry); when the commit fails the rows are still there to delete again, and every S3 delete is
    safe to repeat."""
    with caller.store.transaction() as tx:
        pictures = tx.images.delete_for_day(day)
        if not tx.diaries.delete(day):
            raise NotFound(f"no diary for {day.isoformat()}")
        tx.remembered.forget(resource("diaries", day.isoformat()))
        for image_id, key in pictures:
            tx.remembered.forget(resource("images", image_id))
            object_store.of(caller.services).delete_everything(key)
