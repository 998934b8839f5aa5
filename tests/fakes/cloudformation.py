"""CloudFormation's side of a custom resource: the presigned ResponseURL it waits on, and Lambda's context.

The URL is a local HTTP server that records every PUT (headers and JSON body); it can refuse the first
few, as S3 sometimes does. Its query carries a signature, as the real one does, which must never be
logged.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ResponseURL:
    """What CloudFormation's presigned S3 URL receives: every PUT, headers and JSON body."""

    def __init__(self, fail_first: int = 0) -> None:
        self.puts: list[dict] = []
        self.fail_first = fail_first
        self.received = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if owner.fail_first > 0:
                    owner.fail_first -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                owner.puts.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                owner.received.set()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        # Shaped like the real thing: a signature in the query that must never be logged.
        self.url = (
            f"http://127.0.0.1:{self.server.server_address[1]}/arn%3Aaws%3Acloudformation%3Aus-east-1"
            "%7CDatabaseMigration%7Creq-1?X-Amz-Signature=0123456789abcdef-signature"
        )

    @property
    def answers(self) -> list[dict]:
        return [p["body"] for p in self.puts]


class Context:
    def __init__(self, remaining_ms: int = 600_000) -> None:
        self.deadline = time.monotonic() + remaining_ms / 1000
        self.log_stream_name = "2026/11/26/[$LATEST]0123456789abcdef"
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)
