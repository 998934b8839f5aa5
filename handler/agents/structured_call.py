"""One model round trip that must come back as a validated pydantic object.

Strands' `Model.structured_output` forces the output tool, so an answer costs exactly one Converse
call. An `Agent(...)(prompt, structured_output_model=...)` loop would offer the tool under auto
choice and may spend a second call forcing it, which the per-request budget has no room for.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Generic, TypeVar

import botocore.exceptions
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError
from strands.types.exceptions import ModelThrottledException

from handler.agents.model_provider import get_model
from handler.deadline import DeadlineExceeded, seconds_left

T = TypeVar("T", bound=BaseModel)
logger = logging.getLogger(__name__)
# Shares the entry point's metric set; flushed with it at the end of the invocation.
metrics = Metrics()

# Time kept back to turn a late model answer into a clean 504 before Lambda's own timeout.
ANSWER_MARGIN_S = 1.5
RETRY_AFTER_S = 5

# Strands runs the blocking botocore call in a worker thread. A loop that lives as long as the
# container lets a timed-out call be abandoned without waiting for that thread (asyncio.run would
# wait for it on shutdown); botocore's read timeout bounds the abandoned thread.
_loop = asyncio.new_event_loop()


class ModelUnavailable(Exception):
    """The model service throttled, failed or answered something unusable."""

    def __init__(self, message: str, retry_after_s: int = RETRY_AFTER_S):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ModelTimeout(DeadlineExceeded):
    """The model did not answer within the time the request has left."""


@dataclass(frozen=True)
class Answer(Generic[T]):
    output: T
    model: str


_UNAVAILABLE_CODES = {
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelErrorException",
    "ServiceQuotaExceededException",
}


def ask(output_model: type[T], system_prompt: str, prompt: str, temperature: float | None = None) -> Answer[T]:
    model, model_name = get_model()
    if temperature is not None:
        model.update_config(temperature=temperature)
    messages = [{"role": "user", "content": [{"text": prompt}]}]
    timeout_s = seconds_left(ANSWER_MARGIN_S)
    try:
        output = _loop.run_until_complete(
            asyncio.wait_for(_collect(model, output_model, messages, system_prompt), timeout=timeout_s)
        )
    except (asyncio.TimeoutError, botocore.exceptions.ReadTimeoutError) as exc:
        raise ModelTimeout("the model did not answer in time") from exc
    except ModelThrottledException as exc:
        raise ModelUnavailable("the model is throttling requests") from exc
    except botocore.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code not in _UNAVAILABLE_CODES and status < 500:
            # Access or validation errors mean this deployment is misconfigured; still the model's side.
            logger.error("model call rejected", extra={"error_code": code, "http_status": status})
        raise ModelUnavailable("the model service failed") from exc
    except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError) as exc:
        raise ModelUnavailable("the model service is unreachable") from exc
    except (ValidationError, ValueError) as exc:
        raise ModelUnavailable("the model answered in an unusable shape") from exc
    finally:
        metrics.add_metric(name="ModelCalls", unit=MetricUnit.Count, value=1)
    return Answer(output=output, model=model_name)


async def _collect(model, output_model: type[T], messages: list, system_prompt: str) -> T:
    result = None
    async for event in model.structured_output(output_model, messages, system_prompt=system_prompt):
        if "output" in event:
            result = event["output"]
    if result is None:
        raise ValueError("no structured output in the model's answer")
    return result
