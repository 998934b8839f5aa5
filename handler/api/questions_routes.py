"""POST /questions."""

from aws_lambda_powertools.event_handler.api_gateway import Router

from handler.api.errors import LIMITED_FAILURES, documented
from handler.api.idempotency import idempotent
from handler.api.identity import Caller
from handler.api.limits import limited
from handler.api.schemas import NewQuestion
from handler.logic import questions
from handler.models import QuestionAnswer

router = Router()


@router.post(
    "/questions",
    summary="Answer a question about the past from the caller's own records",
    responses=documented(200, "The answer and the ids of the records it used", *LIMITED_FAILURES),
    middlewares=[idempotent, limited],
)
def ask_question(body: NewQuestion, caller: Caller) -> QuestionAnswer:
    return questions.answer_question(caller, body.question, body.current_date)
