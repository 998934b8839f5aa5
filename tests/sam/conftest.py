"""What the SAM tests need: a Docker engine, the base image in it, `sam build`, and a way for the
function's containers to reach the tests' PostgreSQL.

Where no Docker engine answers, one is started here (Debian's `dockerd`, as root) and stopped at
the end; without dockerd, or not as root, the tests skip locally and fail in CI. What this
machine lacks is adapted here only, never in the shipped files; each adaptation stands for a
condition a user's machine has:

- no registry answers, so `python:3.11-slim` cannot be pulled: the stand-in `.ci/build-image
  --base-only` makes is loaded into the engine under that name (a user's engine pulls it);
- no `docker buildx` plugin, which `sam build` with BuildKit calls: tests/sam/docker-buildx
  stands in for it, in a DOCKER_CONFIG of these tests' own (a user's Docker has buildx);
- no NAT (the engine runs without iptables): that stand-in builds on the host's network;
- a TLS-intercepting proxy: BUILD_CA_CERT gets the certificates of SSL_CERT_FILE that pip's own
  bundle lacks, as README "Try it locally" tells a user behind such a proxy to do;
- PostgreSQL listens on loopback only: socat forwards the bridge's gateway address to it, as the
  README tells a user whose PostgreSQL does the same.

Environment: SAM_TEST_KEEP_ENGINE=1 leaves an engine these tests started running.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from psycopg2.extensions import make_dsn, parse_dsn

from tests import tally
from tests.support.requests import ROOT

SAM = ROOT / ".venv-sam" / "bin" / "sam"
BUILD_SCRIPT = ROOT / ".ci" / "build-image"
BASE_IMAGE = "python:3.11-slim"
SECTION = "sam"


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, **kwargs)


def _docker_answers() -> bool:
    return shutil.which("docker") is not None and _run(["docker", "info"], timeout=30).returncode == 0


def _timed(label: str, started: float) -> None:
    tally.put(SECTION, f"{label} s", f"{time.monotonic() - started:.0f}")


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[None]:
    """A Docker engine on the default socket: the one that answers, or one started here."""
    if _docker_answers():
        yield
        return
    if os.geteuid() != 0 or not shutil.which("dockerd"):
        _skip_or_fail("no Docker engine answers, and dockerd cannot be started here (needs root and docker.io)")
    state = Path(tempfile.mkdtemp(prefix="diary-sam-dockerd-"))
    log = (state / "dockerd.log").open("w")
    # No iptables on this machine (and so no NAT, see the module's docstring); the storage driver
    # is Docker's default choice.
    engine = subprocess.Popen(
        ["dockerd", "--data-root", str(state / "data"), "--exec-root", str(state / "exec"),
         "--pidfile", str(state / "dockerd.pid"), "--iptables=false", "--ip6tables=false", "--ip-forward=false"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not _docker_answers():
        if engine.poll() is not None or time.monotonic() > deadline:
            engine.kill()
            pytest.fail(f"dockerd did not start:\n{(state / 'dockerd.log').read_text()[-3000:]}", pytrace=False)
        time.sleep(0.5)
    try:
        yield
    finally:
        if not os.environ.get("SAM_TEST_KEEP_ENGINE"):
            engine.terminate()
            try:
                engine.wait(timeout=60)
            except subprocess.TimeoutExpired:
                engine.kill()
            log.close()
            shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def base_image(docker_engine: None) -> None:
    """python:3.11-slim in the engine: the stand-in .ci/build-image makes where none is pulled."""
    if _run(["docker", "image", "inspect", BASE_IMAGE]).returncode == 0:
        return
    if _run(["docker", "pull", "-q", BASE_IMAGE], timeout=300).returncode == 0:
        return
    made = _run([str(BUILD_SCRIPT), "--base-only"], cwd=ROOT, timeout=1800)
    assert made.returncode == 0, made.stderr[-3000:]
    with tempfile.TemporaryDirectory() as folder:
        archive = f"{folder}/base.tar"
        pushed = _run(["buildah", "--storage-driver", "vfs", "push", "-q", made.stdout.strip(),
                       f"docker-archive:{archive}:{BASE_IMAGE}"])  # fmt: skip
        assert pushed.returncode == 0, pushed.stderr[-3000:]
        loaded = _run(["docker", "load", "-i", archive])
        assert loaded.returncode == 0, loaded.stderr[-3000:]


def _missing_ca_certificates() -> str:
    """The certificates of SSL_CERT_FILE that pip's own bundle lacks (a proxy's CA among them)."""
    from pip._vendor import certifi

    bundle = os.environ.get("SSL_CERT_FILE", "")
    if not bundle or not Path(bundle).is_file():
        return ""
    pattern = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)
    known = set(pattern.findall(Path(certifi.where()).read_text()))
    return "\n".join(cert for cert in pattern.findall(Path(bundle).read_text()) if cert not in known)


@pytest.fixture(scope="session")
def sam_env(docker_engine: None, tmp_path_factory) -> dict[str, str]:
    if not SAM.exists():
        made = _run(["make", ".venv-sam/.installed"], cwd=ROOT, timeout=900)
        assert made.returncode == 0, made.stderr[-3000:]
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    if _run(["docker", "buildx", "version"]).returncode != 0:
        config = tmp_path_factory.mktemp("docker-config")
        (config / "cli-plugins").mkdir()
        shutil.copy(ROOT / "tests" / "sam" / "docker-buildx", config / "cli-plugins" / "docker-buildx")
        env["DOCKER_CONFIG"] = str(config)
    extra_cas = _missing_ca_certificates()
    if extra_cas:
        env["BUILD_CA_CERT"] = extra_cas
    return env


@pytest.fixture(scope="session")
def built_template(base_image: None, sam_env: dict[str, str], tmp_path_factory) -> Path:
    """`sam build` with the repository's samconfig (BuildKit on), as the README says."""
    build_dir = tmp_path_factory.mktemp("sam-build")
    started = time.monotonic()
    build = _run([str(SAM), "build", "--build-dir", str(build_dir)], cwd=ROOT, env=sam_env, timeout=1800)
    _timed("sam build", started)
    assert build.returncode == 0, f"sam build failed:\n{build.stdout[-4000:]}\n{build.stderr[-4000:]}"
    return build_dir / "template.yaml"


