"""The built container image: its layout, and its own entry point answering API Gateway events.

Run: python -m pytest tests/image -m image -q   (builds the image first; see conftest.py)
"""

from __future__ import annotations

import base64
import json
from typing import Any

import psycopg2
import pytest

from tests.support.lambda_image.engine import LAMBDA_USER, ImageConfig, RunningFunction
from tests.support.requests import load_event

pytestmark = pytest.mark.image


def request_body(event: dict[str, Any]) -> dict[str, Any]:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    return json.loads(body)


def response_body(response: dict[str, Any]) -> Any:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    return json.loads(body) if body else None


def caller(event: dict[str, Any]) -> str:
    authorizer = event["requestContext"]["authorizer"]
    claims = authorizer["jwt"]["claims"] if "jwt" in authorizer else authorizer["claims"]
    return claims["sub"]


@pytest.fixture
def records_db(image_database_url: str):
    """A connection to the function's database; removes the records a test created."""
    conn = psycopg2.connect(image_database_url)
    conn.autocommit = True
    created: list[str] = []
    yield conn, created
    with conn.cursor() as cur:
        for record_id in created:
            cur.execute("DELETE FROM records WHERE id = %s", (record_id,))
    conn.close()


# ------------------------------------------------------------------------- image configuration
def test_image_config(image_config: ImageConfig) -> None:
    assert image_config.entrypoint == ["python", "-m", "awslambdaric"]
    assert image_config.cmd == ["handler.app.lambda_handler"]
    assert image_config.workdir == "/var/task"
    assert image_config.env.get("LAMBDA_TASK_ROOT") == "/var/task"
    assert image_config.env.get("PYTHONUNBUFFERED") == "1"
    assert "PYTHONDONTWRITEBYTECODE" not in image_config.env
    # No USER: Lambda picks its own; and SAM's emulator layer, built FROM the image as the
    # image's last user, must be able to move files into /var/rapid.
    assert image_config.user in ("", "0", "root"), f"the image names USER {image_config.user!r}"


def test_code_is_the_last_layer(image_config: ImageConfig) -> None:
    """Least changing first: a change under handler/ only rebuilds the last layer."""
    layers = [h.get("created_by", "") for h in image_config.history if not h.get("empty_layer")]
    assert layers, "no layer history"
    assert "/var/task/handler" in layers[-1], layers[-1]
    deps = [i for i, created_by in enumerate(layers) if "/opt/deps" in created_by]
    assert deps and deps[-1] < len(layers) - 1, layers


