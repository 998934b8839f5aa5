"""The models the agents talk to: Amazon Bedrock in AWS, a deterministic offline model locally.

Each task runs on the model its setting names: routing on a small fast one
(`BEDROCK_ROUTING_MODEL_ID`), the writing tasks (diary, answer, report, image prompt) on a stronger
one (`BEDROCK_MODEL_ID`). Ids are used exactly as given: "us."/"global." inference-profile
prefixes must stay.
"""

from __future__ import annotations

import functools
from typing import Literal

from handler.settings import get_settings

Task = Literal["routing", "diary", "answer", "report", "image_prompt"]


def model_id_for(task: Task) -> str:
    settings = get_settings()
    if settings.model_provider == "offline":
        from handler.agents.offline_model import OfflineModel

        return OfflineModel.NAME
    return settings.bedrock_routing_model_id if task == "routing" else settings.bedrock_model_id


def get_model(task: Task):
    """(model, its id) for `task`; built on first use, so routes without a model never pay for it."""
    model_id = model_id_for(task)
    return _model(model_id), model_id


@functools.cache
def _model(model_id: str):
    settings = get_settings()
    if settings.model_provider == "offline":
        from handler.agents.offline_model import OfflineModel

        return OfflineModel()

    from botocore.config import Config
    from strands.models.bedrock import BedrockModel

    return BedrockModel(
        model_id=model_id,
        # API Gateway cannot stream a Lambda response; one Converse call is simpler and cheaper.
        streaming=False,
        boto_client_config=Config(
            connect_timeout=3,
            read_timeout=settings.bedrock_read_timeout_s,
            retries={"mode": "standard", "total_max_attempts": settings.bedrock_max_attempts},
        ),
    )


def clear_cache() -> None:
    """Forget the models built so far (tests switch settings between them)."""
    _model.cache_clear()
