"""Every route of the function, in an order that makes each one do its real work.

Shared by the image tests (tests/image/test_routes.py) and `make bench` (benchmarks/bench.py):
both run the image's own entry point, so this module only needs a way to invoke it.

- `AwsFakes`: the fake Bedrock (tests/fakes/bedrock.py) and moto's S3 + SQS server, on 127.0.0.1,
  with a fresh bucket and queue, and the environment that points the function at them.
- `exercise(invoke, fakes)`: sends every event in events/http-api/ (ids and dates filled in from
  earlier answers) plus the worker's SQS batches (a report, an export, an erasure), with scripted
  model answers, and returns what each answered.
- `AUDIT_ARGV`: the image's entry point wrapped in a `sys.addaudithook` that prints every module
  imported and every file opened under /opt/deps and /var/task, so a test can see what the
  function really uses.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.bedrock import IMAGE_MODEL_ID, MODEL_ID, ROUTING_MODEL_ID
from tests.support.requests import load_event

AUDIT_PREFIX = "@@audit@@"
# Runs awslambdaric exactly as `python -m awslambdaric` does, after installing the hook.
AUDIT_CODE = f"""
import sys
def _hook(event, args, _w=sys.stderr.write):
    if event == "import":
        _w("{AUDIT_PREFIX} import " + str(args[0]) + "\\n")
    elif event == "open" and isinstance(args[0], str) and args[0].startswith(("/opt/", "/var/task/", "/root/.local/")):
        _w("{AUDIT_PREFIX} open " + args[0] + "\\n")
sys.addaudithook(_hook)
import runpy
sys.argv = ["awslambdaric", *sys.argv[1:]]
runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)
"""


def audit_argv(handler: str) -> list[str]:
    return ["python", "-c", AUDIT_CODE, handler]


def parse_audit(log: str) -> tuple[set[str], set[str]]:
    """(modules imported, files opened) from a log written under AUDIT_CODE."""
    modules: set[str] = set()
    opened: set[str] = set()
    for line in log.splitlines():
        if not line.startswith(AUDIT_PREFIX):
            continue
        _, kind, value = line.split(" ", 2)
        (modules if kind == "import" else opened).add(value.strip())
    return modules, opened


def _with_path(event: dict[str, Any], raw_path: str, **params: str) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["rawPath"] = raw_path
    if "pathParameters" in event or params:
        event["pathParameters"] = {**(event.get("pathParameters") or {}), **params}
    if "http" in event.get("requestContext", {}):
        event["requestContext"]["http"]["path"] = raw_path
    return event


def _body(response: dict[str, Any]) -> Any:
    try:
        return json.loads(response.get("body") or "null")
    except ValueError:
        return None


def script_model(fake: Any) -> None:
    """Enough scripted answers for one pass over every route (extra answers are never used)."""
    fake.reset()
    fake.answer(
        "RouteDecision",
        {"type": "data"},
        {"type": "diary", "date": "2026-11-25"},
        {"type": "image", "date": "2026-11-25"},
        {"type": "question"},
        {"type": "report", "start_date": "2026-11-23", "end_date": "2026-11-29"},
    )
    for _ in range(4):
        fake.answer("DiaryDraft", {"title": "영화 보는 날", "content": "친구랑 영화를 보고 김치찌개를 먹었다."})
        fake.answer("AnswerDraft", {"answer": "친구랑 영화를 봤어요.", "used_records": ["r1"]})
        fake.answer("ImagePrompt", {"prompt": "Two friends leaving a cinema at dusk, watercolor"})
        fake.answer(
            "ReportDraft",
            {
                "daily_scores": [{"date": "2026-11-25", "score": 8, "sentiment": "positive", "themes": ["영화"]}],
                "themes": ["친구", "영화"],
                "patterns": ["친구를 만난 날 기분이 좋아요"],
                "feedback_points": ["친구를 자주 만나요", "영화를 즐겨요", "기록을 이어 가요"],
                "overall": "좋은 한 주였어요.",
            },
        )


@dataclass
class AwsFakes:
    """FakeBedrock + moto (S3, SQS) on 127.0.0.1 with a fresh bucket and queue."""

    bedrock: Any = None
    bedrock_url: str = ""
    moto_url: str = ""
    bucket: str = ""
    queue_url: str = ""
    erasure_queue_url: str = ""
    _servers: list[Any] = field(default_factory=list)

    def __enter__(self) -> AwsFakes:
        from moto.server import ThreadedMotoServer

        from tests.fakes.bedrock import FakeBedrock, serve

        self.bedrock = FakeBedrock()
        server = serve(self.bedrock)
        self._servers.append(server)
        self.bedrock_url = f"http://127.0.0.1:{server.server_address[1]}"
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
        moto.start()
        self._servers.append(moto)
        host, port = moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        suffix = uuid.uuid4().hex[:8]
        self.bucket = f"diary-images-{suffix}"
        s3 = self.client("s3")
        s3.create_bucket(Bucket=self.bucket)
        s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        self.queue_url = self.client("sqs").create_queue(QueueName=f"reports-{suffix}")["QueueUrl"]
        self.erasure_queue_url = self.client("sqs").create_queue(QueueName=f"erasures-{suffix}")["QueueUrl"]
        return self

    def client(self, service: str) -> Any:
        """A client of moto's `service`, for the test's own side (making and reading resources)."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.moto_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            if hasattr(server, "shutdown"):
                server.shutdown()
            else:
                server.stop()

    def environment(self) -> dict[str, str]:
        """What the function needs to use the model through the fake and S3/SQS through moto."""
        return {
            "MODEL_PROVIDER": "bedrock",
            "BEDROCK_MODEL_ID": MODEL_ID,
            "BEDROCK_ROUTING_MODEL_ID": ROUTING_MODEL_ID,
            "BEDROCK_IMAGE_MODEL_ID": IMAGE_MODEL_ID,
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": self.bedrock_url,
            "AWS_ENDPOINT_URL_S3": self.moto_url,
            "AWS_ENDPOINT_URL_SQS": self.moto_url,
            "IMAGE_BUCKET": self.bucket,
            "JOB_QUEUE_URL": self.queue_url,
            "ERASURE_QUEUE_URL": self.erasure_queue_url,
            # Every export goes through the worker and S3, the path a large account takes.
            "EXPORT_INLINE_MAX_BYTES": "0",
        }

    def receive_jobs(self, queue_url: str = "") -> list[dict[str, Any]]:
        """From the job queue, or `queue_url` (the erasure queue)."""
        got = self.client("sqs").receive_message(
            QueueUrl=queue_url or self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=1
        )
        return got.get("Messages", [])


