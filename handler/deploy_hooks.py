"""The template's custom resources: two run on every deploy before the API function is updated,
one after its alias has moved.

All run the same image as the API, their CMD set to an entry point here. CloudFormation sends a
Create or Update and waits for the answer, which the function PUTs to the presigned `ResponseURL`
(the `cfnresponse` module exists only in zip-packaged Python functions). A FAILED answer fails the
deploy and rolls the stack back before the API function is updated.

`migrate_on_deploy` (`Custom::DatabaseMigration`, inside the VPC, with the same `DB_*` settings):
- Create, Update: `handler.migrate.migrate(settings)`, which is safe to run again and concurrently. A
  database that does not answer yet (a proxy still registering its target) is retried while the
  remaining time still fits a statement.
- Delete: nothing. The schema lives and dies with the database.

`check_models_on_deploy` (`Custom::ModelLifecycleCheck`, outside the VPC, where Bedrock's control
plane is reachable without an endpoint): every configured model must still be served, and callable
by this account (handler.model_lifecycle). EOL, unknown or REFUSED fails the deploy; LEGACY, an
agreement the first call makes (FIRST_CALL) or an access Bedrock would not tell (UNVERIFIED)
passes with a warning.

`prune_versions_on_deploy` (`Custom::VersionPruning`, outside the VPC, where Lambda's API is
reachable): the diary function's old published versions are deleted, the newest few and every aliased
one kept (handler.version_pruning). It never fails the deploy: what could not be deleted is in its
`Summary` (a stack output) and the log, and is tried again on the next deploy.

All do nothing on an Update during a rollback (the function version in the request is older than
the one being rolled back from): failing there would leave the stack in UPDATE_ROLLBACK_FAILED.
Exactly one answer is sent per invocation; a watchdog answers FAILED shortly before the function's
own timeout, so a hung run fails the deploy instead of leaving CloudFormation waiting. Neither the
answer nor the log carries a secret or the presigned URL.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from handler.function_logger import function_logger

logger = function_logger()

SUCCESS = "SUCCESS"
FAILED = "FAILED"
# Answer FAILED this long before the function would be stopped.
WATCHDOG_MARGIN_MS = 10_000
# Time kept free, besides one statement timeout, when deciding whether to try connecting again.
RETRY_MARGIN_MS = 15_000
MAX_RETRY_DELAY_S = 15.0
PUT_ATTEMPTS = 3
PUT_TIMEOUT_S = 15
# "The total size of the response body can't exceed 4096 bytes" (CloudFormation, "Custom resource
# response objects": https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html).
# Long enough for a line per configured model. The only text in it that may be non-ASCII (6 bytes
# once escaped) is an error message, cut to 200 characters (redact) or 120 per model (model_lifecycle).
_REASON_LIMIT = 1000
# What a DSN, a URL or an error text could carry that must not be repeated.
_SECRETS = (
    re.compile(r"(password\s*[=:]\s*)\S+", re.IGNORECASE),
    re.compile(r"(://[^/\s:@]*:)[^@\s]*(@)"),
)


class _Responder:
    """Sends the one answer CloudFormation waits for; later attempts are ignored."""

    def __init__(self, event: dict[str, Any]) -> None:
        self._event = event
        self._lock = threading.Lock()
        self.sent: dict[str, Any] | None = None

    def send(self, status: str, reason: str, data: dict[str, str] | None = None) -> bool:
        with self._lock:
            if self.sent is not None:
                return False
            event = self._event
            body = {
                "Status": status,
                "Reason": reason[:_REASON_LIMIT],
                # Kept across updates: a new id would make CloudFormation delete the "old" resource.
                "PhysicalResourceId": event.get("PhysicalResourceId")
                or f"{event.get('LogicalResourceId', 'DatabaseMigration')}-schema",
                "StackId": event.get("StackId"),
                "RequestId": event.get("RequestId"),
                "LogicalResourceId": event.get("LogicalResourceId"),
                "NoEcho": False,
                "Data": data or {},
            }
            self.sent = body
        _put(event.get("ResponseURL", ""), json.dumps(body).encode("utf-8"))
        logger.info("answered CloudFormation", extra={"status": status, "reason": body["Reason"]})
        return True


def _put(url: str, payload: bytes) -> None:
    # The presigned URL was signed without a content type: send an empty one (urllib would add
    # application/x-www-form-urlencoded otherwise and S3 would refuse the signature).
    request = urllib.request.Request(  # noqa: S310 - https from CloudFormation, as below
        url, data=payload, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(payload))}
    )
    for attempt in range(1, PUT_ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=PUT_TIMEOUT_S) as response:  # noqa: S310 - https from CloudFormation
                response.read()
            return
        except (urllib.error.URLError, OSError, ValueError) as exc:
            # The URL itself is a credential for the answer: never logged.
            logger.warning("could not deliver the answer", extra={"attempt": attempt, "error": type(exc).__name__})
            if attempt < PUT_ATTEMPTS:
                time.sleep(attempt)
    logger.error("gave up delivering the answer; CloudFormation fails the resource after its ServiceTimeout")


def redact(text: str) -> str:
    """The first line of an error text, without anything that looks like a password, shortened."""
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    for pattern in _SECRETS:
        line = pattern.sub(lambda m: m.group(1) + "***" + (m.group(2) if m.lastindex and m.lastindex > 1 else ""), line)
    return line[:200]


def _version_number(value: Any) -> int | None:
    match = re.search(r":(\d+)$", str(value or ""))
    return int(match.group(1)) if match else None


def is_rollback(event: dict[str, Any]) -> bool:
    """An Update that goes back to an older function version: CloudFormation rolling a deploy back."""
    if event.get("RequestType") != "Update":
        return False
    new = _version_number((event.get("ResourceProperties") or {}).get("FunctionVersion"))
    old = _version_number((event.get("OldResourceProperties") or {}).get("FunctionVersion"))
    return new is not None and old is not None and new < old


def _remaining_ms(context: Any) -> int | None:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    return getter() if callable(getter) else None


def _migrate_with_retries(context: Any) -> list[str]:
    from handler import migrate
    from handler.dal.store import Store
    from handler.errors import DatabaseUnavailable
    from handler.settings import load_settings

    # Read once per invocation: the hook's function has the migrating login's settings.
    settings = load_settings()
    store = Store(settings)
    statement_budget_ms = settings.db_statement_timeout_ms + RETRY_MARGIN_MS
    delay = 1.0
    try:
        while True:
            try:
                return migrate.migrate(store, settings)
            except DatabaseUnavailable:
                remaining = _remaining_ms(context)
                if remaining is None or remaining - delay * 1000 < statement_budget_ms:
                    raise
                logger.warning("database not reachable yet; retrying", extra={"retry_in_s": delay})
                time.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_DELAY_S)
    finally:
        # Runs at deploys only: no reason to hold a connection in between.
        store.close()


def migrate_on_deploy(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
    """Lambda entry point of the migration custom resource; returns the answer it sent."""

    def migrations(request_type: str) -> tuple[str, str, dict[str, str]]:
        if request_type == "Delete":
            return SUCCESS, "nothing to undo: the schema stays with the database", {}
        if is_rollback(event):
            return SUCCESS, "rollback: the newer schema is kept (migrations only add)", {}
        applied = _migrate_with_retries(context)
        logger.info("migrations applied", extra={"applied": applied})
        # The whole answer must stay under CloudFormation's 4 KB.
        return SUCCESS, f"applied {len(applied)} migration(s)", {"Applied": (",".join(applied) or "none")[:1000]}

    return _answer(event, context, "migrations", migrations)


def check_models_on_deploy(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
    """Lambda entry point of the model check custom resource: every model the deployment names must
    still be served and callable. A failing verdict fails the deploy; a warning (LEGACY, FIRST_CALL,
    UNVERIFIED) succeeds with it in the log and in the answer's reason, which the stack's events show."""
    import datetime as dt

    from handler import model_lifecycle

    def lifecycle(request_type: str) -> tuple[str, str, dict[str, str]]:
        properties = event.get("ResourceProperties") or {}
        if request_type == "Delete":
            return SUCCESS, "nothing to undo", {}
        if is_rollback(event):
            return SUCCESS, "rollback: the models deployed before are kept as they were", {}
        if properties.get("ModelProvider") != "bedrock":
            return SUCCESS, "no Bedrock model is used (ModelProvider is not bedrock)", {}
        models = [
            model_lifecycle.ModelInUse(task=str(m["Task"]), model_id=str(m["ModelId"]), region=str(m["Region"]))
            for m in properties.get("Models") or []
        ]
        # The created VPC's endpoints serve the stack's region only (no NAT unless CreateNatGateway).
        stranded = [
            m for m in models if m.region != properties.get("StackRegion") and properties.get("Egress") == "endpoints"
        ]
        if stranded:
            return (
                FAILED,
                "out of reach from the function's subnets: "
                + "; ".join(f"{m.task} model {m.model_id} in {m.region}" for m in stranded)
                + " (set CreateNatGateway=true, or deploy in that region)",
                {},
            )
        verdicts = model_lifecycle.check(models, model_lifecycle.control_plane_clients(), dt.datetime.now(dt.UTC))
        for verdict in verdicts:
            log = logger.error if verdict.fails else logger.warning if verdict.warns else logger.info
            log(
                "model lifecycle",
                extra={
                    "task": verdict.model.task,
                    "model": verdict.model.model_id,
                    "region": verdict.model.region,
                    "state": verdict.state,
                    "detail": verdict.detail,
                    "access": verdict.access,
                    "access_detail": verdict.access_detail,
                },
            )
        failing = [v for v in verdicts if v.fails]
        warning = [v for v in verdicts if v.warns]
        data: dict[str, str] = {v.model.task: v.state for v in verdicts}
        if failing:
            return FAILED, "model cannot be called: " + "; ".join(v.line() for v in failing + warning), data
        if warning:
            return SUCCESS, "WARNING " + "; ".join(v.line() for v in warning), data
        return SUCCESS, f"{len(verdicts)} model(s) active and callable", data

    return _answer(event, context, "model check", lifecycle)


def prune_versions_on_deploy(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
    """Lambda entry point of the version pruning custom resource. Every SUCCESS answer carries
    `Summary`, which a stack output reads (a missing attribute would fail the stack)."""
    from handler import aws, version_pruning

    def seconds_left() -> float | None:
        remaining = _remaining_ms(context)
        return None if remaining is None else remaining / 1000

    def pruning(request_type: str) -> tuple[str, str, dict[str, str]]:
        properties = event.get("ResourceProperties") or {}
        if request_type == "Delete":
            return SUCCESS, "nothing to undo", {"Summary": "nothing pruned: the resource is being deleted"}
        if is_rollback(event):
            return SUCCESS, "rollback: no version is deleted", {"Summary": "nothing pruned: a rollback"}
        try:
            result = version_pruning.prune(
                aws.Clients().client("lambda", read_timeout_s=10, attempts=3),
                str(properties["FunctionArn"]),
                int(properties["Keep"]),
                seconds_left,
            )
        except Exception as exc:  # noqa: BLE001 - housekeeping: a deploy that is otherwise good stands
            detail = f"{type(exc).__name__}: {redact(str(exc))}"
            logger.error("could not prune the function's versions", extra={"detail": detail})
            summary = f"nothing pruned ({detail[:160]})"
            return SUCCESS, f"WARNING {summary}", {"Summary": summary}
        for version, (code, message) in sorted(result.failed.items()):
            logger.error("could not delete a version", extra={"version": version, "error": code, "detail": message})
        logger.info(
            "pruned the function's versions",
            extra={"kept": result.kept, "deleted": result.deleted, "postponed": result.postponed},
        )
        summary = result.summary()
        return SUCCESS, ("WARNING " if result.failed else "") + summary, {"Summary": summary}

    return _answer(event, context, "version pruning", pruning)


Work = Callable[[str], tuple[str, str, dict[str, str]]]


def _answer(event: dict[str, Any], context: Any, name: str, work: Work) -> dict[str, Any] | None:
    """Run a custom resource's `work` for the request type and send CloudFormation exactly one answer,
    FAILED when the work raises or outlives the function's timeout."""
    request_type = event.get("RequestType")
    logger.info(
        "custom resource request",
        extra={
            "resource": name,
            "request_type": request_type,
            "logical_resource_id": event.get("LogicalResourceId"),
            "stack_id": event.get("StackId"),
            "function_version": (event.get("ResourceProperties") or {}).get("FunctionVersion"),
        },
    )
    responder = _Responder(event)
    watchdog = None
    remaining = _remaining_ms(context)
    if remaining is not None:
        watchdog = threading.Timer(
            max(remaining - WATCHDOG_MARGIN_MS, 0) / 1000,
            responder.send,
            args=(FAILED, f"{name} did not finish before the function's timeout"),
        )
        watchdog.daemon = True
        watchdog.start()
    try:
        if request_type in ("Create", "Update", "Delete"):
            responder.send(*work(request_type))
        else:
            responder.send(FAILED, f"unknown request type {str(request_type)[:40]!r}")
    except Exception as exc:  # noqa: BLE001 - every failure must reach CloudFormation as FAILED
        reason = f"{name} failed: {type(exc).__name__}: {redact(str(exc))}"
        log_stream = getattr(context, "log_stream_name", None)
        if log_stream:
            reason += f" (log stream {log_stream})"
        cause = exc.__cause__ or exc.__context__
        logger.error(
            f"{name} failed",
            extra={
                "error": type(exc).__name__,
                "detail": redact(str(exc)),
                "cause": f"{type(cause).__name__}: {redact(str(cause))}" if cause else None,
            },
        )
        responder.send(FAILED, reason)
    finally:
        if watchdog is not None:
            watchdog.cancel()
    return responder.sent
