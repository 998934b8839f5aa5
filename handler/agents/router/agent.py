"""The orchestrator's routing agent: one structured call decides which capability serves a request."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from handler.agents.router.prompt import SYSTEM_PROMPT, build_prompt
from handler.agents.structured_call import Answer, ask


class RouteDecision(BaseModel):
    """Which capability serves the request, and the dates it speaks of."""

    type: Literal["data", "question", "diary", "image", "report"]
    date: dt.date | None = Field(default=None, description="The day a diary or image is for (YYYY-MM-DD).")
    start_date: dt.date | None = Field(default=None, description="First day of a report period (YYYY-MM-DD).")
    end_date: dt.date | None = Field(default=None, description="Last day of a report period (YYYY-MM-DD).")


def decide(request: str, current_date: dt.date) -> Answer[RouteDecision]:
    # No sampling parameter: the routing default, Claude Haiku 5.5, refuses temperature and top_p.
    return ask("routing", RouteDecision, SYSTEM_PROMPT, build_prompt(request, current_date))
