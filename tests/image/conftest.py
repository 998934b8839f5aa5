"""Fixtures for the image tests: build the image, run its own entry point, talk to it.

The image is built with `.ci/build-image` (docker where an engine answers, otherwise buildah) and
run the way Lambda runs it: the image's ENTRYPOINT + CMD (`python -m awslambdaric ...`), as the
image's user, in its working directory, with AWS_LAMBDA_RUNTIME_API pointing at the emulator in
runtime_api.py. The function reaches the machine's PostgreSQL over TCP on 127.0.0.1 (buildah's
chroot isolation and `docker run --network host` share the host's network).

Environment:
  IMAGE_TEST_TAG           tag to build and test (default diary-orchestrator:image-test)
  IMAGE_TEST_SKIP_BUILD=1  test the image already stored under that tag, do not build
  IMAGE_TEST_DATABASE_URL  database for the function (default postgresql://postgres@127.0.0.1:5432/test)
  CI                       when set, a missing container tool or database fails instead of skipping
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.image.runtime_api import FUNCTION_NAME, RuntimeAPI

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / ".ci" / "build-image"
DEFAULT_TAG = "diary-orchestrator:image-test"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
BUILDAH = ["buildah", "--storage-driver", "vfs"]
BUILD_TIMEOUT_S = 40 * 60
START_TIMEOUT_S = 120


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


def _docker_answers() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


# ----------------------------------------------------------------------------------- engines
@dataclass
class ImageConfig:
    entrypoint: list[str]
    cmd: list[str]
    env: dict[str, str]
    workdir: str
    user: str
    history: list[dict[str, Any]] = field(default_factory=list)


def _image_config(cfg: dict, history: list[dict]) -> ImageConfig:
    """The parts of an OCI image config the tests read, from either backend's inspect output."""
    return ImageConfig(
        entrypoint=list(cfg.get("Entrypoint") or []),
        cmd=list(cfg.get("Cmd") or []),
        env=_env_list_to_dict(cfg.get("Env")),
        workdir=cfg.get("WorkingDir") or "/",
        user=cfg.get("User") or "",
        history=history,
    )


def _env_list_to_dict(items: list[str] | None) -> dict[str, str]:
    return dict(item.split("=", 1) for item in items or [] if "=" in item)


