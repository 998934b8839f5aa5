"""A deterministic stand-in for the Bedrock model, for local runs and tests with no AWS account.

It implements Strands' Model interface, so the agents run the same code as with Bedrock; each agent
folder supplies the rule that plays the model for its own output shape (`offline.answer`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Callable
from typing import Any

from pydantic import BaseModel
from strands.models.model import Model

from handler.agents.diary_writer import offline as diary_offline
from handler.agents.diary_writer.agent import DiaryDraft
from handler.agents.image_prompter import offline as image_prompter_offline
from handler.agents.image_prompter.agent import ImagePrompt
from handler.agents.question_answerer import offline as question_offline
from handler.agents.question_answerer.agent import AnswerDraft
from handler.agents.reporter import offline as reporter_offline
from handler.agents.reporter.agent import ReportDraft
from handler.agents.router import offline as router_offline
from handler.agents.router.agent import RouteDecision

_RULES: dict[type[BaseModel], Callable[[str], dict[str, Any]]] = {
    RouteDecision: router_offline.answer,
    DiaryDraft: diary_offline.answer,
    AnswerDraft: question_offline.answer,
    ImagePrompt: image_prompter_offline.answer,
    ReportDraft: reporter_offline.answer,
}


class OfflineModel(Model):
    NAME = "offline"

    def __init__(self) -> None:
        self.config: dict[str, Any] = {"model_id": self.NAME}

    def update_config(self, **model_config: Any) -> None:
        self.config.update(model_config)

    def get_config(self) -> dict[str, Any]:
        return self.config

    async def structured_output(
        self, output_model: type[BaseModel], prompt: list, system_prompt: str | None = None, **kwargs: Any
    ) -> AsyncGenerator[dict[str, Any], None]:
        rule = _RULES.get(output_model)
        if rule is None:
            raise NotImplementedError(f"the offline model has no rule for {output_model.__name__}")
        text = "\n".join(block.get("text", "") for message in prompt for block in message["content"])
        yield {"output": output_model(**rule(text))}

    def stream(self, *args: Any, **kwargs: Any) -> AsyncIterable[Any]:
        raise NotImplementedError("the offline model only answers structured calls")
