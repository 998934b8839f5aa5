"""How a failed model call looks to the rest of the service: unavailable (503), too slow (504) or malformed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import botocore.exceptions
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from handler.errors import DeadlineExceeded, ModelAnswerMalformed, ModelUnavailable
from handler.inference import usage

logger = Logger(child=True)
# Shares the entry point's metric set; flushed with it at the end of the invocation.
metrics = Metrics()

_UNAVAILABLE_CODES = {
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelErrorException",
    "ServiceQuotaExceededException",
    "ThrottlingException",
}


@contextlib.contextmanager
def model_call(task: str) -> Iterator[None]:
    """Count one model round trip of `task` and translate whatever it raises."""
    # Imported here: importing strands costs most of a cold start, and only model routes need it.
    from strands.types.exceptions import ModelThrottledException

    try:
        yield
    except (TimeoutError, botocore.exceptions.ReadTimeoutError) as exc:
        raise DeadlineExceeded("the model did not answer in time") from exc
    except ModelThrottledException as exc:
        raise ModelUnavailable("the model is throttling requests") from exc
    except botocore.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code not in _UNAVAILABLE_CODES and status < 500:
            # Access or validation errors mean this deployment is misconfigured; still the model's side.
            logger.error("model call rejected", extra={"task": task, "error_code": code, "http_status": status})
        raise ModelUnavailable("the model service failed") from exc
    except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError) as exc:
        raise ModelUnavailable("the model service is unreachable") from exc
    except (ValidationError, ValueError, KeyError) as exc:
        raise ModelAnswerMalformed("the model answered in an unusable shape") from exc
    finally:
        metrics.add_metric(name="ModelCalls", unit=MetricUnit.Count, value=1)
        # A call that was made counts against its user's limits, whether or not it succeeded.
        usage.count_call(task)
