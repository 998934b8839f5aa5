"""Whether Bedrock still serves the models a deployment names, and lets this account call them, as
Bedrock's control plane tells it.

Lifecycle: `GetFoundationModel` answers `modelLifecycle.status`: ACTIVE, or LEGACY with the date the
model reaches its end of life (after it, calls fail). A model past that date, or one Bedrock does not
know in the region (retired, or a typo), cannot serve a single request. An inference-profile id
("us.", "global." ...) is checked twice: `GetInferenceProfile` for the profile, and
`GetFoundationModel` for the model it routes to, in the region the function calls it from.

Access: `GetFoundationModelAvailability` for the same foundation model, in the same region
(https://docs.aws.amazon.com/bedrock/latest/APIReference/API_GetFoundationModelAvailability.html).
"Access Amazon Bedrock foundation models"
(https://docs.aws.amazon.com/bedrock/latest/userguide/model-access.html) says access is on by
default, that the first call of a third-party model in an account makes its AWS Marketplace
agreement (the caller needs aws-marketplace permissions; up to 15 minutes; Anthropic also needs the
one-time first-use form), and that `agreementAvailability` is AVAILABLE once access exists and
NOT_AVAILABLE before. So:
- REFUSED (fails the deploy): `authorizationStatus` NOT_AUTHORIZED or `regionAvailability`
  NOT_AVAILABLE (nothing a call does changes either), or an agreement in ERROR (the subscription
  was tried and failed; the page says calls then fail with a 403).
- FIRST_CALL (passes with a warning): an agreement NOT_AVAILABLE or PENDING, or
  `entitlementAvailability` NOT_AVAILABLE: the first call subscribes, with the function role's
  aws-marketplace permissions (template.yaml).
- UNVERIFIED (passes with a warning): the question itself is refused or unknown (an SCP denying
  the read, a region without the API, a value the reference does not list). That is no evidence
  the model cannot be called, and failing on it would block every deploy of such an account; the
  deploy then stands where it stood before this check existed. Throttling and server errors are
  retried by botocore and then fail the deploy, like any other fault of the control plane.

Run at deploy time by the model check's custom resource (handler.deploy_hooks), so that a deploy
naming a retired model, or one this account may not call, fails before any traffic reaches it.
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
Access = Literal["CALLABLE", "FIRST_CALL", "UNVERIFIED", "REFUSED"]
# The operation's documented faults, retried by botocore's standard mode: if they persist, the check
# cannot answer and the deploy fails, as when the control plane cannot be reached.
_TRANSIENT = frozenset({"ThrottlingException", "InternalServerException"})
# The values GetFoundationModelAvailability's reference lists, per field.
_DOCUMENTED = {
    "authorizationStatus": {"AUTHORIZED", "NOT_AUTHORIZED"},
    "entitlementAvailability": {"AVAILABLE", "NOT_AVAILABLE"},
    "regionAvailability": {"AVAILABLE", "NOT_AVAILABLE"},
    "agreementAvailability.status": {"AVAILABLE", "PENDING", "NOT_AVAILABLE", "ERROR"},
}
_MESSAGE_LIMIT = 120


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
    # Not asked (None) when the lifecycle already fails.
    access: Access | None = None
    access_detail: str = ""

    @property
    def fails(self) -> bool:
        """A model that cannot serve (past its end of life, or unknown) or that this account may not
        call fails the deploy."""
        return self.state in ("EOL", "UNKNOWN") or self.access == "REFUSED"

    @property
    def warns(self) -> bool:
        return not self.fails and (self.state == "LEGACY" or self.access in ("FIRST_CALL", "UNVERIFIED"))

    def line(self) -> str:
        """What is worth saying: a lifecycle other than ACTIVE, access other than CALLABLE."""
        said = []
        if self.state != "ACTIVE":
            said.append(f"{self.state} - {self.detail}")
        if self.access not in (None, "CALLABLE"):
            said.append(f"{self.access} - {self.access_detail}")
        return f"{self.model.task} model {self.model.model_id} ({self.model.region}): " + "; ".join(
            said or [f"{self.state} - {self.detail}"]
        )


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
    state, detail = _lifecycle(details.get("modelLifecycle") or {}, now)
    if state == "EOL":
        return Verdict(model, state, detail)
    return Verdict(model, state, detail, *_access(bedrock, base_id))


def _lifecycle(lifecycle: dict[str, Any], now: dt.datetime) -> tuple[State, str]:
    status = lifecycle.get("status")
    end_of_life = lifecycle.get("endOfLifeTime")
    if status == "ACTIVE":
        return "ACTIVE", "active"
    if status == "LEGACY":
        if end_of_life is not None and end_of_life <= now:
            return "EOL", f"LEGACY, end of life was {end_of_life:%Y-%m-%d}"
        until = f"{end_of_life:%Y-%m-%d}" if end_of_life else "a date Bedrock has not published"
        return "LEGACY", f"LEGACY: calls fail after its end of life, {until}; choose a newer model"
    # Bedrock documents ACTIVE and LEGACY only; anything else is not a model to depend on.
    return "EOL", f"lifecycle status {status!r}"


def _access(bedrock: Any, base_id: str) -> tuple[Access, str]:
    """May this account call the foundation model here (see the module's docstring for the rules)."""
    try:
        answer = bedrock.get_foundation_model_availability(modelId=base_id)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code") or "an error"
        if code in _TRANSIENT:
            raise
        return "UNVERIFIED", f"{code} to GetFoundationModelAvailability; whether it may be called is not known"
    authorization = answer.get("authorizationStatus")
    entitlement = answer.get("entitlementAvailability")
    region = answer.get("regionAvailability")
    agreement = answer.get("agreementAvailability") or {}
    status = agreement.get("status")
    refused = []
    if authorization == "NOT_AUTHORIZED":
        refused.append("authorizationStatus NOT_AUTHORIZED")
    if region == "NOT_AVAILABLE":
        refused.append("regionAvailability NOT_AVAILABLE")
    if status == "ERROR":
        refused.append(f"agreement ERROR: {str(agreement.get('errorMessage') or 'no message')[:_MESSAGE_LIMIT]}")
    if refused:
        return "REFUSED", "; ".join(refused)
    first_call = []
    if status in ("NOT_AVAILABLE", "PENDING"):
        first_call.append(f"agreement {status}")
    if entitlement == "NOT_AVAILABLE":
        first_call.append("entitlementAvailability NOT_AVAILABLE")
    if first_call:
        form = ", once Anthropic's first-use form is in" if base_id.startswith("anthropic.") else ""
        return "FIRST_CALL", ", ".join(first_call) + f": the first call subscribes through AWS Marketplace{form}"
    answered = {
        "authorizationStatus": authorization,
        "entitlementAvailability": entitlement,
        "regionAvailability": region,
        "agreementAvailability.status": status,
    }
    undocumented = [f"{field} {value!r}" for field, value in answered.items() if value not in _DOCUMENTED[field]]
    if undocumented:
        return "UNVERIFIED", "undocumented " + ", ".join(undocumented)
    return "CALLABLE", "callable"


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
