"""Fixtures for the image tests: build the image, run its own entry point, talk to it.

The image is built with `.ci/build-image` (docker where Docker can build it, otherwise buildah) and
run the way Lambda runs it: the image's ENTRYPOINT + CMD (`python -m awslambdaric ...`), as the
image's user, in its working directory, with AWS_LAMBDA_RUNTIME_API pointing at the emulator in
runtime_api.py. The function reaches the tests' PostgreSQL over TCP on 127.0.0.1 (buildah's
chroot isolation and `docker run --network host` share the host's network; a Unix socket in the
project's folder is out of its sight): the session's database, on the embedded server, which
listens there (handler/local/embedded_postgres.py), or on DATABASE_URL's.

Environment:
  IMAGE_TEST_TAG           tag to build and test (default diary-orchestrator:image-test)
  IMAGE_TEST_SKIP_BUILD=1  test the image already stored under that tag, do not build
  IMAGE_TEST_DATABASE_URL  database for the function, over TCP (default: the session's test database)
  CI                       when set, a missing container tool or database fails instead of skipping
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.lambda_image.engine import (
    START_TIMEOUT_S,
    BuildahEngine,
    DockerEngine,
    Engine,
    ImageConfig,
    RunningFunction,
    function_environment,
    tail,
)
from tests.support.lambda_image.runtime_api import RuntimeAPI

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / ".ci" / "build-image"
DEFAULT_TAG = "diary-orchestrator:image-test"
BUILD_TIMEOUT_S = 40 * 60


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "image: builds the Lambda container image and runs it (needs docker, or buildah as root); "
        "select with -m image, leave out with -m 'not image'",
    )


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def skip_or_fail(reason: str) -> None:
    """Locally a missing prerequisite skips the image tests; in CI it is a failure."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


# ----------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def image_engine() -> Engine:
    """Build the image with .ci/build-image and return the tool that runs it."""
    tag = os.environ.get("IMAGE_TEST_TAG", DEFAULT_TAG)
    # The build script's own choice (docker only where Docker can build the Dockerfile).
    chosen = subprocess.run([str(BUILD_SCRIPT), "--engine"], cwd=ROOT, capture_output=True, text=True)
    print(f"\n[image] {chosen.stderr.strip()}")
    if chosen.stdout.strip() == "docker":
        engine: Engine = DockerEngine(tag)
    elif shutil.which("buildah") or (in_ci() and os.geteuid() == 0 and shutil.which("apt-get")):
        # In CI the build script installs buildah itself when it is missing.
        engine = BuildahEngine(tag)
    else:
        skip_or_fail("no container tool: neither a Docker engine (`docker info`) nor buildah is available")
    if os.environ.get("IMAGE_TEST_SKIP_BUILD"):
        return engine
    if engine.name == "buildah" and os.geteuid() != 0:
        skip_or_fail("buildah builds here run as root (vfs storage, chroot isolation); run the image tests as root")
    started = time.monotonic()
    try:
        build = subprocess.run(
            [str(BUILD_SCRIPT), tag],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            env={**os.environ, "BUILD_ENGINE": engine.name},
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f".ci/build-image did not finish within {BUILD_TIMEOUT_S} s:\n{tail(str(exc.output or ''))}")
    if build.returncode != 0:
        pytest.fail(
            f".ci/build-image {tag} failed with exit code {build.returncode}:\n"
            f"{tail(build.stdout)}\n--- stderr ---\n{tail(build.stderr)}",
            pytrace=False,
        )
    summary = (build.stdout.strip().splitlines() or [""])[-1]
    print(f"\n[image] built {tag} with {engine.name} in {time.monotonic() - started:.0f} s: {summary}")
    return engine


@pytest.fixture(scope="session")
def image_config(image_engine: Engine) -> ImageConfig:
    return image_engine.config()


@pytest.fixture(scope="session")
def image_database_url(test_database: str) -> str:
    """The database the function in the image uses, migrated from the host."""
    import psycopg2
    from psycopg2.extensions import parse_dsn

    url = os.environ.get("IMAGE_TEST_DATABASE_URL") or test_database
    host = parse_dsn(url).get("host", "")
    if not host or host.startswith("/"):
        skip_or_fail(
            f"the function in a container cannot reach PostgreSQL through a Unix socket ({url}): set a TCP URL"
        )
    try:
        psycopg2.connect(url, connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        skip_or_fail(f"PostgreSQL for the image tests is not reachable at {url} over TCP: {exc}".strip())
    migrate = subprocess.run(
        [sys.executable, "-m", "handler.migrate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DATABASE_URL": url},
    )
    if migrate.returncode != 0:
        pytest.fail(f"python -m handler.migrate failed:\n{migrate.stdout}\n{migrate.stderr}", pytrace=False)
    return url


@pytest.fixture(scope="session")
def lambda_function(
    image_engine: Engine, image_config: ImageConfig, image_database_url: str
) -> Iterator[RunningFunction]:
    """The image's own ENTRYPOINT + CMD, running against the Runtime API emulator."""
    argv = [*image_config.entrypoint, *image_config.cmd]
    assert argv, "the image has neither ENTRYPOINT nor CMD"
    handler = image_config.cmd[-1] if image_config.cmd else ""
    with tempfile.TemporaryDirectory(prefix="image-test-") as tmp, RuntimeAPI() as api:
        log_path = Path(tmp) / "function.log"
        with open(log_path, "wb") as log_file:
            image_engine.prepare()
            started = time.monotonic()
            process = image_engine.start(argv, function_environment(api.address, image_database_url, handler), log_file)
            try:
                deadline = started + START_TIMEOUT_S
                while not api.wait_for_poll(timeout=0.5):
                    if process.poll() is not None or time.monotonic() > deadline:
                        break
                running = RunningFunction(api, process, log_path, time.monotonic() - started)
                if api.init_error is not None or not api.next_calls:
                    state = (
                        f"reported an init error: {api.init_error}"
                        if api.init_error
                        else f"exited with {process.returncode}"
                        if process.poll() is not None
                        else f"did not ask for an event within {START_TIMEOUT_S} s"
                    )
                    pytest.fail(f"the function {state}\n--- function output ---\n{tail(running.logs())}", pytrace=False)
                yield running
            finally:
                image_engine.stop(process)
                print(f"\n[image] function output (last lines):\n{tail(log_path.read_text(errors='replace'), 30)}")
