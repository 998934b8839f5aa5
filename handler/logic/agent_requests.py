"""The natural-language front door: route a request to a capability, then carry it out.

Routing is one structured model call, skipped when the caller names `request_type`; the route then
runs in code. No agent calls another agent as a tool, so every model round trip is one the budget
names: routing 1, data 0, question 1, diary 1, image 2 (prompt + picture), report 1 (in the worker).
"""

from __future__ import annotations

import datetime as dt

from handler.agents.router import agent as router
from handler.composition import Caller
from handler.language import has_hangul
from handler.logic import calendar, date_phrases, diaries, images, prompt_fit, questions, quotas, records, reports
from handler.models import AgentReply, RequestType

DEFAULT_REPORT_DAYS = 7
MESSAGES = {
    "ko": {
        "data": "기록했어요.",
        "diary": "{date} 일기를 썼어요.",
        "image": "일기에 어울리는 그림을 그렸어요.",
        "report": "{start}~{end} 감정 리포트를 요청했어요 (상태: {status}).",
    },
    "en": {
        "data": "Saved.",
        "diary": "Wrote the diary for {date}.",
        "image": "Drew a picture for the diary.",
        "report": "Requested the emotion report for {start} to {end} (status: {status}).",
    },
}


def handle(
    caller: Caller, content: str, current_date: dt.date | None = None, request_type: RequestType | None = None
) -> AgentReply:
    today = current_date or calendar.today(caller.settings.timezone)
    # Dates the request's own words name; the routing model may resolve more, and wins when it does.
    period = date_phrases.resolve(content, today)
    start, end = period or (None, None)
    day = start if period and start == end else None
    # The routing model's reading of a question's dates, used when code resolves none.
    routed_period = None
    if request_type is None:
        with quotas.spending(caller, calls=1):
            decision = router.decide(
                caller.services, _routable(content, today, caller.settings.prompt_tokens_routing), today
            )
        route, routed_by, routing_calls = decision.output.type, decision.model, 1
        day = decision.output.date or day
        start, end = decision.output.start_date or start, decision.output.end_date or end
        if decision.output.start_date and decision.output.end_date:
            routed_period = (decision.output.start_date, decision.output.end_date)
    else:
        route, routed_by, routing_calls = request_type, "request_type", 0
    messages = MESSAGES["ko" if has_hangul(content) else "en"]

    def reply(kind: str, body, message: str, calls: int) -> AgentReply:
        return AgentReply(
            type=kind, content=body, message=message, routed_by=routed_by, model_calls=routing_calls + calls
        )

    if route == "data":
        return reply("data", records.add_record(caller, content, today), messages["data"], 0)
    if route == "question":
        answer = questions.answer_question(caller, content, today, routed_period)
        return reply("answer", answer, answer.answer, answer.model_calls)
    if route == "diary":
        diary = diaries.write_diary(caller, day or today)
        return reply("diary", diary, messages["diary"].format(date=diary.date), 1)
    if route == "image":
        image = images.create_image(caller, day or today)
        return reply("image", image, messages["image"], image.model_calls)
    # report: the worker spends its one call; the request spends none beyond routing.
    start, end = start or today - dt.timedelta(days=DEFAULT_REPORT_DAYS - 1), end or today
    report = reports.request_report(caller, start, end)
    return reply("report", report, messages["report"].format(start=start, end=end, status=report.status), 0)


def _routable(content: str, today: dt.date, budget: int) -> str:
    """The request as the routing model reads it: whole by default (PROMPT_TOKENS_ROUTING holds the
    longest request the API accepts); its beginning under a smaller budget. Only the classification
    sees less: the route itself gets the whole request."""
    fitted = prompt_fit.fit(
        [prompt_fit.Group([content])],
        lambda kept: router.prompt_tokens(kept[0][0][1], today),
        budget,
    )
    return fitted.kept[0][0][1]
