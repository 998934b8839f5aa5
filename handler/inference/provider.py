"""The models the agents talk to: Amazon Bedrock in AWS, the deterministic offline stand-in locally.

Each task runs on the model its setting names: routing, and today's question to write about (one
short sentence), on a small fast one (`BEDROCK_ROUTING_MODEL_ID`), the writing tasks (diary,
answer, report, image prompt) on a stronger one (`BEDROCK_MODEL_ID`). Ids are used exactly as
given: "us."/"global." inference-profile prefixes must stay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, Literal, TypeVar

from handler.aws import Clients
from handler.settings import Settings

Task = Literal["routing", "diary", "answer", "report", "image_prompt", "day_prompt"]
# The tasks the small fast model does.
_SMALL_MODEL_TASKS = {"routing", "day_prompt"}
T = TypeVar("T")
OFFLINE = "offline"


def model_id_for(settings: Settings, task: Task) -> str:
    """The model `task` runs on: a Bedrock id, or OFFLINE."""
    if settings.model_provider == "offline":
        return OFFLINE
    return settings.bedrock_routing_model_id if task in _SMALL_MODEL_TASKS else settings.bedrock_model_id


class Models:
    """Strands' Bedrock models, made from the function's session (its Services' clients).

    A model per id and temperature: a call's temperature is the model's configuration in Strands,
    so a shared model must never be reconfigured by one call for the next. Few pairs occur.
    """

    def __init__(self, clients: Clients, settings: Settings) -> None:
        self._clients = clients
        self._settings = settings
        self._models: dict[tuple[str, float | None], Any] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def bedrock(self, model_id: str, temperature: float | None) -> Any:
        """Built on first use, so routes without a model never pay for Strands and boto3."""
        if (model_id, temperature) not in self._models:
            self._models[model_id, temperature] = self._make(model_id, temperature)
        return self._models[model_id, temperature]

    def _make(self, model_id: str, temperature: float | None) -> Any:
        from botocore.config import Config
        from strands.models.bedrock import BedrockModel

        sampling: dict[str, Any] = {} if temperature is None else {"temperature": temperature}
        return BedrockModel(
            model_id=model_id,
            # API Gateway cannot stream a Lambda response; one Converse call is simpler and cheaper.
            streaming=False,
            boto_session=self._clients.session(),
            boto_client_config=Config(
                connect_timeout=3,
                read_timeout=self._settings.bedrock_read_timeout_s,
                retries={"mode": "standard", "total_max_attempts": self._settings.bedrock_max_attempts},
            ),
            **sampling,
        )

    def run(self, call: Awaitable[T], timeout_s: float | None) -> T:
        """Wait for a model call at most `timeout_s` (TimeoutError after it).

        Strands runs the blocking botocore call in a worker thread. A loop that lives as long as
        these models (the container) lets a timed-out call be abandoned without waiting for that
        thread (asyncio.run would wait for it on shutdown); botocore's read timeout bounds the
        abandoned thread."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(asyncio.wait_for(call, timeout=timeout_s))

    def forget(self) -> None:
        """Drop the models made so far, with the session's clients they hold (handler.snap_start,
        before a snapshot)."""
        self._models.clear()
