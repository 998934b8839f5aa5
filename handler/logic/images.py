"""Pictures for a diary (or any text): drawn with one prompt call and one image model call, kept as
one S3 object each; listed newest first, read, and deleted for good (every S3 version of it)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from handler.agents.image_prompter import agent as image_prompter
from handler.aws import object_store
from handler.composition import Caller
from handler.dal.idempotency import resource
from handler.dal.images import ImageDraft, StoredImage
from handler.errors import NotFound, Unprocessable
from handler.inference import image_models
from handler.logic import cursors, prompt_fit, quotas
from handler.models import Image, ImagePage


def create_image(caller: Caller, day: dt.date | None = None, text: str | None = None) -> Image:
    if day is not None:
        diary = caller.store.diaries.get(day)
        if diary is None:
            raise Unprocessable(f"there is no diary for {day.isoformat()} to draw; write it first", code="no_diary")
        text = diary.content
    if text is None:  # the request model requires a date or a text; this says so to mypy
        raise Unprocessable("give a `date` or a `text` to draw", code="nothing_to_draw")
    # A diary (or text) longer than PROMPT_TOKENS_IMAGE_PROMPT holds: its beginning, since one scene
    # is all a picture needs; `source_truncated` says so.
    fitted = prompt_fit.fit(
        [prompt_fit.Group([text], kind="diaries")],
        lambda kept: image_prompter.prompt_tokens(kept[0][0][1]),
        caller.settings.prompt_tokens_image_prompt,
    )
    with quotas.spending(caller, calls=1, pictures=1):
        draft = image_prompter.write(caller.services, fitted.kept[0][0][1])
        png, image_model = image_models.draw(
            caller.services.aws, caller.settings, draft.output.prompt, draft.output.negative_prompt
        )

    image_id = uuid.uuid4()
    key = object_store.key_for(caller.user_id, image_id)
    object_store.of(caller.services).put_png(key, png)
    stored = caller.store.images.insert(ImageDraft(image_id, day, draft.output.prompt, key, image_model))
    return _shown(caller, stored, model_calls=2, source_truncated=fitted.left_out.truncated_diaries > 0)


def list_images(caller: Caller, limit: int, cursor: str | None = None) -> ImagePage:
    """Newest first, each with a fresh presigned URL (signed here: no S3 round trip)."""
    after = cursors.decode(cursor, cursors.moment, uuid.UUID) if cursor else None
    rows = caller.store.images.page(limit + 1, after)  # one extra row: is there a next page?
    items = rows[:limit]
    last = items[-1] if len(rows) > limit else None
    return ImagePage(
        items=[_shown(caller, image) for image in items],
        next_cursor=cursors.encode(last.created_at.isoformat(), str(last.id)) if last else None,
    )


def get_image(caller: Caller, image_id: uuid.UUID) -> Image:
    stored = caller.store.images.get(image_id)
    if stored is None:
        raise NotFound("no such image")
    return _shown(caller, stored)


def delete_image(caller: Caller, image_id: uuid.UUID) -> None:
    """The row and every version of its S3 object: the bucket is versioned, and a plain delete
    would only hide the picture behind a delete marker. The objects go inside the transaction
    that deletes the row, so a failed S3 call deletes nothing (503, retry)."""
    with caller.store.transaction() as tx:
        key = tx.images.delete(image_id)
        if key is None:
            raise NotFound("no such image")
        # A remembered POST /images answer holds its prompt, made from the user's words.
        tx.remembered.forget(resource("images", image_id))
        object_store.of(caller.services).delete_everything(key)


def _shown(caller: Caller, stored: StoredImage, model_calls: int = 0, source_truncated: bool = False) -> Image:
    signed = object_store.of(caller.services).presigned_url(stored.s3_key)
    return Image(
        **dataclasses.asdict(stored),
        url=signed.url,
        url_expires_at=signed.expires_at,
        model_calls=model_calls,
        source_truncated=source_truncated,
    )