@dataclass(frozen=True)
class Database:
    url: str  # for the tests, on this machine
    in_container: str  # for the function, in its container


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def container_database(test_database: str, docker_engine: None) -> Iterator[Database]:
    """The tests' database, reached from a container at host.docker.internal through socat."""
    if not shutil.which("socat"):
        _skip_or_fail("socat is missing (apt-get install socat)")
    gateway = _run(["docker", "network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}"])
    assert gateway.returncode == 0, gateway.stderr
    host = gateway.stdout.strip()
    dsn = parse_dsn(test_database)
    target = dsn.get("host", "127.0.0.1")
    port = dsn.get("port", "5432")
    upstream = f"UNIX-CONNECT:{target}/.s.PGSQL.{port}" if target.startswith("/") else f"TCP:{target}:{port}"
    listen = _free_port(host)
    forwarder = subprocess.Popen(
        ["socat", f"TCP-LISTEN:{listen},bind={host},fork,reuseaddr", upstream],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield Database(test_database, make_dsn(test_database, host="host.docker.internal", port=str(listen)))
    finally:
        forwarder.terminate()
        forwarder.wait(timeout=10)


def function_env_file(folder: Path, database: Database, shipped: str = "local-env.json") -> Path:
    """`--env-vars` for the stack's function: the shipped file (events/), with the tests' database."""
    values = json.loads((ROOT / "events" / shipped).read_text(encoding="utf-8"))
    values["DiaryFunction"]["DATABASE_URL"] = database.in_container
    path = folder / shipped
    path.write_text(json.dumps(values))
    return path


def sam_local_args(env_file: Path) -> list[str]:
    # host-gateway: the engine's own name for the bridge's gateway (Docker 20.10 and later).
    return ["--env-vars", str(env_file), "--add-host", "host.docker.internal:host-gateway"]
