"""S3's browser-based uploads (an HTML form POST with a signed policy), checked as strictly as S3
checks them, in front of moto's server, which accepts a form POST but enforces none of its policy.

Every request is passed through to moto as it came; a form POST to a bucket
(`POST /<bucket>`, multipart/form-data) is checked first, and one that S3 would refuse is answered
with S3's error and never reaches moto. What is checked, from S3's POST Policy page
(https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html) and the
POST Object page (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html):

- the form has `policy`, `x-amz-algorithm` AWS4-HMAC-SHA256, `x-amz-credential`, `x-amz-date`,
  `x-amz-signature`, and the file last ("The file or content must be the last field in the form");
- the signature: HMAC-SHA256 of the base64 policy with the SigV4 signing key of the credential's
  date, region and service s3, under the secret of the access key it names
  (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-post-example.html);
- the policy has not expired ("The expiration element specifies the expiration date and time of
  the POST policy");
- every form field but x-amz-signature, file, policy and `x-ignore-` fields is named by a condition
  ("Each form field that you specify in a form (except x-amz-signature, file, policy, and field
  names that have an x-ignore- prefix) must appear in the list of conditions"), the bucket too;
- every condition holds: exact matches ({"name": value} or ["eq", "$name", value]), starts-with,
  and content-length-range on the file's size (inclusive: "the minimum and maximum allowable size
  for the uploaded content").

A refusal is S3's: 403 AccessDenied "Invalid according to Policy: ..." for a failed condition or an
expired policy, 403 SignatureDoesNotMatch for a bad signature, 400 EntityTooLarge / EntityTooSmall
for a file outside the content-length-range. `refused` keeps what was refused, for tests to read.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.parser
import email.policy
import hashlib
import hmac
import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

# Fields the policy need not name (the page's own list).
_UNNAMED = {"x-amz-signature", "file", "policy"}
_REQUIRED = ("policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class FormUploads:
    """The checker: `secrets` maps access key ids to their secret keys."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets = secrets
        self.refused: list[tuple[str, str]] = []
        self.accepted: list[str] = []

    def check(self, bucket: str, fields: dict[str, str], file_size: int, file_last: bool) -> None:
        for name in _REQUIRED:
            if name not in fields:
                raise Refusal(400, "InvalidArgument", f"Bucket POST must contain a field named '{name}'.")
        if not file_last:
            raise Refusal(400, "InvalidArgument", "POST requires exactly one file upload per request.")
        if fields["x-amz-algorithm"] != "AWS4-HMAC-SHA256":
            raise Refusal(400, "InvalidArgument", "Unsupported algorithm")
        self._signature(fields)
        try:
            policy = json.loads(base64.b64decode(fields["policy"], validate=True))
        except ValueError:
            raise Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
        if not isinstance(policy, dict) or set(policy) != {"expiration", "conditions"}:
            raise Refusal(400, "InvalidPolicyDocument", "Invalid Policy: expiration and conditions are required.")
        expires = dt.datetime.strptime(policy["expiration"].replace(".000Z", "Z"), "%Y-%m-%dT%H:%M:%SZ")
        if expires.replace(tzinfo=dt.UTC) <= dt.datetime.now(dt.UTC):
            raise Refusal(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        values = {name.lower(): value for name, value in fields.items()} | {"bucket": bucket}
        named: set[str] = set()
        for condition in policy["conditions"]:
            named |= _holds(condition, values, file_size)
        for name in values:
            if name not in _UNNAMED and not name.startswith("x-ignore-") and name not in named:
                raise Refusal(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {name}")

    def _signature(self, fields: dict[str, str]) -> None:
        access_key, day, region, service, terminal = fields["x-amz-credential"].split("/")
        secret = self.secrets.get(access_key)
        if secret is None or terminal != "aws4_request" or service != "s3":
            raise Refusal(
                403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
            )
        key = f"AWS4{secret}".encode()
        for part in (day, region, service, terminal):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, fields["policy"].encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields["x-amz-signature"]):
            raise Refusal(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )


def _holds(condition: Any, values: dict[str, str], file_size: int) -> set[str]:
    """Check one condition; the fields it names."""
    failed = Refusal(
        403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"
    )
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, wanted),) = condition.items()
        if values.get(name.lower()) != wanted:
            raise failed
        return {name.lower()}
    if isinstance(condition, list) and len(condition) == 3 and condition[0] == "content-length-range":
        low, high = condition[1], condition[2]
        if file_size > high:
            raise Refusal(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
        if file_size < low:
            raise Refusal(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
        return set()
    if isinstance(condition, list) and len(condition) == 3 and condition[0] in ("eq", "starts-with"):
        name = str(condition[1]).removeprefix("$").lower()
        value = values.get(name)
        ok = value == condition[2] if condition[0] == "eq" else value is not None and value.startswith(condition[2])
        if not ok:
            raise failed
        return {name}
    raise Refusal(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, str], int, bool]:
    """The form's text fields, the file's size, and whether the file came last."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, str] = {}
    file_size, file_last = -1, False
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == "file":
            file_size, file_last = len(payload), True
        else:
            fields[str(name)] = payload.decode()
            file_last = False
    return fields, file_size, file_last


def serve(uploads: FormUploads, moto_endpoint: str) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 that checks form POSTs and passes every request on to moto."""
    upstream = urlsplit(moto_endpoint)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _pass(self, body: bytes) -> None:
            connection = http.client.HTTPConnection(upstream.hostname or "127.0.0.1", upstream.port, timeout=30)
            headers = {name: value for name, value in self.headers.items() if name.lower() != "host"}
            headers["Host"] = upstream.netloc
            connection.request(self.command, self.path, body=body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            content_type = self.headers.get("Content-Type", "")
            path = urlsplit(self.path).path
            if self.command == "POST" and content_type.startswith("multipart/form-data") and path.count("/") == 1:
                fields, size, last = parse_form(content_type, body)
                try:
                    uploads.check(path.strip("/"), fields, size, last)
                except Refusal as refusal:
                    uploads.refused.append((refusal.code, refusal.message))
                    data = (
                        f"<Error><Code>{refusal.code}</Code><Message>{escape(refusal.message)}</Message></Error>"
                    ).encode()
                    self.send_response(refusal.status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                uploads.accepted.append(fields["key"])
            self._pass(body)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