# What the image holds, seen from inside, as Lambda runs it (engine.LAMBDA_USER, a read-only root).
_INSPECT = r"""
import errno, importlib.util, json, os, ssl, sys, zoneinfo
from pathlib import Path

task = Path(os.environ["LAMBDA_TASK_ROOT"])
handler = task / "handler"
sources = sorted(handler.rglob("*.py"))
pyc_flags = {}
for source in sources:
    pyc = Path(importlib.util.cache_from_source(str(source)))
    pyc_flags[str(source)] = int.from_bytes(pyc.read_bytes()[4:8], "little") if pyc.exists() else None

# The standard-library modules a cold start imports (the base image ships them without bytecode).
stdlib_flags = {}
for name in ("asyncio.base_events", "email.message", "json.decoder", "logging", "ssl", "typing", "uuid"):
    pyc = Path(importlib.util.cache_from_source(importlib.util.find_spec(name).origin))
    stdlib_flags[name] = int.from_bytes(pyc.read_bytes()[4:8], "little") if pyc.exists() else None

deps = Path("/opt/deps")
dep_sources = [str(p) for p in deps.rglob("*.py")]
# The dependencies ship bytecode in place of their sources (the Dockerfile's compileall -b).
dep_sourceless = [p for p in deps.rglob("*.pyc") if p.parent.name != "__pycache__"]

def origin(module):
    spec = importlib.util.find_spec(module)
    return spec.origin if spec else None

# The roots the database connection trusts by default (DB_SSL_ROOT_CERT).
from handler.settings import Settings
try:
    bundle = ssl.create_default_context(cafile=Settings.model_fields["db_ssl_root_cert"].default)
    db_roots = sorted({dict(rdn[0] for rdn in ca["subject"]).get("commonName", "") for ca in bundle.get_ca_certs()})
except (OSError, ssl.SSLError) as exc:
    db_roots = repr(exc)

try:
    zoneinfo.ZoneInfo("Asia/Seoul")
    seoul = True
except Exception as exc:
    seoul = repr(exc)

# South Korea's holidays from the trimmed `holidays` package (the Dockerfile keeps that country
# alone), in both languages; and how many country modules importing it brought in.
from handler import korean_calendar
holiday_names = sorted(korean_calendar.library_names())
chuseok = [str(day) for day in korean_calendar.holiday("추석", 2026)]
country_modules = sorted(m for m in sys.modules if m.startswith("holidays.countries."))

def write_error(path):
    try:
        Path(path).write_text("x")
        return None
    except OSError as exc:
        return errno.errorcode[exc.errno]

print(json.dumps({
    "uid": os.getuid(),
    "gid": os.getgid(),
    "writes": {p: write_error(p) for p in ("/tmp/probe", "/var/tmp/probe", "/var/task/probe", "/probe")},
    "euid": os.geteuid(),
    "cwd": os.getcwd(),
    "task_root": sorted(p.name for p in task.iterdir()),
    "handler_local": (handler / "local").exists(),
    "tests_dirs": [str(p) for p in (task / "tests", handler / "tests", Path("/tests")) if p.exists()],
    "handler_sources": len(sources),
    "pyc_flags": pyc_flags,
    "stdlib_pyc_flags": stdlib_flags,
    "dep_sources": dep_sources[:20],
    "dep_sourceless": len(dep_sourceless),
    "dep_bin": (deps / "bin").exists(),
    "pip_caches": [p for p in ("/root/.cache/pip", "/tmp/.cache/pip", "/build") if os.path.exists(p)],
    "secret": os.path.exists("/run/secrets/cacert"),
    "code_writable": os.access(handler, os.W_OK),
    "dont_write_bytecode": sys.flags.dont_write_bytecode,
    "origins": {
        m: origin(m) for m in ("handler", "awslambdaric", "boto3", "psycopg2", "strands", "aws_lambda_powertools")
    },
    "seoul": seoul,
    "db_roots": db_roots,
    "holiday_names": holiday_names,
    "chuseok": chuseok,
    "country_modules": country_modules,
}))
"""


@pytest.fixture(scope="session")
def image_contents(image_engine) -> dict[str, Any]:
    result = image_engine.run(["python", "-c", _INSPECT])
    assert result.returncode == 0, f"inspection failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_holidays_of_south_korea_alone(image_contents: dict[str, Any]) -> None:
    """The image keeps one country of the `holidays` package: South Korea's holidays resolve there,
    with the names the code keeps (korean_calendar.NAMES), and no other country is imported."""
    from handler import korean_calendar

    assert image_contents["holiday_names"] == sorted(korean_calendar.NAMES)
    assert image_contents["chuseok"] == [str(day) for day in korean_calendar.holiday("추석", 2026)]
    assert image_contents["country_modules"] == ["holidays.countries.south_korea"]


def test_runs_as_lambda_runs_it(image_contents: dict[str, Any]) -> None:
    """A uid and gid of Lambda's, not the image's; nothing writable but /tmp (/var/tmp is
    world-writable in the image, so a refusal there is the read-only root, not permissions)."""
    assert f"{image_contents['uid']}:{image_contents['gid']}" == LAMBDA_USER and image_contents["euid"] != 0
    assert image_contents["cwd"] == "/var/task"
    assert not image_contents["code_writable"], "the function user can change its own code"
    # Paths inside the container, not this machine's temporary files.
    assert image_contents["writes"] == {
        "/tmp/probe": None,  # noqa: S108
        "/var/tmp/probe": "EROFS",  # noqa: S108
        "/var/task/probe": "EROFS",
        "/probe": "EROFS",
    }


