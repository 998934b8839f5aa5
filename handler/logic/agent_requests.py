"""The natural-language front door: route a request to a capability, then carry it out.

Routing is one structured model call, skipped when the caller names `request_type`; the route then
runs in code. No agent calls another agent as a tool, so every model round trip is one the budget
names: routing 1, data 0, question 1, diary 1, image 2 (prompt + picture), report 1 (in the worker).
"""

from __future__ import annotations

import datetime as dt

from handler.agents.router import agent as router
from handler.logic import calendar, date_phrases, diaries, images, questions, records, reports
from handler.models import AgentReply, RequestType

DEFAULT_REPORT_DAYS = 7


def handle(
    user_id: str, content: str, current_date: dt.date | None = None, request_type: RequestType | None = None
) -> AgentReply:
    today = current_date or calendar.today()
    if request_type is None:
        decision = router.decide(content, today)
        route, routed_by, routing_calls = decision.output.type, decision.model, 1
        day, start, end = decision.output.date, decision.output.start_date, decision.output.end_date
    else:
        route, routed_by, routing_calls = request_type, "request_type", 0
        # Without a routing model, the dates come from the request's own words.
        period = date_phrases.resolve(content, today)
        day = period[0] if period and period[0] == period[1] else None
        start, end = period or (None, None)

    def reply(kind: str, body, message: str, calls: int) -> AgentReply:
        return AgentReply(type=kind, content=body, message=message, routed_by=routed_by, model_calls=routing_calls + calls)

    if route == "data":
        return reply("data", records.add_record(user_id, content, today), "기록했어요.", 0)
    if route == "question":
        answer = questions.answer_question(user_id, content, today)
        return reply("answer", answer, answer.answer, answer.model_calls)
    if route == "diary":
        diary = diaries.write_diary(user_id, day or today)
        return reply("diary", diary, f"{diary.date.isoformat()} 일기를 썼어요.", 1)
    if route == "image":
        image = images.create_image(user_id, day or today)
        return reply("image", image, "일기에 어울리는 그림을 그렸어요.", image.model_calls)
    # report: the worker spends its one call; the request spends none beyond routing.
    start, end = start or today - dt.timedelta(days=DEFAULT_REPORT_DAYS - 1), end or today
    report = reports.request_report(user_id, start, end)
    return reply("report", report, f"{start}~{end} 감정 리포트를 {report.status} 상태로 받았어요.", 0)
