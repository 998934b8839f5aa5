"""Fixtures shared by the unit tests of the deploy hooks (migration, model check, version pruning)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from handler import deploy_hooks
from tests.fakes.cloudformation import ResponseURL


@pytest.fixture
def response_url() -> Iterator[ResponseURL]:
    """CloudFormation's presigned ResponseURL, where a custom resource PUTs its one answer."""
    stand_in = ResponseURL()
    yield stand_in
    stand_in.server.shutdown()


@pytest.fixture
def log(monkeypatch) -> io.StringIO:
    """What the function writes to CloudWatch: Powertools' JSON lines."""
    stream = io.StringIO()
    monkeypatch.setattr(deploy_hooks.logger.registered_handler, "stream", stream)
    return stream
