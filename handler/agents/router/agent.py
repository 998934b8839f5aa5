"""The orchestrator's routing agent: one structured call decides which capability serves a request."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from handler.agents.router import offline
from handler.agents.router.prompt import SYSTEM_PROMPT, build_prompt
from handler.agents.router.schema import RouteDecision
from handler.inference import prompt_budget
from handler.inference.structured_call import Answer, ask

if TYPE_CHECKING:
    from handler.composition import Services


def prompt_tokens(request: str, current_date: dt.date) -> int:
    """The input tokens `decide` would send (handler.inference.prompt_budget)."""
    return prompt_budget.call_tokens(SYSTEM_PROMPT, RouteDecision, build_prompt(request, current_date))


def decide(services: Services, request: str, current_date: dt.date) -> Answer[RouteDecision]:
    # No sampling parameter: the routing default, Claude Haiku 5.5, refuses temperature and top_p.
    return ask(
        services,
        "routing",
        RouteDecision,
        SYSTEM_PROMPT,
        build_prompt(request, current_date),
        offline=lambda: offline.answer(request, current_date),
    )
