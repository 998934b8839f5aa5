"""One model round trip that must come back as a validated pydantic object.

Strands' `Model.structured_output` forces the output tool, so an answer costs exactly one Converse
call. An `Agent(...)(prompt, structured_output_model=...)` loop would offer the tool under auto
choice and may spend a second call forcing it, which the per-request budget has no room for.

Offline, the agent's own rule answers from the inputs the prompt is built from (`offline`), and
its answer is validated into the same output model as the real model's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from handler.deadline import seconds_left
from handler.inference import prompt_budget, usage
from handler.inference.model_call import model_call
from handler.inference.provider import OFFLINE, Task, model_id_for

if TYPE_CHECKING:
    from handler.composition import Services

T = TypeVar("T", bound=BaseModel)

# Time kept back to turn a late model answer into a clean 504 before Lambda's own timeout.
ANSWER_MARGIN_S = 1.5


@dataclass(frozen=True)
class Answer(Generic[T]):
    output: T
    model: str


def ask(
    services: Services,
    task: Task,
    output_model: type[T],
    system_prompt: str,
    prompt: str,
    *,
    offline: Callable[[], dict[str, Any]],
    temperature: float | None = None,
) -> Answer[T]:
    """`temperature` None: the model's default, and no sampling parameter is sent. A prompt over the
    task's token budget is refused before any call (PromptOverBudget), offline too. `services`: the
    settings and the models of the function that asks."""
    prompt_budget.check(services.settings, task, system_prompt, output_model, prompt)
    model_id = model_id_for(services.settings, task)
    if model_id == OFFLINE:
        # Counted and validated as a model round trip, so offline runs report what Bedrock would.
        with model_call(task):
            return Answer(output=output_model(**offline()), model=OFFLINE)
    model = services.models.bedrock(model_id, temperature)
    messages = [{"role": "user", "content": [{"text": prompt}]}]
    timeout_s = seconds_left(ANSWER_MARGIN_S)
    with model_call(task):
        output, tokens = services.models.run(_collect(model, output_model, messages, system_prompt), timeout_s)
    if tokens is not None:
        usage.record(task, model_id, tokens, services.settings.powertools_metrics_namespace)
    return Answer(output=output, model=model_id)


async def _collect(model, output_model: type[T], messages: list, system_prompt: str) -> tuple[T, dict | None]:
    """The validated output, and the call's token usage when the model reports one (Bedrock does)."""
    result, tokens = None, None
    async for event in model.structured_output(output_model, messages, system_prompt=system_prompt):
        if "stop" in event:
            tokens = event["stop"][2]
        if "output" in event:
            result = event["output"]
    if result is None:
        raise ValueError("no structured output in the model's answer")
    return result, tokens
