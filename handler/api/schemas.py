"""Request bodies and their validation rules; unknown fields are refused rather than ignored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from handler.models import MAX_RECORD_CHARS, IsoDate, RequestType, Text


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewRecord(_Body):
    content: Text = Field(max_length=MAX_RECORD_CHARS, description="What the user jotted down.")
    record_date: IsoDate | None = Field(default=None, description="Default: today in DEFAULT_TIMEZONE.")


class NewDiary(_Body):
    date: IsoDate
    # Strict: a string ("0.5") or a boolean is a wrong type, not a number to coerce.
    temperature: float | None = Field(default=None, ge=0.0, le=1.0, strict=True)


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
    date: IsoDate | None = Field(default=None, description="Draw the diary of this date ...")
    text: Text | None = Field(default=None, max_length=MAX_RECORD_CHARS, description="... or this text.")

    @model_validator(mode="after")
    def _one_source(self) -> NewImage:
        if (self.date is None) == (self.text is None):
            raise ValueError("give exactly one of `date` and `text`")
        return self


class NewReport(_Body):
    start_date: IsoDate
    end_date: IsoDate