# (name, what a correct answer's statusCode is; -1: an SQS batch, answered {"batchItemFailures": []})
EXPECTED: dict[str, set[int]] = {
    "health": {200},
    "openapi": {200},
    "records-create": {201},
    "records-list": {200},
    "records-edit": {200},
    "records-photo-upload": {201},
    "records-photo-delete": {204},
    "records-search": {200},
    "voice-notes-create": {201},
    "voice-notes-transcribe": {409},  # nothing was uploaded: not_uploaded
    "voice-notes-get": {200},
    "diaries-create": {201, 200},
    "diaries-get": {200},
    "diaries-put": {200, 201},
    "diaries-list": {200},
    "questions-ask": {200},
    "images-create": {201},
    "images-list": {200},
    "images-get": {200},
    "reports-create": {202},
    "report-worker": {-1},
    "reports-get": {200},
    "reports-list": {200},
    "agent-data": {200},
    "agent-typed-data": {200},
    "agent-diary": {200},
    "agent-image": {200},
    "agent-question": {200},
    "agent-report": {200},
    "me-export": {202},
    "export-worker": {-1},
    "me-export-status": {200},
    "me-import": {200},
    "me-import-upload": {201},
    "me-import-start": {409},  # nothing was uploaded: upload_missing
    "me-import-status": {200},
    "images-delete": {204},
    "diaries-delete": {204},
    "reports-delete": {204},
    "records-delete": {204, 200},
    "insights": {200},
    "prompts-today": {200},
    "me-usage": {200},
    "me-delete": {202},
    "erase-worker": {-1},
}


