"""The per-user limits set out of the way, for tests in which one user sends hundreds of requests
that call a model in seconds (the bad-input catalogue, the fuzzer): the limits themselves are
tested in tests/integration/test_quotas.py."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.support import services

GENEROUS = "1000000"
LIMITS = ("RATE_LIMIT_REQUESTS", "MODEL_CALLS_PER_DAY", "PICTURES_PER_DAY", "MODEL_TOKENS_PER_DAY")


@contextlib.contextmanager
def out_of_the_way() -> Iterator[None]:

    with pytest.MonkeyPatch.context() as patch:
        for name in LIMITS:
            patch.setenv(name, GENEROUS)
        services.reload()
        yield
    services.reload()