def test_only_the_handler_package_is_shipped(image_contents: dict[str, Any]) -> None:
    assert image_contents["task_root"] == ["handler"]
    assert not image_contents["handler_local"], "handler/local (a local-only tool) is in the image"
    assert image_contents["tests_dirs"] == []
    assert not image_contents["dep_bin"]
    assert image_contents["pip_caches"] == []
    assert not image_contents["secret"], "the build's CA bundle secret is in the image"


def test_bytecode_is_compiled(image_contents: dict[str, Any]) -> None:
    flags = image_contents["pyc_flags"]
    assert image_contents["handler_sources"] > 0 and flags
    missing = [source for source, flag in flags.items() if flag is None]
    assert not missing, f"handler modules without .pyc: {missing}"
    # PEP 552: 0b01 = hash-based, not checked against the source (compileall --invalidation-mode unchecked-hash)
    assert set(flags.values()) == {0b01}, flags
    # The dependencies: bytecode in place of every source (none left to compile at a cold start).
    assert image_contents["dep_sourceless"] > 1000
    assert image_contents["dep_sources"] == []
    assert not image_contents["dont_write_bytecode"]
    # The base's standard library too: Lambda's read-only file system could not cache it.
    assert set(image_contents["stdlib_pyc_flags"].values()) == {0b01}, image_contents["stdlib_pyc_flags"]


def test_modules_come_from_the_image_layout(image_contents: dict[str, Any]) -> None:
    origins = image_contents["origins"]
    assert origins["handler"] == "/var/task/handler/__init__.py"
    for module in ("awslambdaric", "boto3", "psycopg2", "strands", "aws_lambda_powertools"):
        assert origins[module] and origins[module].startswith("/opt/deps/"), (module, origins[module])
    assert image_contents["seoul"] is True, (
        f"zoneinfo cannot load Asia/Seoul (DEFAULT_TIMEZONE): {image_contents['seoul']}"
    )


def test_the_database_connection_can_verify_rds_proxy(image_contents: dict[str, Any]) -> None:
    # RDS Proxy presents an ACM certificate, which chains to Amazon's root CAs; the connection
    # checks it against DB_SSL_ROOT_CERT (sslmode=verify-full), by default the image's CA bundle.
    roots = image_contents["db_roots"]
    assert isinstance(roots, list), f"the default DB_SSL_ROOT_CERT cannot be loaded: {roots}"
    assert {"Amazon Root CA 1", "Amazon Root CA 3"} <= set(roots), roots


# ------------------------------------------------------------------------- the running function
def test_health(lambda_function: RunningFunction) -> None:
    response = lambda_function.invoke(load_event("http-api/health.json"))
    assert response["statusCode"] == 200, response
    assert response_body(response) == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("event_file", ["http-api/records-create.json", "rest-api/records-create.json"])
def test_create_record(lambda_function: RunningFunction, records_db, event_file: str) -> None:
    conn, created = records_db
    event = load_event(event_file)
    sent = request_body(event)

    response = lambda_function.invoke(event)

    assert response["statusCode"] == 201, response
    record = response_body(response)
    created.append(record["id"])
    assert record["content"] == sent["content"]
    assert {"id", "content", "record_date", "created_at"} <= set(record)
    if "record_date" in sent:
        assert record["record_date"] == sent["record_date"]
    with conn.cursor() as cur:
        cur.execute("SELECT user_id, content, record_date::text FROM records WHERE id = %s", (record["id"],))
        row = cur.fetchone()
    assert row is not None, f"record {record['id']} is not in the database"
    assert row[0] == caller(event)
    assert row[1] == sent["content"]
    assert row[2] == record["record_date"]


def test_warm_invocations_reuse_the_process(lambda_function: RunningFunction) -> None:
    event = load_event("http-api/health.json")
    for _ in range(3):
        assert lambda_function.invoke(event, timeout=30)["statusCode"] == 200
    assert lambda_function.process.poll() is None
    print(f"\n[image] cold start (process start to first poll): {lambda_function.cold_start_s:.2f} s")
