"""The model every agent talks to: Amazon Bedrock in AWS, a deterministic offline model locally."""

from __future__ import annotations

import functools

from handler.settings import get_settings


@functools.cache
def get_model():
    """(model, name) for this container; built on first use so routes without a model never pay for it."""
    settings = get_settings()
    if settings.model_provider == "offline":
        from handler.agents.offline_model import OfflineModel

        return OfflineModel(), OfflineModel.NAME

    from botocore.config import Config
    from strands.models.bedrock import BedrockModel

    model = BedrockModel(
        # Used exactly as configured: "us."/"global." inference-profile prefixes must stay.
        model_id=settings.bedrock_model_id,
        # API Gateway cannot stream a Lambda response; one Converse call is simpler and cheaper.
        streaming=False,
        boto_client_config=Config(
            connect_timeout=3,
            read_timeout=settings.bedrock_read_timeout_s,
            retries={"mode": "standard", "total_max_attempts": settings.bedrock_max_attempts},
        ),
    )
    return model, settings.bedrock_model_id
