"""What the routing agent answers: which capabilities serve the request, in order, and their dates."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from handler.agents.router.rules import MAX_STEPS, StepType

_DATE = "The day a diary or image is for (YYYY-MM-DD)."
_START = "First day of a report period, or of the days a question asks about (YYYY-MM-DD)."
_END = "Last day of a report period, or of the days a question asks about (YYYY-MM-DD)."


class RouteStep(BaseModel):
    type: StepType
    text: str = Field(default="", description="The words of the request this step is about, copied exactly.")
    date: dt.date | None = Field(default=None, description=_DATE)
    start_date: dt.date | None = Field(default=None, description=_START)
    end_date: dt.date | None = Field(default=None, description=_END)


class RouteDecision(BaseModel):
    type: StepType = Field(description="What the request asks for (the first step's, when it holds several).")
    date: dt.date | None = Field(default=None, description=_DATE)
    start_date: dt.date | None = Field(default=None, description=_START)
    end_date: dt.date | None = Field(default=None, description=_END)
    steps: list[RouteStep] = Field(
        default_factory=list,
        max_length=MAX_STEPS,
        description=f"Only when the request holds more than one thing to do: each, in order (at most {MAX_STEPS}).",
    )
    crisis: bool = Field(
        default=False, description="True when the words speak of suicide, self-harm or not wanting to live."
    )
