"""Request bodies and their validation rules; unknown fields are refused rather than ignored."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from handler.models import (
    MAX_POST_BYTES,
    MAX_RECORD_CHARS,
    IsoDate,
    PhotoType,
    RequestType,
    TagText,
    Text,
    VoiceType,
)

MAX_TAGS = 10
MAX_TAG_CHARS = 30
MAX_DIARY_CHARS = 20_000


def _distinct(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


def _given(field: str) -> dict:
    """JSON Schema for "`field` is there and not null" (null means not given to these models)."""
    # "type" repeated from the model's own schema: generators that take one branch alone
    # (hypothesis-jsonschema, schemathesis) then still make an object.
    return {"type": "object", "required": [field], "properties": {field: {"not": {"type": "null"}}}}


Tag = Annotated[TagText, Field(max_length=MAX_TAG_CHARS)]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS), AfterValidator(_distinct)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# A rule against the clock, which the schema cannot say (handler.logic.records.MAX_DAYS_AHEAD).
_NOT_AHEAD = "At most the day after today in DEFAULT_TIMEZONE: a later day is a 422 `future_date`."


class NewRecord(_Body):
    content: Text = Field(max_length=MAX_RECORD_CHARS, description="What the user jotted down.")
    record_date: IsoDate | None = Field(default=None, description="Default: today in DEFAULT_TIMEZONE. " + _NOT_AHEAD)


class RecordEdit(_Body):
    model_config = ConfigDict(json_schema_extra={"anyOf": [_given("content"), _given("record_date")]})

    content: Text | None = Field(default=None, max_length=MAX_RECORD_CHARS)
    record_date: IsoDate | None = Field(default=None, description=_NOT_AHEAD)

    @model_validator(mode="after")
    def _something(self) -> RecordEdit:
        if self.content is None and self.record_date is None:
            raise ValueError("give `content`, `record_date` or both")
        return self


class NewDiary(_Body):
    date: IsoDate
    # Strict: a string ("0.5") or a boolean is a wrong type, not a number to coerce.
    temperature: float | None = Field(default=None, ge=0.0, le=1.0, strict=True)
    overwrite: bool = Field(default=False, strict=True, description="Write it again even over a diary the user edited.")


class DiaryEdit(_Body):
    """The user's own diary for a day: it replaces what is there, and is marked `edited`."""

    title: Text = Field(max_length=200)
    content: Text = Field(max_length=MAX_DIARY_CHARS)
    tags: Tags = Field(default_factory=list, description=f"At most {MAX_TAGS}, each 1-{MAX_TAG_CHARS} characters.")


class AgentRequest(_Body):
    content: Text = Field(max_length=MAX_RECORD_CHARS)
    current_date: IsoDate | None = Field(default=None, description="The user's today; default: server's today.")
    request_type: RequestType | None = Field(default=None, description="Skip routing and go to this capability.")


class NewQuestion(_Body):
    question: Text = Field(max_length=1000)
    current_date: IsoDate | None = Field(
        default=None, description="The user's today; dates in the question resolve against it."
    )


class NewImage(_Body):
    model_config = ConfigDict(json_schema_extra={"oneOf": [_given("date"), _given("text")]})

    date: IsoDate | None = Field(default=None, description="Draw the diary of this date ...")
    text: Text | None = Field(default=None, max_length=MAX_RECORD_CHARS, description="... or this text.")

    @model_validator(mode="after")
    def _one_source(self) -> NewImage:
        if (self.date is None) == (self.text is None):
            raise ValueError("give exactly one of `date` and `text`")
        return self


class NewReport(_Body):
    """`end_date` not before `start_date`, at most REPORT_MAX_DAYS days apart (a rule across two
    fields, which JSON Schema cannot say: a 422 `invalid_range` or `range_too_long`)."""

    start_date: IsoDate
    end_date: IsoDate


class NewPhoto(_Body):
    content_type: PhotoType = Field(description="The photo's type; the upload must send exactly this Content-Type.")
    # Strict: "1024" or true is a wrong type, not a size.
    size_bytes: int = Field(
        ge=1,
        le=MAX_POST_BYTES,
        strict=True,
        description="The file's exact size in bytes; the upload must be exactly this long. At most PHOTO_MAX_BYTES"
        " (20 MiB unless set): a larger one is a 422 `photo_too_large`.",
    )


class NewVoiceNote(_Body):
    content_type: VoiceType = Field(description="The recording's type; the upload must send exactly this Content-Type.")
    # Strict: "1024" or true is a wrong type, not a size.
    size_bytes: int = Field(
        ge=1,
        le=MAX_POST_BYTES,
        strict=True,
        description="The file's exact size in bytes; the upload must be exactly this long. At most VOICE_MAX_BYTES"
        " (50 MiB unless set): a larger one is a 422 `voice_note_too_large`.",
    )
    record_date: IsoDate | None = Field(
        default=None, description="The day its record is dated. Default: the day it is transcribed. " + _NOT_AHEAD
    )
