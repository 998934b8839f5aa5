"""Request bodies and their validation rules; unknown fields are refused rather than ignored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from handler.models import MAX_RECORD_CHARS, IsoDate, RequestType, Text


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewRecord(_Body):
    content: Text = Field(max_length=MAX_RECORD_CHARS, description="What the user jotted down.")
    record_date: IsoDate | None = Field(default=None, description="Default: today in DEFAULT_TIMEZONE.")


class NewDiary(_Body):
    date: IsoDate
    temperature: float | None = Field(default=None, ge=0.0, le=1.0)


class AgentRequest(_Body):
    content: Text = Field(max_length=MAX_RECORD_CHARS)
    current_date: IsoDate | None = Field(default=None, description="The user's today; default: server's today.")
    request_type: RequestType | None = Field(default=None, description="Skip routing and go to this capability.")
