"""What the routing agent answers: which capability serves the request, and the dates it speaks of."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from handler.models import RequestType


class RouteDecision(BaseModel):
    type: RequestType
    date: dt.date | None = Field(default=None, description="The day a diary or image is for (YYYY-MM-DD).")
    start_date: dt.date | None = Field(
        default=None, description="First day of a report period, or of the days a question asks about (YYYY-MM-DD)."
    )
    end_date: dt.date | None = Field(
        default=None, description="Last day of a report period, or of the days a question asks about (YYYY-MM-DD)."
    )
