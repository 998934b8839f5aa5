"""One model round trip that must come back as a validated pydantic object.

Strands' `Model.structured_output` forces the output tool, so an answer costs exactly one Converse
call. An `Agent(...)(prompt, structured_output_model=...)` loop would offer the tool under auto
choice and may spend a second call forcing it, which the per-request budget has no room for.

Offline, the agent's own rule answers from the inputs the prompt is built from (`offline`), and
its answer is validated into the same output model as the real model's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from handler.deadline import seconds_left
from handler.inference import prompt_budget, usage
from handler.inference.model_call import model_call
from handler.inference.provider import OFFLINE, Task, bedrock_model, model_id_for

T = TypeVar("T", bound=BaseModel)

# Time kept back to turn a late model answer into a clean 504 before Lambda's own timeout.
ANSWER_MARGIN_S = 1.5

# Strands runs the blocking botocore call in a worker thread. A loop that lives as long as the
# container lets a timed-out call be abandoned without waiting for that thread (asyncio.run would
# wait for it on shutdown); botocore's read timeout bounds the abandoned thread.
_loop = asyncio.new_event_loop()


@dataclass(frozen=True)
class Answer(Generic[T]):
    output: T
    model: str


def ask(
    task: Task,
    output_model: type[T],
    system_prompt: str,
    prompt: str,
    *,
    offline: Callable[[], dict[str, Any]],
    temperature: float | None = None,
) -> Answer[T]:
    """`temperature` None: the model's default, and no sampling parameter is sent. A prompt over the
    task's token budget is refused before any call (PromptOverBudget), offline too."""
    prompt_budget.check(task, system_prompt, output_model, prompt)
    model_id = model_id_for(task)
    if model_id == OFFLINE:
        # Counted and validated as a model round trip, so offline runs report what Bedrock would.
        with model_call(task):
            return Answer(output=output_model(**offline()), model=OFFLINE)
    model = bedrock_model(model_id, temperature)
    messages = [{"role": "user", "content": [{"text": prompt}]}]
    timeout_s = seconds_left(ANSWER_MARGIN_S)
    with model_call(task):
        output, tokens = _loop.run_until_complete(
            asyncio.wait_for(_collect(model, output_model, messages, system_prompt), timeout=timeout_s)
        )
    if tokens is not None:
        usage.record(task, model_id, tokens)
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