def exercise(invoke: Callable[[dict[str, Any]], Any], fakes: AwsFakes) -> list[tuple[str, int, Any]]:
    """Every route once; returns (name, statusCode or -1 for an SQS batch, body) in order."""
    from handler.local.aws_stand_ins import sqs_event

    script_model(fakes.bedrock)
    results: list[tuple[str, int, Any]] = []

    def send(name: str, event: dict[str, Any]) -> Any:
        response = invoke(event)
        status = response.get("statusCode", -1) if isinstance(response, dict) and "statusCode" in response else -1
        body = _body(response) if status != -1 else response
        results.append((name, status, body))
        return body

    def send_id(name: str, collection: str, item_id: str) -> Any:
        return send(name, _with_path(load_event(f"http-api/{name}.json"), f"/{collection}/{item_id}", id=item_id))

    send("health", load_event("http-api/health.json"))
    send("openapi", load_event("http-api/openapi.json"))
    record = send("records-create", load_event("http-api/records-create.json")) or {}
    record_id = record.get("id") or str(uuid.uuid4())
    send("records-list", load_event("http-api/records-list.json"))
    send_id("records-edit", "records", record_id)
    upload = _with_path(load_event("http-api/records-photo-upload.json"), f"/records/{record_id}/photos", id=record_id)
    photo_id = ((send("records-photo-upload", upload) or {}).get("photo") or {}).get("id") or str(uuid.uuid4())
    gone = f"/records/{record_id}/photos/{photo_id}"
    send(
        "records-photo-delete",
        _with_path(load_event("http-api/records-photo-delete.json"), gone, id=record_id, photo_id=photo_id),
    )
    send("records-search", load_event("http-api/records-search.json"))
    voice = send("voice-notes-create", load_event("http-api/voice-notes-create.json")) or {}
    note_id = (voice.get("voice_note") or {}).get("id") or str(uuid.uuid4())
    to_text = _with_path(
        load_event("http-api/voice-notes-transcribe.json"), f"/voice-notes/{note_id}/transcribe", id=note_id
    )
    send("voice-notes-transcribe", to_text)
    send_id("voice-notes-get", "voice-notes", note_id)
    send("diaries-create", load_event("http-api/diaries-create.json"))
    send("diaries-get", load_event("http-api/diaries-get.json"))
    send("questions-ask", load_event("http-api/questions-ask.json"))
    image = send("images-create", load_event("http-api/images-create.json")) or {}
    image_id = image.get("id") or str(uuid.uuid4())
    send("images-list", load_event("http-api/images-list.json"))
    send_id("images-get", "images", image_id)
    report = send("reports-create", load_event("http-api/reports-create.json")) or {}
    send("report-worker", sqs_event(fakes.receive_jobs()))
    report_id = report.get("report_id") or str(uuid.uuid4())
    send_id("reports-get", "reports", report_id)
    send("reports-list", load_event("http-api/reports-list.json"))
    for name in ("agent-data", "agent-typed-data", "agent-diary", "agent-image", "agent-question", "agent-report"):
        send(name, load_event(f"http-api/{name}.json"))
    send("diaries-put", load_event("http-api/diaries-put.json"))
    send("diaries-list", load_event("http-api/diaries-list.json"))
    export = send("me-export", load_event("http-api/me-export.json")) or {}
    send("export-worker", sqs_event(fakes.receive_jobs()))
    send_id("me-export-status", "me/exports", export.get("export_id") or str(uuid.uuid4()))
    send("me-import", load_event("http-api/me-import.json"))
    upload = send("me-import-upload", load_event("http-api/me-import-upload.json")) or {}
    upload_id = upload.get("import_id") or str(uuid.uuid4())
    start = load_event("http-api/me-import-start.json")
    send("me-import-start", _with_path(start, f"/me/imports/{upload_id}/start", id=upload_id))
    send_id("me-import-status", "me/imports", upload_id)
    send_id("images-delete", "images", image_id)
    send("diaries-delete", load_event("http-api/diaries-delete.json"))
    send_id("reports-delete", "reports", report_id)
    send_id("records-delete", "records", record_id)
    send("insights", load_event("http-api/insights.json"))
    send("prompts-today", load_event("http-api/prompts-today.json"))
    send("me-usage", load_event("http-api/me-usage.json"))
    send("me-delete", load_event("http-api/me-delete.json"))
    send("erase-worker", sqs_event(fakes.receive_jobs(fakes.erasure_queue_url)))
    return results


def failures(results: list[tuple[str, int, Any]]) -> list[str]:
    """The routes whose answer is not the expected one."""
    bad = []
    for name, status, body in results:
        if EXPECTED[name] == {-1}:
            if body != {"batchItemFailures": []}:
                bad.append(f"{name}: {body!r}")
        elif status not in EXPECTED[name]:
            bad.append(f"{name}: {status} {json.dumps(body, ensure_ascii=False)[:300]}")
    return bad