class Engine:
    """How to read, start and run the built image with one container tool."""

    name = ""

    def __init__(self, tag: str):
        self.tag = tag

    def config(self) -> ImageConfig:
        raise NotImplementedError

    def prepare(self) -> None:
        """Make what start() needs ahead of time, so that start() times only the function's start."""

    def start(self, argv: list[str], env: dict[str, str], log_file: Any) -> subprocess.Popen:
        raise NotImplementedError

    def stop(self, process: subprocess.Popen) -> None:
        raise NotImplementedError

    def run(self, argv: list[str], env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run a one-off command in a fresh container of the image (the image's user and workdir)."""
        raise NotImplementedError


def _stop_process_group(process: subprocess.Popen) -> None:
    """Stop a process started with start_new_session=True and everything it started."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=15)


class BuildahEngine(Engine):
    name = "buildah"

    def __init__(self, tag: str):
        super().__init__(tag)
        self.containers: list[str] = []
        self._prepared: str | None = None

    def config(self) -> ImageConfig:
        out = subprocess.run(
            [*BUILDAH, "inspect", "--type", "image", self.tag], capture_output=True, text=True, check=True
        ).stdout
        oci = json.loads(out)["OCIv1"]
        return _image_config(oci.get("config") or {}, list(oci.get("history") or []))

    def _new_container(self) -> str:
        name = f"diary-image-test-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            [*BUILDAH, "from", "--pull=never", "--name", name, self.tag],
            capture_output=True, text=True, check=True,
        )
        self.containers.append(name)
        return name

    def _run_argv(self, container: str, argv: list[str], env: dict[str, str]) -> list[str]:
        cfg = self.config()
        cmd = [*BUILDAH, "run", "--isolation", "chroot", "--network", "host", "--workingdir", cfg.workdir]
        if cfg.user:
            cmd += ["--user", cfg.user]
        for key, value in {**cfg.env, **env}.items():
            cmd += ["--env", f"{key}={value}"]
        return [*cmd, container, "--", *argv]

    def prepare(self) -> None:
        # With vfs, `buildah from` copies the whole root file system: seconds that are not start-up.
        self._prepared = self._new_container()

    def start(self, argv: list[str], env: dict[str, str], log_file: Any) -> subprocess.Popen:
        container, self._prepared = self._prepared or self._new_container(), None
        return subprocess.Popen(
            self._run_argv(container, argv, env),
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def stop(self, process: subprocess.Popen) -> None:
        _stop_process_group(process)
        self.remove_containers()

    def run(self, argv: list[str], env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        container = self._new_container()
        try:
            return subprocess.run(
                self._run_argv(container, argv, env or {}),
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
            )
        finally:
            self._remove(container)

    def _remove(self, container: str) -> None:
        subprocess.run([*BUILDAH, "rm", container], capture_output=True, check=False)
        if container in self.containers:
            self.containers.remove(container)

    def remove_containers(self) -> None:
        for container in list(self.containers):
            self._remove(container)


class DockerEngine(Engine):
    name = "docker"

    def __init__(self, tag: str):
        super().__init__(tag)
        self.names: list[str] = []

    def config(self) -> ImageConfig:
        out = subprocess.run(["docker", "image", "inspect", self.tag], capture_output=True, text=True, check=True).stdout
        cfg = json.loads(out)[0].get("Config") or {}
        lines = subprocess.run(
            ["docker", "history", "--no-trunc", "--format", "{{.Size}}\t{{.CreatedBy}}", self.tag],
            capture_output=True, text=True, check=True,
        ).stdout.splitlines()
        history = [  # docker lists newest first
            {"created_by": created_by, "empty_layer": size in ("0B", "0")}
            for size, _, created_by in (line.partition("\t") for line in reversed(lines))
        ]
        return _image_config(cfg, history)

    def _run_argv(self, name: str, argv: list[str] | None, env: dict[str, str]) -> list[str]:
        cmd = ["docker", "run", "--rm", "--name", name, "--network", "host"]
        for key, value in env.items():
            cmd += ["--env", f"{key}={value}"]
        if argv is None:  # the image's own ENTRYPOINT + CMD
            return [*cmd, self.tag]
        return [*cmd, "--entrypoint", argv[0], self.tag, *argv[1:]]

    def start(self, argv: list[str], env: dict[str, str], log_file: Any) -> subprocess.Popen:
        cfg = self.config()
        name = f"diary-image-test-{uuid.uuid4().hex[:8]}"
        self.names.append(name)
        own = argv == [*cfg.entrypoint, *cfg.cmd]
        return subprocess.Popen(
            self._run_argv(name, None if own else argv, env),
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def stop(self, process: subprocess.Popen) -> None:
        for name in self.names:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
        self.names.clear()
        _stop_process_group(process)

    def run(self, argv: list[str], env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        name = f"diary-image-test-{uuid.uuid4().hex[:8]}"
        return subprocess.run(
            self._run_argv(name, argv, env or {}),
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
        )


# ----------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def image_engine() -> Engine:
    """Build the image with .ci/build-image and return the tool that runs it."""
    tag = os.environ.get("IMAGE_TEST_TAG", DEFAULT_TAG)
    if _docker_answers():
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
            [str(BUILD_SCRIPT), tag], cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
            env={**os.environ, "BUILD_ENGINE": engine.name},
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f".ci/build-image did not finish within {BUILD_TIMEOUT_S} s:\n{_tail(str(exc.output or ''))}")
    if build.returncode != 0:
        pytest.fail(
            f".ci/build-image {tag} failed with exit code {build.returncode}:\n"
            f"{_tail(build.stdout)}\n--- stderr ---\n{_tail(build.stderr)}",
            pytrace=False,
        )
    summary = (build.stdout.strip().splitlines() or [""])[-1]
    print(f"\n[image] built {tag} with {engine.name} in {time.monotonic() - started:.0f} s: {summary}")
    return engine


@pytest.fixture(scope="session")
def image_config(image_engine: Engine) -> ImageConfig:
    return image_engine.config()


@pytest.fixture(scope="session")
def image_database_url() -> str:
    """The database the function in the image uses, migrated from the host."""
    import psycopg2

    url = os.environ.get("IMAGE_TEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    try:
        psycopg2.connect(url, connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        skip_or_fail(f"PostgreSQL for the image tests is not reachable at {url} over TCP: {exc}".strip())
    migrate = subprocess.run(
        [sys.executable, "-m", "handler.migrate"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DATABASE_URL": url},
    )
    if migrate.returncode != 0:
        pytest.fail(f"python -m handler.migrate failed:\n{migrate.stdout}\n{migrate.stderr}", pytrace=False)
    return url


def function_environment(runtime_api: str, database_url: str, handler: str) -> dict[str, str]:
    """What Lambda sets for a function, plus this project's settings; no real AWS is reachable."""
    return {
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/26/[$LATEST]imagetest",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": "AWS_Lambda_Image",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        # Any AWS call the offline configuration should not make fails at once on a closed port.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "_HANDLER": handler,
        "TZ": ":UTC",
        "DATABASE_URL": database_url,
        "MODEL_PROVIDER": "offline",
        "POWERTOOLS_SERVICE_NAME": "diary-image-test",
        "POWERTOOLS_METRICS_NAMESPACE": "DiaryImageTest",
        "LOG_LEVEL": "INFO",
    }


@dataclass
class RunningFunction:
    api: RuntimeAPI
    process: subprocess.Popen
    log_path: Path
    cold_start_s: float

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def invoke(self, event: dict[str, Any], timeout: float = 60.0) -> Any:
        if self.process.poll() is not None:
            pytest.fail(f"the function process exited with {self.process.returncode}:\n{_tail(self.logs())}", pytrace=False)
        try:
            return self.api.invoke(event, timeout=timeout)
        except Exception as exc:
            raise AssertionError(f"{exc}\n--- function output ---\n{_tail(self.logs())}") from exc


@pytest.fixture(scope="session")
def lambda_function(image_engine: Engine, image_config: ImageConfig, image_database_url: str) -> Iterator[RunningFunction]:
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
                        f"reported an init error: {api.init_error}" if api.init_error
                        else f"exited with {process.returncode}" if process.poll() is not None
                        else f"did not ask for an event within {START_TIMEOUT_S} s"
                    )
                    pytest.fail(f"the function {state}\n--- function output ---\n{_tail(running.logs())}", pytrace=False)
                yield running
            finally:
                image_engine.stop(process)
                print(f"\n[image] function output (last lines):\n{_tail(log_path.read_text(errors='replace'), 30)}")
