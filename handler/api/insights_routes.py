"""GET /insights: what the caller's records and diaries say over a period (no model call);
GET /prompts/today: one question to write about today."""

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from handler.api.errors import READ_FAILURES, documented
from handler.api.identity import Caller
from handler.logic import day_prompts, insights
from handler.models import DayPrompt, Insights, IsoDate

router = Router()


@router.get(
    "/insights",
    summary="Days written, streaks, records per weekday, mood over time and themes, over a period",
    description=f"From the database alone, no model call. `to` defaults to today and `from` to {insights.DEFAULT_DAYS}"
    f" days ending at `to` (days in DEFAULT_TIMEZONE, the days records are dated in); at most {insights.MAX_DAYS}"
    " days, `from` not after `to` (a 400 `range_too_long` or `invalid_range`). Each figure is set against the"
    " period of the same length just before. Moods and themes are those of the diaries, given by the call"
    " that wrote each.",
    responses=documented(200, "The period's insights", *READ_FAILURES),
)
def get_insights(
    caller: Caller,
    date_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to")] = None,
) -> Insights:
    return insights.insights(caller, date_from, date_to)


@router.get(
    "/prompts/today",
    summary="One question to write about today, from the caller's recent records and mood",
    description="The same question all day (today in DEFAULT_TIMEZONE), never yesterday's, in the language of "
    "`Accept-Language` (`ko` or `en`), else of the caller's recent records. Asked of the small model once a day "
    "(one model call, counted in the day's model calls); `model` is `offline` for a question from the templates, "
    "which stand in when the model cannot ask or the day's model calls are used up.",
    responses=documented(200, "Today's question", *READ_FAILURES),
)
def get_day_prompt(caller: Caller) -> DayPrompt:
    return day_prompts.today_prompt(caller, router.current_event.headers.get("accept-language"))
