"""POST /agent: the natural-language front door."""

from aws_lambda_powertools.event_handler.api_gateway import Router

from handler import language
from handler.api.errors import LIMITED_FAILURES, documented
from handler.api.idempotency import idempotent
from handler.api.identity import Caller
from handler.api.limits import limited
from handler.api.schemas import AgentRequest
from handler.logic import agent_requests
from handler.models import AgentReply

router = Router()


@router.post(
    "/agent",
    summary="Route a request with the orchestrator (or `request_type`) and carry out its steps",
    description='A request may hold up to 3 steps ("오늘 영화 봤어, 일기 써줘": store, then write), carried out in'
    " order; `steps` holds every result. Clear requests are routed in code, others by one routing call. Messages"
    " (errors too; `code` unchanged) are in the language of `Accept-Language` (`ko` or `en`), else of `content`."
    " Words that speak of suicide or self-harm are kept and answered gently with crisis lines (`care`).",
    responses=documented(200, "What was done, with its result", *LIMITED_FAILURES),
    middlewares=[idempotent, limited],
)
def agent(body: AgentRequest, caller: Caller) -> AgentReply:
    # The reply's language: Accept-Language when it names Korean or English, else the words' own.
    in_language = language.of_request(router.current_event.headers.get("accept-language"), body.content)
    return agent_requests.handle(caller, body.content, body.current_date, body.request_type, in_language)
