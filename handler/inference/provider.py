"""The models the agents talk to: Amazon Bedrock in AWS, the deterministic offline stand-in locally.

Each task runs on the model its setting names: routing on a small fast one
(`BEDROCK_ROUTING_MODEL_ID`), the writing tasks (diary, answer, report, image prompt) on a stronger
one (`BEDROCK_MODEL_ID`). Ids are used exactly as given: "us."/"global." inference-profile
prefixes must stay.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

from handler import aws
from handler.settings import get_settings

Task = Literal["routing", "diary", "answer", "report", "image_prompt"]
OFFLINE = "offline"


def model_id_for(task: Task) -> str:
    """The model `task` runs on: a Bedrock id, or OFFLINE."""
    settings = get_settings()
    if settings.model_provider == "offline":
        return OFFLINE
    return settings.bedrock_routing_model_id if task == "routing" else settings.bedrock_model_id


# A model per id and temperature: a call's temperature is the model's configuration in Strands,
# so a shared model must never be reconfigured by one call for the next. Few pairs occur.
@functools.lru_cache(maxsize=16)
def bedrock_model(model_id: str, temperature: float | None) -> Any:
    """Built on first use, so routes without a model never pay for Strands and boto3."""
    from botocore.config import Config
    from strands.models.bedrock import BedrockModel

    settings = get_settings()
    sampling: dict[str, Any] = {} if temperature is None else {"temperature": temperature}
    return BedrockModel(
        model_id=model_id,
        # API Gateway cannot stream a Lambda response; one Converse call is simpler and cheaper.
        streaming=False,
        boto_session=aws.session(),
        boto_client_config=Config(
            connect_timeout=3,
            read_timeout=settings.bedrock_read_timeout_s,
            retries={"mode": "standard", "total_max_attempts": settings.bedrock_max_attempts},
        ),
        **sampling,
    )


def clear_cache() -> None:
    """Forget the models built so far (tests switch settings between them, and handler.snap_start
    drops them before a snapshot)."""
    bedrock_model.cache_clear()
