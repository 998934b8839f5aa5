"""The image keeps botocore's service model of every service the code calls, and only those.

The Dockerfile removes every other folder of botocore/data (it is most of botocore's size); a
service the code calls whose model was removed fails in AWS only, with UnknownServiceError (the
version pruning's `lambda` and the erasure's `cognito-idp` were removed so, and no local test saw
it: moto and the fakes run outside the image). The list is read from the Dockerfile's own command.
"""

from __future__ import annotations

import re

from tests.support import aws_calls
from tests.support.requests import ROOT

# Clients made for the code by others: botocore's own STS (credentials in some setups), and
# Powertools' parameters.get_secret (Secrets Manager, the database secret).
NOT_MADE_BY_THE_CODE = {"sts", "secretsmanager"}


def kept_services() -> set[str]:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    trim = dockerfile[dockerfile.index("find botocore/data") :].split("-exec", 1)[0]
    return set(re.findall(r"-not -name ([\w-]+)", trim))


def test_the_image_keeps_the_model_of_every_service_the_code_calls_and_no_other():
    assert aws_calls.services(), "no client found: the reader of the code is broken"
    assert kept_services() == set(aws_calls.services()) | NOT_MADE_BY_THE_CODE
