"""The natural-language front door: route a request to a capability, then carry it out.

Routing is one structured model call, skipped when the caller names `request_type`; the route then
runs in code. No agent calls another agent as a tool: every model round trip is one the budget
names (routing 1, data 0, diary 1).
"""

from __future__ import annotations

import datetime as dt

from handler.agents.router import agent as router
from handler.logic import calendar, diaries, records
from handler.logic.errors import NotYetAvailable
from handler.models import AgentReply, RequestType


def handle(
    user_id: str, content: str, current_date: dt.date | None = None, request_type: RequestType | None = None
) -> AgentReply:
    today = current_date or calendar.today()
    model_calls = 0
    day = None
    if request_type is None:
        decision = router.decide(content, today)
        model_calls += 1
        route, routed_by, day = decision.output.type, decision.model, decision.output.date
    else:
        route, routed_by = request_type, "request_type"

    if route == "data":
        record = records.add_record(user_id, content, today)
        return AgentReply(
            type="data", content=record, message="기록했어요.", routed_by=routed_by, model_calls=model_calls
        )
    if route == "diary":
        diary = diaries.write_diary(user_id, day or today)
        return AgentReply(
            type="diary",
            content=diary,
            message=f"{diary.date.isoformat()} 일기를 썼어요.",
            routed_by=routed_by,
            model_calls=model_calls + 1,
        )
    raise NotYetAvailable(f"request type '{route}' is not available yet")
