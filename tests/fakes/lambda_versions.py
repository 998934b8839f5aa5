"""A fake of Lambda's control plane for a function's versions and aliases, over real HTTP.

The three operations the deploy's version pruning makes (handler.version_pruning), shaped by
botocore's service model for `lambda` (2015-03-31):

- `GET /2015-03-31/functions/{FunctionName}/versions` (ListVersionsByFunction): `$LATEST` first,
  then the published versions, at most 50 a page whatever `MaxItems` says (the API reference:
  "returns a maximum of 50 items in each response, even if you set the number higher"), the next
  page behind `NextMarker`.
- `GET /2015-03-31/functions/{FunctionName}/aliases` (ListAliases): pages of `alias_page` (the
  reference gives no maximum, so a client must follow `NextMarker` whatever the size).
- `DELETE /2015-03-31/functions/{FunctionName}?Qualifier=N` (DeleteFunction): the one version.
  Without a qualifier it deletes the function and every version, as Lambda does ("Otherwise, all
  versions and aliases are deleted"): a test sees that as a function gone.

What Lambda refuses, this refuses, with Lambda's words where they were measured on the live service
(floci-io/floci issues #2819 and #2821 and pull request #2824, 2026-08-31; the 409 text also in
cloud-custodian/cloud-custodian#6739 and karl-cardenas-coding/go-lambda-cleanup#45):
- a version an alias references: 409 ResourceConflictException "Unable to delete version because
  the following aliases reference it: [live]";
- a non-numeric qualifier (an alias name): 400 InvalidParameterValueException "Deletion of aliases
  is not currently supported.";
- `$LATEST`: 400 InvalidParameterValueException (Lambda's API reference: only the whole function's
  deletion removes `$LATEST`; the message here is this fake's own);
- an unknown function: 404 ResourceNotFoundException "Function not found: <arn>";
- a published version that does not exist: 204 and nothing deleted, as measured.
`refuse` makes a version's deletion fail as IAM would refuse it (403 AccessDeniedException), to
test what the caller does with a failure. Every request must be SigV4-signed for `lambda`.
"""

from __future__ import annotations

import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.http_answer import answer_json

PREFIX = "/2015-03-31/functions/"
VERSIONS_PAGE_MAX = 50
# name, full ARN or partial ARN ("123456789012:function:name"), each with an optional ":qualifier".
_FUNCTION_NAME = re.compile(
    r"^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?(?:function:)?(?P<name>[a-zA-Z0-9_.-]+)(?::(?P<q>[^:]+))?$"
)


class LambdaError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Alias:
    version: str
    # RoutingConfig.AdditionalVersionWeights: a second version the alias sends some traffic to.
    weights: dict[str, float] = field(default_factory=dict)


@dataclass
class Function:
    versions: list[int] = field(default_factory=list)
    aliases: dict[str, Alias] = field(default_factory=dict)


