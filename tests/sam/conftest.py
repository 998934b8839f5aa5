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


# Run in a container of the base image, with the same --add-host as the function's containers.
_GATEWAY_SCRIPT = "import socket; print(socket.gethostbyname('host.docker.internal'))"
# Connects to the forwarded port and sends PostgreSQL's SSLRequest: a server answers one byte, S or
# N. Only a PostgreSQL at the far end of the forwarder answers that, not socat alone.
_PROBE_SCRIPT = """
import socket, struct, sys
try:
    with socket.create_connection(("host.docker.internal", int(sys.argv[1])), timeout=10) as conn:
        conn.sendall(struct.pack("!ii", 8, 80877103))
        answer = conn.recv(1)
except OSError as exc:
    sys.exit(f"no connection: {exc!r}")
if answer not in (b"S", b"N"):
    sys.exit(f"connected, but no PostgreSQL answered the SSLRequest: {answer!r}")
print(f"PostgreSQL answered the SSLRequest with {answer.decode()}")
"""


def _in_container(script: str, *args: str) -> subprocess.CompletedProcess:
    """Runs `script` in a container of the base image with the function's --add-host."""
    return _run(
        ["docker", "run", "--rm", "--add-host", "host.docker.internal:host-gateway", BASE_IMAGE,
         "python3", "-c", script, *args],
        timeout=120,
    )  # fmt: skip


def host_gateway_address() -> str:
    """The address `host-gateway` names inside a container, asked of a container itself.

    Not `docker network inspect bridge`: on an engine that made docker0 itself (the first dockerd
    a machine ever runs) the bridge's IPAM config holds the subnet and no gateway, and an empty
    address made the forwarder exit at once (issue 22)."""
    asked = _in_container(_GATEWAY_SCRIPT)
    assert asked.returncode == 0 and asked.stdout.strip(), f"no host-gateway address in a container:\n{asked.stderr}"
    return asked.stdout.strip()


@dataclass
class Forwarder:
    """socat from the bridge's gateway to the tests' PostgreSQL, with its own log."""

    host: str
    port: int
    process: subprocess.Popen
    log: Path

    def state(self) -> str:
        code = self.process.poll()
        lines = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        status = "running" if code is None else f"exited with {code}"
        return f"socat {self.host}:{self.port} -> PostgreSQL: {status}\n{lines}"

    def listening(self) -> bool:
        with socket.socket() as probe:
            probe.settimeout(1)
            return probe.connect_ex((self.host, self.port)) == 0


def probe_from_container(forwarder: Forwarder) -> tuple[bool, str]:
    """Whether a container reaches PostgreSQL through the forwarder, as the function would."""
    probe = _in_container(_PROBE_SCRIPT, str(forwarder.port))
    # stderr also carries the engine's own warnings (no IPv4 forwarding here): kept for a failure.
    reached = probe.returncode == 0
    return reached, (probe.stdout if reached else probe.stdout + probe.stderr).strip()


# What a failing SAM test prints (see pytest_runtest_makereport): the forwarder, a probe from a
# container, and the function's own log lines from the last invokes (remember_function_log).
_DIAGNOSTICS: dict[str, Forwarder] = {}
_FUNCTION_LOGS: list[tuple[str, str | Path]] = []
_LOGS_KEPT = 3


def remember_function_log(label: str, log: str | Path) -> None:
    """The text, or the file a running process writes (read when a test fails)."""
    _FUNCTION_LOGS.append((label, log))
    del _FUNCTION_LOGS[:-_LOGS_KEPT]


def _function_logs() -> str:
    return "\n".join(
        f"--- {label}\n{(log.read_text(errors='replace') if isinstance(log, Path) else log)[-4000:]}"
        for label, log in _FUNCTION_LOGS
    )


@pytest.fixture(scope="session")
def container_database(test_database: str, base_image: None, tmp_path_factory) -> Iterator[Database]:
    """The tests' database, reached from a container at host.docker.internal through socat; ready
    before the first invoke, or a clear failure of the harness (not a 503 of the function)."""
    if not shutil.which("socat"):
        _skip_or_fail("socat is missing (apt-get install socat)")
    host = host_gateway_address()
    dsn = parse_dsn(test_database)
    target = dsn.get("host", "127.0.0.1")
    port = dsn.get("port", "5432")
    upstream = f"UNIX-CONNECT:{target}/.s.PGSQL.{port}" if target.startswith("/") else f"TCP:{target}:{port}"
    log = tmp_path_factory.mktemp("forwarder") / "socat.log"
    listen = _free_port(host)
    with log.open("w") as out:
        process = subprocess.Popen(
            ["socat", "-d", f"TCP-LISTEN:{listen},bind={host},fork,reuseaddr", upstream],
            stdout=subprocess.DEVNULL, stderr=out,
        )  # fmt: skip
    forwarder = Forwarder(host, listen, process, log)
    _DIAGNOSTICS["forwarder"] = forwarder
    try:
        deadline = time.monotonic() + 30
        while not forwarder.listening():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the harness's forwarder is not listening:\n{forwarder.state()}", pytrace=False)
            time.sleep(0.2)
        reached, said = probe_from_container(forwarder)
        if not reached:
            pytest.fail(
                f"the harness's network is not ready: a container cannot reach PostgreSQL at "
                f"host.docker.internal:{listen}\nprobe: {said}\n{forwarder.state()}",
                pytrace=False,
            )
        tally.put(SECTION, "readiness probe", said)
        yield Database(test_database, make_dsn(test_database, host="host.docker.internal", port=str(listen)))
    finally:
        _DIAGNOSTICS.pop("forwarder", None)
        process.terminate()
        process.wait(timeout=10)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failing SAM test says why the function could not do its work: the forwarder's state, a
    probe from a container through it, and the function's own log lines (its stderr)."""
    report = yield
    if report.failed and call.when == "call":
        forwarder = _DIAGNOSTICS.get("forwarder")
        if forwarder is not None:
            reached, said = probe_from_container(forwarder)
            report.sections.append(("forwarder", forwarder.state()))
            report.sections.append(("probe from a container", f"{'reached' if reached else 'FAILED'}: {said}"))
        if _FUNCTION_LOGS:
            report.sections.append(("the function's log (sam's stderr, last invokes)", _function_logs()))
    return report


def function_env_file(folder: Path, database: Database, shipped: str = "local-env.json", **settings: str) -> Path:
    """`--env-vars` for the stack's function: the shipped file (events/), with the tests' database
    and `settings`."""
    values = json.loads((ROOT / "events" / shipped).read_text(encoding="utf-8"))
    values["DiaryFunction"].update(settings, DATABASE_URL=database.in_container)
    path = folder / shipped
    path.write_text(json.dumps(values))
    return path


def sam_local_args(env_file: Path) -> list[str]:
    # host-gateway: the engine's own name for the bridge's gateway (Docker 20.10 and later).
    return ["--env-vars", str(env_file), "--add-host", "host.docker.internal:host-gateway"]
