"""A fake Amazon Transcribe (batch) over real HTTP, in both protocols Transcribe's service model lists
(`protocols`: smithy-rpc-v2-cbor, json):

- awsJson1_1, which botocore 1.44 actually sends: its client takes the first of the model's protocols
  in botocore's own order (botocore.utils.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS puts `json` before
  `smithy-rpc-v2-cbor`; `ServiceModel.resolved_protocol`). `POST /` with `X-Amz-Target:
  Transcribe.<Operation>` and `Content-Type: application/x-amz-json-1.1`; errors `{"__type", "message"}`.
- Smithy RPC v2 CBOR (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html), which the
  model names first and a later botocore may prefer: `POST /service/Transcribe/operation/<Operation>`,
  header `smithy-protocol: rpc-v2-cbor`, CBOR bodies both ways (tests/fakes/cbor.py), errors as a CBOR
  map with `__type` and `message`.

Answers StartTranscriptionJob and GetTranscriptionJob
(https://docs.aws.amazon.com/transcribe/latest/APIReference/API_StartTranscriptionJob.html,
https://docs.aws.amazon.com/transcribe/latest/APIReference/API_GetTranscriptionJob.html). Each
request is checked against botocore's service model for Transcribe (required members, types, enums,
lengths, patterns, no member the model lacks), and against the rules the API reference states across
members: exactly one of LanguageCode, IdentifyLanguage and IdentifyMultipleLanguages; LanguageOptions
only with one of the two identifications; a job name unique in the account (ConflictException, in the
reference's words). What fails is a BadRequestException (400), worded as the service words it where
its words are on record (a pattern or length: "1 validation error detected: Value '...' at
'transcriptionJobName' failed to satisfy constraint: ..."; an unknown job); the cross-member rules'
wording is the fake's own.

A job reads its media from S3 (moto, through `s3`), as Transcribe reads it with the caller's
permissions; the fake "hears" the file's bytes as UTF-8 text, so a test says what was spoken by what it
uploads, and identifies the language among LanguageOptions (Hangul: ko-KR, else en-US). It is
IN_PROGRESS for `polls_before_done` GetTranscriptionJob calls, then COMPLETED with the transcript
written where OutputBucketName/OutputKey say, in Transcribe's output shape (`jobName`, `accountId`,
`status`, `results.transcripts[0].transcript`, `results.items`, `results.language_code`,
`results.language_identification`; https://docs.aws.amazon.com/transcribe/latest/dg/how-input.html#how-output),
or FAILED with a FailureReason: a media file that cannot be read, or a failure the test scripted.
Every request is recorded, with its decoded body.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import botocore.session

from tests.fakes import cbor

ACCOUNT = "123456789012"
_CBOR_PATH = re.compile(r"^/service/Transcribe/operation/(\w+)$")
_JSON_TARGET = re.compile(r"^Transcribe\.(\w+)$")
CONFLICT = (
    "A resource already exists with this name. Resource names must be unique within an Amazon Web Services account."
)
# The service's own words (github.com/stdapi-ai/stdapi.ai/issues/270, against the real backend).
NOT_FOUND = "The requested job couldn't be found. Check the job name and try your request again."
UNREADABLE = (
    "The S3 URI that you provided can't be accessed. Make sure that the S3 URI is valid and try your request again."
)


def service_model() -> Any:
    return botocore.session.get_session().get_service_model("transcribe")


@dataclass
class Call:
    protocol: str  # "json" or "smithy-rpc-v2-cbor"
    operation: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Job:
    request: dict[str, Any]
    created: dt.datetime
    polls: int = 0
    status: str = "IN_PROGRESS"
    language: str | None = None
    failure: str | None = None


@dataclass
class FakeTranscribe:
    s3: Any  # a boto3 S3 client on moto: the media is read and the transcript written there
    region: str = "us-east-1"
    polls_before_done: int = 1
    calls: list[Call] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)
    fail_next: list[str] = field(default_factory=list)  # FailureReasons for the next jobs
    lock: threading.Lock = field(default_factory=threading.Lock)

    def respond(self, protocol: str, operation: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        if protocol == "json" and headers.get("content-type") != "application/x-amz-json-1.1":
            return 400, _error("SerializationException", "expected Content-Type application/x-amz-json-1.1")
        if protocol != "json" and (
            headers.get("smithy-protocol") != "rpc-v2-cbor" or headers.get("content-type") != "application/cbor"
        ):
            return 400, _error("SerializationException", "expected smithy-protocol rpc-v2-cbor with a CBOR body")
        if (
            not headers.get("authorization", "").startswith("AWS4-HMAC-SHA256 ")
            or "/transcribe/aws4_request" not in headers["authorization"]
        ):
            return 403, _error("UnrecognizedClientException", "The security token included in the request is invalid.")
        try:
            body = (json.loads(raw) if protocol == "json" else cbor.decode(raw)) if raw else {}
        except (ValueError, IndexError, UnicodeDecodeError):
            return 400, _error("SerializationException", "the body could not be read")
        with self.lock:
            self.calls.append(Call(protocol, operation, headers, body))
            model = service_model()
            if operation not in model.operation_names or operation not in (
                "StartTranscriptionJob",
                "GetTranscriptionJob",
            ):
                return 400, _error("UnknownOperationException", f"operation {operation} is not served by this fake")
            problem = shape_problem(model.operation_model(operation).input_shape, body, "")
            if problem:
                return 400, _error("BadRequestException", problem)
            if operation == "StartTranscriptionJob":
                return self._start(body)
            return self._get(body["TranscriptionJobName"])

    def _start(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chosen = [m for m in ("LanguageCode", "IdentifyLanguage", "IdentifyMultipleLanguages") if body.get(m)]
        if len(chosen) != 1:
            return 400, _error(
                "BadRequestException",
                "Specify exactly one of LanguageCode, IdentifyLanguage or IdentifyMultipleLanguages.",
            )
        if "LanguageOptions" in body and chosen[0] == "LanguageCode":
            return 400, _error(
                "BadRequestException", "LanguageOptions requires IdentifyLanguage or IdentifyMultipleLanguages."
            )
        if "OutputKey" in body and "OutputBucketName" not in body:
            return 400, _error("BadRequestException", "OutputKey requires OutputBucketName.")
        name = body["TranscriptionJobName"]
        if name in self.jobs:
            return 400, _error("ConflictException", CONFLICT)
        job = Job(request=body, created=dt.datetime.now(dt.UTC))
        self.jobs[name] = job
        return 200, {"TranscriptionJob": self._described(name, job)}

    def _get(self, name: str) -> tuple[int, dict[str, Any]]:
        job = self.jobs.get(name)
        if job is None:
            return 400, _error("BadRequestException", NOT_FOUND)
        if job.status == "IN_PROGRESS":
            job.polls += 1
            if job.polls > self.polls_before_done:
                self._finish(name, job)
        return 200, {"TranscriptionJob": self._described(name, job)}

    def _finish(self, name: str, job: Job) -> None:
        if self.fail_next:
            job.status, job.failure = "FAILED", self.fail_next.pop(0)
            return
        bucket, _, key = job.request["Media"]["MediaFileUri"].removeprefix("s3://").partition("/")
        try:
            heard = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8").strip()
        except Exception:  # noqa: BLE001 - anything that keeps the media from being read fails the job
            job.status, job.failure = "FAILED", UNREADABLE
            return
        options = job.request.get("LanguageOptions", ["en-US"])
        korean = re.search("[\uac00-\ud7a3]", heard) is not None
        job.language = job.request.get("LanguageCode") or ("ko-KR" if korean and "ko-KR" in options else options[-1])
        document = {
            "jobName": name,
            "accountId": ACCOUNT,
            "status": "COMPLETED",
            "results": {
                "transcripts": [{"transcript": heard}],
                "items": [
                    {"type": "pronunciation", "alternatives": [{"confidence": "0.99", "content": word}]}
                    for word in heard.split()
                ],
                "language_code": job.language,
                "language_identification": [{"code": job.language, "score": "0.98"}],
            },
        }
        self.s3.put_object(
            Bucket=job.request["OutputBucketName"],
            Key=job.request.get("OutputKey", f"{name}.json"),
            Body=json.dumps(document, ensure_ascii=False).encode(),
            ContentType="application/json",
        )
        job.status = "COMPLETED"

    def _described(self, name: str, job: Job) -> dict[str, Any]:
        request = job.request
        described: dict[str, Any] = {
            "TranscriptionJobName": name,
            "TranscriptionJobStatus": job.status,
            "Media": request["Media"],
            "CreationTime": job.created,
            "StartTime": job.created,
        }
        for member in ("MediaFormat", "IdentifyLanguage", "LanguageOptions"):
            if member in request:
                described[member] = request[member]
        if job.language:
            described["LanguageCode"] = job.language
            described["IdentifiedLanguageScore"] = 0.98
        if job.status == "COMPLETED":
            key = request.get("OutputKey", f"{name}.json")
            described["Transcript"] = {
                "TranscriptFileUri": f"https://s3.{self.region}.amazonaws.com/{request['OutputBucketName']}/{key}"
            }
        if job.status in ("COMPLETED", "FAILED"):
            described["CompletionTime"] = dt.datetime.now(dt.UTC)
        if job.failure:
            described["FailureReason"] = job.failure
        return described


def shape_problem(shape: Any, value: Any, where: str) -> str | None:
    """What the service model refuses in `value` for `shape`, or None."""
    name = where or shape.name
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return f"{name}: expected a structure"
        unknown = set(value) - set(shape.members)
        if unknown:
            return f"{name}: unknown member(s) {sorted(unknown)}"
        for required in shape.required_members:
            if required not in value:
                return f"{name}: missing required member {required}"
        for member, item in value.items():
            problem = shape_problem(shape.members[member], item, f"{where}.{member}" if where else member)
            if problem:
                return problem
        return None
    if kind == "list":
        if not isinstance(value, list):
            return f"{name}: expected a list"
        if not shape.metadata.get("min", 0) <= len(value) <= shape.metadata.get("max", len(value)):
            return f"{name}: length {len(value)} outside the model's bounds"
        return next((p for p in (shape_problem(shape.member, v, f"{name}[]") for v in value) if p), None)
    if kind == "map":
        if not isinstance(value, dict):
            return f"{name}: expected a map"
        return next(
            (
                p
                for k, v in value.items()
                for p in (shape_problem(shape.key, k, name), shape_problem(shape.value, v, name))
                if p
            ),
            None,
        )
    if kind == "string":
        if not isinstance(value, str):
            return f"{name}: expected a string"
        if shape.enum and value not in shape.enum:
            return f"{name}: {value!r} is not one of the model's values"
        if not shape.metadata.get("min", 0) <= len(value) <= shape.metadata.get("max", len(value)):
            return (
                f"1 validation error detected: Value '{value}' at '{_camel(name)}' failed to satisfy constraint:"
                f" Member must have length between {shape.metadata.get('min', 0)} and {shape.metadata.get('max')}"
            )
        pattern = shape.metadata.get("pattern")
        # The whole value must match: Transcribe refused 'test/key-...' as a job name though its
        # start matches (github.com/linuxacademy/content-aws-mls-c01/issues/1, the service's own words).
        if pattern and re.fullmatch(pattern, value) is None:
            return (
                f"1 validation error detected: Value '{value}' at '{_camel(name)}' failed to satisfy constraint:"
                f" Member must satisfy regular expression pattern: {pattern}"
            )
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else f"{name}: expected a boolean"
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{name}: expected an integer"
        if not shape.metadata.get("min", value) <= value <= shape.metadata.get("max", value):
            return f"{name}: {value} outside the model's bounds"
        return None
    if kind in ("float", "double"):
        return None if isinstance(value, int | float) and not isinstance(value, bool) else f"{name}: expected a number"
    return None


def _camel(path: str) -> str:
    """A member path as the service names it in a validation message: `transcriptionJobName`."""
    return ".".join(part[:1].lower() + part[1:] for part in path.split("."))


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"__type": f"com.amazonaws.transcribe#{kind}", "message": message}


def serve(fake: FakeTranscribe) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            by_path = _CBOR_PATH.match(self.path)
            by_target = _JSON_TARGET.match(headers.get("x-amz-target", "")) if self.path == "/" else None
            protocol = "smithy-rpc-v2-cbor" if by_path else "json"
            if by_path is None and by_target is None:
                status, payload = 400, _error("UnknownOperationException", "not a Transcribe operation")
            else:
                status, payload = fake.respond(protocol, (by_path or by_target).group(1), headers, raw)
            if protocol == "json":
                data = json.dumps(payload, default=lambda t: t.timestamp(), ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("content-type", "application/x-amz-json-1.1")
            else:
                data = cbor.encode(payload)
                self.send_response(status)
                self.send_header("smithy-protocol", "rpc-v2-cbor")
                self.send_header("content-type", "application/cbor")
            self.send_header("x-amzn-requestid", "fake-transcribe-request")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
