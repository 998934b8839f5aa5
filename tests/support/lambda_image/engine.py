"""The Lambda image, built and run without Lambda: an engine (buildah, or Docker where Docker
can build it), the image's configuration, and the function's process running the image's own entry point
against the Runtime API emulator (runtime_api.py). Shared by tests/image/ and benchmarks/.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.lambda_image.runtime_api import FUNCTION_NAME, RuntimeAPI

BUILDAH = ["buildah", "--storage-driver", "vfs"]
# Lambda runs an image as a least-privileged user of its own, whatever the image's USER, on a
# read-only file system but for /tmp (https://docs.aws.amazon.com/lambda/latest/dg/images-create.html,
# "Requirements"). Every container here runs so: a uid and gid the image does not know (the ones
# an image reports on Lambda, sbx_user1051), the root file system read-only, /tmp a fresh tmpfs.
LAMBDA_USER = "993:990"
# Seconds a freshly started function has to ask the Runtime API for its first event.
START_TIMEOUT_S = 120


def tail(text: str, lines: int = 60) -> str:
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

    def __init__(self, tag: str, user: str = LAMBDA_USER):
        self.tag = tag
        # Who the containers run as: Lambda's kind of user, unless a bench lane cannot (its files
        # are readable by root only, which on Lambda would not run at all).
        self.user = user

    def config(self) -> ImageConfig:
        raise NotImplementedError

    def prepare(self) -> None:
        """Make what start() needs ahead of time, so that start() times only the function's start."""

    def start(
        self, argv: list[str], env: dict[str, str], log_file: Any, files: dict[str, str] | None = None
    ) -> subprocess.Popen:
        """Start `argv` in a fresh container; `files`: host file -> an existing path in the image
        it replaces, read-only (the root is read-only, so nothing new can be made there)."""
        raise NotImplementedError

    def stop(self, process: subprocess.Popen) -> None:
        raise NotImplementedError

    def run(
        self, argv: list[str], env: dict[str, str] | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess:
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

    def __init__(self, tag: str, user: str = LAMBDA_USER):
        super().__init__(tag, user)
        self.containers: list[str] = []
        self._read_only_roots: dict[str, str] = {}
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
            capture_output=True,
            text=True,
            check=True,
        )
        self.containers.append(name)
        self._make_read_only(name)
        return name

    def _make_read_only(self, container: str) -> None:
        """`buildah run` has no --read-only: the container's root is bind-mounted read-only onto
        itself instead, with a tmpfs on /run for the files buildah itself adds and removes at
        each run there (root's, 0755: the function's user cannot write it either). The files
        buildah binds over at each run must exist first (an image without a RUN step lacks them)."""
        root = subprocess.run([*BUILDAH, "mount", container], capture_output=True, text=True, check=True).stdout.strip()
        for bound in ("etc/hosts", "etc/hostname", "etc/resolv.conf"):
            Path(root, bound).touch()
        subprocess.run(["mount", "--bind", root, root], check=True)
        self._read_only_roots[container] = root
        subprocess.run(["mount", "-o", "remount,bind,ro", root], check=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", f"{root}/run"], check=True)

    def _run_argv(
        self, container: str, argv: list[str], env: dict[str, str], files: dict[str, str] | None = None
    ) -> list[str]:
        cfg = self.config()
        cmd = [*BUILDAH, "run", "--isolation", "chroot", "--network", "host", "--workingdir", cfg.workdir]
        cmd += ["--user", self.user, "--mount", "type=tmpfs,destination=/tmp"]
        for host, inside in (files or {}).items():
            cmd += ["--volume", f"{host}:{inside}:ro"]
        for key, value in {**cfg.env, **env}.items():
            cmd += ["--env", f"{key}={value}"]
        return [*cmd, container, "--", *argv]

    def prepare(self) -> None:
        # With vfs, `buildah from` copies the whole root file system: seconds that are not start-up.
        self._prepared = self._new_container()

    def start(
        self, argv: list[str], env: dict[str, str], log_file: Any, files: dict[str, str] | None = None
    ) -> subprocess.Popen:
        container, self._prepared = self._prepared or self._new_container(), None
        return subprocess.Popen(
            self._run_argv(container, argv, env, files),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, process: subprocess.Popen) -> None:
        _stop_process_group(process)
        self.remove_containers()

    def run(
        self, argv: list[str], env: dict[str, str] | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess:
        container = self._new_container()
        try:
            return subprocess.run(
                self._run_argv(container, argv, env or {}),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        finally:
            self._remove(container)

    def _remove(self, container: str) -> None:
        root = self._read_only_roots.pop(container, None)
        if root:
            subprocess.run(["umount", f"{root}/run"], capture_output=True, check=False)
            subprocess.run(["umount", root], capture_output=True, check=False)
        subprocess.run([*BUILDAH, "rm", container], capture_output=True, check=False)
        if container in self.containers:
            self.containers.remove(container)

    def remove_containers(self) -> None:
        for container in list(self.containers):
            self._remove(container)


class DockerEngine(Engine):
    name = "docker"

    def __init__(self, tag: str, user: str = LAMBDA_USER):
        super().__init__(tag, user)
        self.names: list[str] = []

    def config(self) -> ImageConfig:
        out = subprocess.run(
            ["docker", "image", "inspect", self.tag], capture_output=True, text=True, check=True
        ).stdout
        cfg = json.loads(out)[0].get("Config") or {}
        lines = subprocess.run(
            ["docker", "history", "--no-trunc", "--format", "{{.Size}}\t{{.CreatedBy}}", self.tag],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        history = [  # docker lists newest first
            {"created_by": created_by, "empty_layer": size in ("0B", "0")}
            for size, _, created_by in (line.partition("\t") for line in reversed(lines))
        ]
        return _image_config(cfg, history)

    def _run_argv(
        self, name: str, argv: list[str] | None, env: dict[str, str], files: dict[str, str] | None = None
    ) -> list[str]:
        cmd = ["docker", "run", "--rm", "--name", name, "--network", "host", "--user", self.user]
        cmd += ["--read-only", "--tmpfs", "/tmp:rw,exec,mode=1777"]  # noqa: S108 (the container's /tmp)
        for host, inside in (files or {}).items():
            cmd += ["--volume", f"{host}:{inside}:ro"]
        for key, value in env.items():
            cmd += ["--env", f"{key}={value}"]
        if argv is None:  # the image's own ENTRYPOINT + CMD
            return [*cmd, self.tag]
        return [*cmd, "--entrypoint", argv[0], self.tag, *argv[1:]]

    def start(
        self, argv: list[str], env: dict[str, str], log_file: Any, files: dict[str, str] | None = None
    ) -> subprocess.Popen:
        cfg = self.config()
        name = f"diary-image-test-{uuid.uuid4().hex[:8]}"
        self.names.append(name)
        own = argv == [*cfg.entrypoint, *cfg.cmd]
        return subprocess.Popen(
            self._run_argv(name, None if own else argv, env, files),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, process: subprocess.Popen) -> None:
        for name in self.names:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
        self.names.clear()
        _stop_process_group(process)

    def run(
        self, argv: list[str], env: dict[str, str] | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess:
        name = f"diary-image-test-{uuid.uuid4().hex[:8]}"
        return subprocess.run(
            self._run_argv(name, argv, env or {}),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


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
            pytest.fail(
                f"the function process exited with {self.process.returncode}:\n{tail(self.logs())}", pytrace=False
            )
        try:
            return self.api.invoke(event, timeout=timeout)
        except Exception as exc:
            raise AssertionError(f"{exc}\n--- function output ---\n{tail(self.logs())}") from exc