@dataclass
class FakeLambda:
    region: str = "us-east-1"
    account: str = "123456789012"
    functions: dict[str, Function] = field(default_factory=dict)
    alias_page: int = 50
    # version -> the message IAM refuses its deletion with
    refuse: dict[str, str] = field(default_factory=dict)
    # (method, operation, function name, qualifier or None)
    requests: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def arn(self, name: str, qualifier: str | None = None) -> str:
        base = f"arn:aws:lambda:{self.region}:{self.account}:function:{name}"
        return f"{base}:{qualifier}" if qualifier else base

    def add(self, name: str, versions: range | list[int], aliases: dict[str, Alias] | None = None) -> Function:
        function = Function(list(versions), dict(aliases or {}))
        self.functions[name] = function
        return function

    # --- the three operations ---------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any] | None]:
        if not path.startswith(PREFIX):
            raise LambdaError(404, "ResourceNotFoundException", "The resource you requested does not exist.")
        rest = path[len(PREFIX) :]
        if method == "GET" and rest.endswith("/versions"):
            return self._list_versions(urllib.parse.unquote(rest[: -len("/versions")]), query)
        if method == "GET" and rest.endswith("/aliases"):
            return self._list_aliases(urllib.parse.unquote(rest[: -len("/aliases")]), query)
        if method == "DELETE" and "/" not in rest:
            return self._delete(urllib.parse.unquote(rest), query.get("Qualifier"))
        raise LambdaError(404, "ResourceNotFoundException", "The resource you requested does not exist.")

    def _function(self, function_name: str) -> tuple[str, Function, str | None]:
        match = _FUNCTION_NAME.match(function_name)
        name = match["name"] if match else function_name
        if not match or name not in self.functions:
            raise LambdaError(404, "ResourceNotFoundException", f"Function not found: {self.arn(name)}")
        return name, self.functions[name], match["q"]

    def _list_versions(self, function_name: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        name, function, qualifier = self._function(function_name)
        self.requests.append(("GET", "ListVersionsByFunction", name, qualifier))
        if qualifier:
            raise LambdaError(400, "InvalidParameterValueException", "Unsupported function name with a qualifier.")
        rows = [self._configuration(name, "$LATEST")] + [self._configuration(name, str(v)) for v in function.versions]
        return 200, self._page(rows, "Versions", query, VERSIONS_PAGE_MAX)

    def _list_aliases(self, function_name: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        name, function, _ = self._function(function_name)
        self.requests.append(("GET", "ListAliases", name, None))
        rows = [self._alias(name, alias_name, alias) for alias_name, alias in sorted(function.aliases.items())]
        if "FunctionVersion" in query:
            rows = [row for row in rows if row["FunctionVersion"] == query["FunctionVersion"]]
        return 200, self._page(rows, "Aliases", query, self.alias_page)

    def _delete(self, function_name: str, qualifier: str | None) -> tuple[int, None]:
        name, function, in_name = self._function(function_name)
        if qualifier and in_name and qualifier != in_name:
            raise LambdaError(
                400,
                "InvalidParameterValueException",
                "The derived qualifier from the function name does not match the specified qualifier.",
            )
        qualifier = qualifier or in_name
        self.requests.append(("DELETE", "DeleteFunction", name, qualifier))
        if qualifier is None:
            del self.functions[name]
            return 204, None
        if qualifier == "$LATEST":
            raise LambdaError(
                400, "InvalidParameterValueException", "$LATEST cannot be deleted without deleting the function."
            )
        if not qualifier.isdigit():
            raise LambdaError(400, "InvalidParameterValueException", "Deletion of aliases is not currently supported.")
        if qualifier in self.refuse:
            raise LambdaError(403, "AccessDeniedException", self.refuse[qualifier])
        referencing = sorted(
            alias_name
            for alias_name, alias in function.aliases.items()
            if alias.version == qualifier or qualifier in alias.weights
        )
        if referencing:
            raise LambdaError(
                409,
                "ResourceConflictException",
                f"Unable to delete version because the following aliases reference it: [{', '.join(referencing)}]",
            )
        if int(qualifier) in function.versions:
            function.versions.remove(int(qualifier))
        return 204, None

    # --- shapes -------------------------------------------------------------------------------

    def _configuration(self, name: str, version: str) -> dict[str, Any]:
        return {
            "FunctionName": name,
            "FunctionArn": self.arn(name, version),
            "Version": version,
            "PackageType": "Image",
            "State": "Active",
            "LastModified": "2026-12-01T00:00:00.000+0000",
            "SnapStart": {
                "ApplyOn": "PublishedVersions",
                "OptimizationStatus": "Off" if version == "$LATEST" else "On",
            },
        }

    def _alias(self, name: str, alias_name: str, alias: Alias) -> dict[str, Any]:
        row: dict[str, Any] = {
            "AliasArn": self.arn(name, alias_name),
            "Name": alias_name,
            "FunctionVersion": alias.version,
            "Description": "",
            "RevisionId": "0a1b2c3d-0000-4000-8000-000000000000",
        }
        if alias.weights:
            row["RoutingConfig"] = {"AdditionalVersionWeights": alias.weights}
        return row

    @staticmethod
    def _page(rows: list[dict[str, Any]], key: str, query: dict[str, str], page_max: int) -> dict[str, Any]:
        size = min(int(query.get("MaxItems", page_max)), page_max)
        if size < 1:
            raise LambdaError(400, "InvalidParameterValueException", "MaxItems must be at least 1.")
        marker = query.get("Marker")
        if marker is not None and not (marker.startswith("page-") and marker[5:].isdigit()):
            raise LambdaError(400, "InvalidParameterValueException", "Invalid pagination token.")
        start = int(marker[5:]) if marker else 0
        answer: dict[str, Any] = {key: rows[start : start + size]}
        if start + size < len(rows):
            answer["NextMarker"] = f"page-{start + size}"
        return answer


def serve(fake: FakeLambda) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
            signature = self.headers.get("authorization", "")
            if not re.search(r"Credential=[^/]+/\d+/[a-z0-9-]+/lambda/aws4_request", signature):
                status, headers, payload = (
                    403,
                    {"x-amzn-ErrorType": "IncompleteSignatureException"},
                    {"message": "Request is not signed for lambda"},
                )
            else:
                try:
                    with fake.lock:
                        status, payload = fake.handle(self.command, url.path, query)
                    headers = {}
                except LambdaError as error:
                    # rest-json errors: the type in a header, the message in the body (Lambda's
                    # ResourceNotFoundException shape spells it "Message", the others "message").
                    key = "Message" if error.code == "ResourceNotFoundException" else "message"
                    status, headers, payload = (
                        error.status,
                        {"x-amzn-ErrorType": error.code},
                        {
                            "Type": "User",
                            key: error.message,
                        },
                    )
            answer_json(self, status, headers, payload)

        do_GET = do_DELETE = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server
