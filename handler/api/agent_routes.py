"""POST /agent: the natural-language front door."""

from aws_lambda_powertools.event_handler.api_gateway import Router

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
    summary="Route a request with the orchestrator (or `request_type`) and carry it out",
    responses=documented(200, "What was done, with its result", *LIMITED_FAILURES),
    middlewares=[idempotent, limited],
)
def agent(body: AgentRequest, caller: Caller) -> AgentReply:
    return agent_requests.handle(caller, body.content, body.current_date, body.request_type)
