"""The natural-language front door: find the steps a request holds, then carry them out in order.

A request may hold up to three things to do ("오늘 영화 봤어, 일기 써줘": store, then write). Its
words decide them in code when they can (handler.agents.router.rules: clear commands, plain
statements, questions, small talk); otherwise one structured routing call returns the ordered steps,
and none when the caller names `request_type`. Every step's dates are the ones its own words name,
resolved in code (handler.date_phrases, as questions do); the model's reading only where code
finds none. No agent calls another agent as a tool, so every model round trip is one the budget
names: routing 1 (0 when code or `request_type` decides), then each step's own: data 0, small talk 0,
question 1, diary 1, image 2 (prompt + picture), report 1 (in the worker).

Words that speak of suicide or self-harm (handler.care, or the routing model's `crisis` where
it was called anyway) change nothing that is done: the record is kept; the reply adds a gentle word
and the crisis lines of the reply's language.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from handler import care, date_phrases, errors
from handler.agents.router import agent as router
from handler.agents.router import rules
from handler.agents.router.schema import RouteDecision, RouteStep
from handler.composition import Caller
from handler.language import Language, of_text
from handler.logic import calendar, diaries, images, prompt_fit, questions, quotas, records, reports
from handler.messages import AGENT, SMALL_TALK, error_message
from handler.models import AgentReply, AgentStep, Care, CrisisLine, RequestType

DEFAULT_REPORT_DAYS = 7
Period = tuple[dt.date, dt.date]


@dataclass(frozen=True)
class _Step:
    type: rules.StepType
    text: str
    # The routing model's reading of the step's dates, used only where its words name none.
    day: dt.date | None = None
    period: Period | None = None


def handle(
    caller: Caller,
    content: str,
    current_date: dt.date | None = None,
    request_type: RequestType | None = None,
    language: Language | None = None,
) -> AgentReply:
    today = current_date or calendar.today(caller.settings.timezone)
    language = language or of_text(content)
    crisis = care.speaks_of_crisis(content)
    routing_calls = 0
    if request_type is not None:
        steps, routed_by = [_Step(request_type, content)], "request_type"
    elif (decided := rules.decide(content, today)) is not None:
        # One plain statement keeps the user's words exactly as written.
        steps = (
            [_Step("data", content)]
            if [s.type for s in decided] == ["data"]
            else [_Step(s.type, s.text) for s in decided]
        )
        routed_by = "code"
    else:
        with quotas.spending(caller, calls=1):
            decision = router.decide(
                caller.services, _routable(content, today, caller.settings.prompt_tokens_routing), today
            )
        steps, routed_by, routing_calls = _steps(decision.output, content), decision.model, 1
        crisis = crisis or decision.output.crisis
    done = [_carry_out(caller, step, today, language, first=i == 0) for i, step in enumerate(steps)]
    last = done[-1]
    calls = routing_calls + sum(_calls(step) for step in done)
    message = " ".join(step.message for step in done)
    care_note = None
    if crisis:
        care_note = Care(
            message=care.GENTLE_REPLY[language],
            crisis_lines=[
                CrisisLine(name=c.name, number=c.number, source=c.source) for c in care.CRISIS_LINES[language]
            ],
        )
        # The gentle word already says the record is kept: no "Saved." after it.
        rest = " ".join(step.message for step in done if step.type != "data")
        message = f"{care.GENTLE_REPLY[language]} {rest}".strip()
    return AgentReply(
        type=last.type,
        content=last.content,
        message=message,
        steps=done,
        care=care_note,
        routed_by=routed_by,
        model_calls=calls,
    )


def _steps(decision: RouteDecision, content: str) -> list[_Step]:
    """The routing model's steps. A data step stores the request's own words: the model's `text`
    when it copied a part of the request, else the whole request (nothing the user said is lost)."""
    whole = RouteStep(
        type=decision.type, text=content, date=decision.date, start_date=decision.start_date, end_date=decision.end_date
    )
    steps = []
    for s in decision.steps or [whole]:
        text = s.text or content
        if text.strip() not in content:
            text = content
        period = (s.start_date, s.end_date) if s.start_date and s.end_date else None
        steps.append(_Step(s.type, text, s.date, period))
    return steps


def _carry_out(caller: Caller, step: _Step, today: dt.date, language: Language, first: bool) -> AgentStep:
    """One step. After the first, a step the caller's words make impossible (no records on that day,
    say) fails alone: what was done before it stands and the reply says what failed."""
    try:
        return _run(caller, step, today, language)
    except errors.ServiceError as error:
        if first or not 400 <= error.status < 500 or isinstance(error, errors.TooManyRequests):
            raise
        reason = error_message(error.code, error.client_message, language)
        return AgentStep(
            type="failed",
            content=None,
            message=AGENT[language]["failed_" + step.type].format(reason=reason),
            error={"code": error.code, "message": reason},
        )


def _run(caller: Caller, step: _Step, today: dt.date, language: Language) -> AgentStep:
    messages = AGENT[language]
    if step.type == "data":
        return AgentStep(type="data", content=records.add_record(caller, step.text, today), message=messages["data"])
    if step.type == "small_talk":
        return AgentStep(type="small_talk", content=None, message=_small_talk(step.text, language))
    if step.type == "question":
        answer = questions.answer_question(caller, step.text, today, step.period)
        return AgentStep(type="answer", content=answer, message=answer.answer)
    named = date_phrases.resolve(step.text, today)
    if step.type in ("diary", "image"):
        day = (named[0] if named and named[0] == named[1] else None) or step.day or today
        if step.type == "diary":
            diary = diaries.write_diary(caller, day)
            return AgentStep(type="diary", content=diary, message=messages["diary"].format(date=diary.date))
        return AgentStep(type="image", content=images.create_image(caller, day), message=messages["image"])
    # report: the worker spends its one call; the request spends none beyond routing.
    start, end = named or step.period or (today - dt.timedelta(days=DEFAULT_REPORT_DAYS - 1), today)
    report = reports.request_report(caller, start, end)
    message = messages["report"].format(start=start, end=end, status=report.status)
    return AgentStep(type="report", content=report, message=message)


def _calls(step: AgentStep) -> int:
    """The model round trips a step spent (a report's call is the worker's)."""
    if step.type in ("answer", "image"):
        return step.content.model_calls
    return 1 if step.type == "diary" else 0


_HELP_WORDS = re.compile(r"뭐|뭘|무엇|도움|도와|사용|어떻게|누구|what|help|how|who", re.IGNORECASE)


def _small_talk(text: str, language: Language) -> str:
    """A greeting or thanks answered in kind, a question about the app with what it does; stored nowhere."""
    if _HELP_WORDS.search(text):
        return SMALL_TALK[language]["help"]
    if re.search(r"고마|감사|땡큐|thank|thx", text, re.IGNORECASE):
        return SMALL_TALK[language]["thanks"]
    return SMALL_TALK[language]["greeting"]


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
