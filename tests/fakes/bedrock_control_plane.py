"""A fake Amazon Bedrock control plane (`bedrock`, not `bedrock-runtime`) over real HTTP.

Answers the three reads the deploy's model check makes, as botocore's service model shapes them:
`GET /foundation-models/{id}` (GetFoundationModel, with `modelLifecycle`),
`GET /inference-profiles/{id}` (GetInferenceProfile) and `GET /foundation-model-availability/{id}`
(GetFoundationModelAvailability). A model or profile the test did not list is a
ResourceNotFoundException, as for a retired or misspelled id. Each request is recorded with the
region its signature names, so a test can see which region a model was asked about in.

GetFoundationModelAvailability, as its API reference states it
(https://docs.aws.amazon.com/bedrock/latest/APIReference/API_GetFoundationModelAvailability.html):
`modelId` must match the documented pattern (a ValidationException otherwise) and names a
foundation model, so an inference-profile id is not found; the answer carries all four required
fields. A listed model answers what an account that may call it sees (every field AVAILABLE or
AUTHORIZED) unless the test sets `availability[model]`; `denied` makes the call an
AccessDeniedException, as a service control policy that denies the action would.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from tests.fakes.http_answer import answer_json

# GetFoundationModelAvailability's `modelId` (API reference, URI Request Parameters).
MODEL_ID_PATTERN = re.compile(
    r"[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}(/[a-z0-9]{12}|)"
)
CALLABLE = {
    "agreementAvailability": {"status": "AVAILABLE"},
    "authorizationStatus": "AUTHORIZED",
    "entitlementAvailability": "AVAILABLE",
    "regionAvailability": "AVAILABLE",
}


@dataclass
class FakeControlPlane:
    # model id -> (status, endOfLifeTime or None), e.g. ("LEGACY", "2027-03-01T00:00:00Z")
    models: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    profiles: set[str] = field(default_factory=set)
    # model id -> the fields GetFoundationModelAvailability answers in place of CALLABLE's
    availability: dict[str, dict[str, Any]] = field(default_factory=dict)
    denied: bool = False  # GetFoundationModelAvailability is refused (AccessDeniedException)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (operation, id, region)

    def respond(self, path: str, region: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        kind, _, identifier = path.strip("/").partition("/")
        identifier = unquote(identifier)
        self.requests.append((kind, identifier, region))
        if kind == "foundation-models" and identifier in self.models:
            status, end_of_life = self.models[identifier]
            lifecycle: dict[str, Any] = {"status": status, "startOfLifeTime": "2025-10-01T00:00:00Z"}
            if end_of_life:
                lifecycle["endOfLifeTime"] = end_of_life
            return (
                200,
                {},
                {
                    "modelDetails": {
                        "modelArn": f"arn:aws:bedrock:{region}::foundation-model/{identifier}",
                        "modelId": identifier,
                        "modelLifecycle": lifecycle,
                    }
                },
            )
        if kind == "inference-profiles" and identifier in self.profiles:
            return (
                200,
                {},
                {
                    "inferenceProfileName": identifier,
                    "inferenceProfileArn": f"arn:aws:bedrock:{region}:123456789012:inference-profile/{identifier}",
                    "inferenceProfileId": identifier,
                    "models": [
                        {"modelArn": f"arn:aws:bedrock:{region}::foundation-model/{identifier.partition('.')[2]}"}
                    ],
                    "status": "ACTIVE",
                    "type": "SYSTEM_DEFINED",
                },
            )
        if kind == "foundation-model-availability":
            return self._availability(identifier)
        return _not_found(identifier)

    def _availability(self, identifier: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        if self.denied:
            return (
                403,
                {"x-amzn-ErrorType": "AccessDeniedException"},
                # IAM's wording of an explicit deny, "User: <arn> is not authorized to perform: <action>
                # ... with an explicit deny in a <policy type>" (as in S3's access-denied examples,
                # https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html).
                {
                    "message": "User: arn:aws:sts::123456789012:assumed-role/diary-dev-ModelCheckFunctionRole/check"
                    " is not authorized to perform: bedrock:GetFoundationModelAvailability"
                    " with an explicit deny in a service control policy"
                },
            )
        if len(identifier) > 140 or not MODEL_ID_PATTERN.fullmatch(identifier):
            return 400, {"x-amzn-ErrorType": "ValidationException"}, {"message": f"invalid modelId {identifier!r}"}
        if identifier not in self.models:
            return _not_found(identifier)
        return 200, {}, {"modelId": identifier, **CALLABLE, **self.availability.get(identifier, {})}


def _not_found(identifier: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, {"message": f"{identifier} not found"}


def serve(fake: FakeControlPlane) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            # SigV4: "Credential=<key>/<date>/<region>/bedrock/aws4_request".
            credential = re.search(r"Credential=[^/]+/\d+/([^/]+)/", self.headers.get("authorization", ""))
            status, headers, payload = fake.respond(self.path, credential.group(1) if credential else "")
            answer_json(self, status, headers, payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
