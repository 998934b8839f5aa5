"""Whether Bedrock still serves the models a deployment names, as Bedrock's control plane tells it.

`GetFoundationModel` answers `modelLifecycle.status`: ACTIVE, or LEGACY with the date the model
reaches its end of life (after it, calls fail). A model past that date, or one Bedrock does not know
in the region (retired, or a typo), cannot serve a single request. An inference-profile id ("us.",
"global." ...) is checked twice: `GetInferenceProfile` for the profile, and `GetFoundationModel` for
the model it routes to, in the region the function calls it from.

Run at deploy time by the model check's custom resource (handler.deploy_hooks), so that a deploy
naming a retired model fails before any traffic reaches it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

# The geography prefixes of Bedrock's system-defined cross-region inference profiles.
PROFILE_PREFIXES = frozenset({"us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"})

State = Literal["ACTIVE", "LEGACY", "EOL", "UNKNOWN"]


@dataclass(frozen=True)
class ModelInUse:
    task: str
    model_id: str
    region: str


@dataclass(frozen=True)
class Verdict:
    model: ModelInUse
    state: State
    detail: str

    @property
    def fails(self) -> bool:
        """A model that cannot serve (past its end of life, or unknown) fails the deploy."""
        return self.state in ("EOL", "UNKNOWN")

    def line(self) -> str:
        return f"{self.model.task} model {self.model.model_id} ({self.model.region}): {self.state} - {self.detail}"


def foundation_model_id(model_id: str) -> str:
    """The model a system-defined inference profile routes to ("us.anthropic.x" -> "anthropic.x")."""
    prefix, _, rest = model_id.partition(".")
    return rest if prefix in PROFILE_PREFIXES and rest else model_id


def check(models: list[ModelInUse], control_plane: Callable[[str], Any], now: dt.datetime) -> list[Verdict]:
    """One verdict per model; `control_plane(region)` gives a boto3 `bedrock` client for a region."""
    return [_verdict(model, control_plane(model.region), now) for model in models]


def _verdict(model: ModelInUse, bedrock: Any, now: dt.datetime) -> Verdict:
    base_id = foundation_model_id(model.model_id)
    try:
        if base_id != model.model_id:
            profile = bedrock.get_inference_profile(inferenceProfileIdentifier=model.model_id)
            if profile.get("status") != "ACTIVE":
                return Verdict(model, "UNKNOWN", f"inference profile status {profile.get('status')!r}")
        details = bedrock.get_foundation_model(modelIdentifier=base_id)["modelDetails"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") in ("ResourceNotFoundException", "ValidationException"):
            return Verdict(model, "UNKNOWN", f"Bedrock does not serve it here ({error.get('Code')})")
        raise
    lifecycle = details.get("modelLifecycle") or {}
    status = lifecycle.get("status")
    end_of_life = lifecycle.get("endOfLifeTime")
    if status == "ACTIVE":
        return Verdict(model, "ACTIVE", "active")
    if status == "LEGACY":
        if end_of_life is not None and end_of_life <= now:
            return Verdict(model, "EOL", f"LEGACY, end of life was {end_of_life:%Y-%m-%d}")
        until = f"{end_of_life:%Y-%m-%d}" if end_of_life else "a date Bedrock has not published"
        return Verdict(model, "LEGACY", f"LEGACY: calls fail after its end of life, {until}; choose a newer model")
    # Bedrock documents ACTIVE and LEGACY only; anything else is not a model to depend on.
    return Verdict(model, "EOL", f"lifecycle status {status!r}")


def control_plane_clients() -> Callable[[str], Any]:
    """boto3 `bedrock` clients, one per region, made the standard way (AWS_ENDPOINT_URL_BEDROCK applies)."""
    import functools

    import boto3
    from botocore.config import Config

    @functools.cache
    def for_region(region: str) -> Any:
        return boto3.client(
            "bedrock",
            region_name=region,
            config=Config(connect_timeout=5, read_timeout=10, retries={"mode": "standard", "total_max_attempts": 4}),
        )

    return for_region
