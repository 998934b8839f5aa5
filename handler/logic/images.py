"""Drawing a picture for a diary (or any text): one prompt call, one Nova Canvas call, one S3 object."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from handler.agents.image_prompter import agent as image_prompter
from handler.aws import image_store
from handler.dal import connection
from handler.dal import diaries as diaries_dal
from handler.dal import images as images_dal
from handler.errors import Unprocessable
from handler.inference import image_models
from handler.models import Image


def create_image(user_id: str, day: dt.date | None = None, text: str | None = None) -> Image:
    if day is not None:
        with connection.statement(user_id) as cur:
            diary = diaries_dal.get(cur, user_id, day)
        if diary is None:
            raise Unprocessable(f"there is no diary for {day.isoformat()} to draw; write it first", code="no_diary")
        text = diary.content
    if text is None:  # the request model requires a date or a text; this says so to mypy
        raise Unprocessable("give a `date` or a `text` to draw", code="nothing_to_draw")
    draft = image_prompter.write(text)
    png, image_model = image_models.draw(draft.output.prompt, draft.output.negative_prompt)

    image_id = uuid.uuid4()
    key = image_store.key_for(user_id, image_id)
    image_store.put_png(key, png)
    with connection.statement(user_id) as cur:
        stored = images_dal.insert(cur, image_id, user_id, day, draft.output.prompt, key, image_model)
    return Image(**dataclasses.asdict(stored), url=image_store.presigned_url(key), model_calls=2)
