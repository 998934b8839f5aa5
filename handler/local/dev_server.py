"""`make dev`: the function behind a local HTTP API on 127.0.0.1, for curl, a front end, or a test.

    python -m handler.local.dev_server [--port 3000] [--rest]

Each HTTP request becomes the API Gateway event the deployed HTTP API sends (payload 2.0; with
`--rest`, the REST API's 1.0) and goes to `handler.app.lambda_handler`; the response goes back as
API Gateway would send it. What `make run` uses runs here too: DATABASE_URL or the embedded
PostgreSQL (migrated on start), the offline model unless MODEL_PROVIDER says otherwise, and
moto's S3 and SQS unless IMAGE_BUCKET is set; after each request the worker's queued jobs (reports,
exports, erasures) are handed to the function, as the SQS event source mapping would.

The caller is the `X-User-Id` header (ALLOW_USER_ID_HEADER, local only): there is no authorizer
here. CORS is answered as the stack's HTTP API answers it (template.yaml, CorsConfiguration):
origins from CORS_ALLOW_ORIGINS (comma separated; empty: no CORS headers at all), the same
headers, methods, exposed headers and max age, and `X-User-Id` allowed too, so that a page can
name its caller. One request at a time, as one Lambda container takes them.

The web client (web/) is served here too: `GET /` is web/index.html and `GET /<name>` any other
file of web/ (app.js, style.css...), as the stack's distribution would serve them; every other
path, and every other method, goes to the function. No API route is `/` or ends in a file name
of web/, so the two never meet.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from handler.local.api_events import proxy_event, query_of
from handler.local.invoke import LocalContext, run_queued_jobs, start_local_services

# The stack's CorsConfiguration (template.yaml, DiaryHttpApi); tests/unit/test_dev_server.py
# checks that the two agree.
CORS_ALLOW_HEADERS = ("authorization", "content-type", "idempotency-key")
CORS_ALLOW_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
CORS_EXPOSE_HEADERS = ("location", "retry-after", "allow")
CORS_MAX_AGE_S = 600
# Here the caller is X-User-Id: a page that cannot send it cannot talk to this server at all.
PREFLIGHT_ALLOW_HEADERS = (*CORS_ALLOW_HEADERS, "x-user-id")
# API Gateway's own payload limit for the HTTP API (10 MB); the function checks its own, smaller one.
MAX_REQUEST_BYTES = 10 * 1024 * 1024
WEB_DIR = Path(__file__).resolve().parents[2] / "web"
WEB_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
# The page's scripts and styles are its own files (no inline code, nothing from elsewhere);
# pictures come from the bucket's presigned URLs and data from the API, wherever they are.
WEB_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' http: https: blob: data:; connect-src 'self' "
    "http: https:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}


class DevServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, shape: str, allowed_origins: list[str]) -> None:
        super().__init__(("127.0.0.1", port), _Request)
        self.shape = shape
        self.allowed_origins = allowed_origins
        # One invocation at a time, as one Lambda container handles them.
        self.function_lock = threading.Lock()


class _Request(BaseHTTPRequestHandler):
    server: DevServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # http.server's names
        page = web_file(urllib.parse.urlsplit(self.path).path)
        if page is None:
            self._serve()
            return
        payload = page.read_bytes()
        headers = {"content-type": WEB_TYPES[page.suffix], **WEB_HEADERS}
        self._send(200, headers, b"" if self.command == "HEAD" else payload)

    do_HEAD = do_GET

    def do_POST(self) -> None:
        self._serve()

    do_PUT = do_PATCH = do_DELETE = do_POST

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, CONNECT, made-up ones) goes to the function too, which answers
        # 405 as the deployed API does; http.server alone would answer 501 in HTML.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def do_OPTIONS(self) -> None:
        origin = self.headers.get("origin")
        if self.headers.get("access-control-request-method") and origin and self._cors_origin(origin):
            # A preflight is answered by API Gateway itself and never reaches the function.
            self._send(
                204,
                {
                    "access-control-allow-origin": origin,
                    "access-control-allow-methods": ",".join(CORS_ALLOW_METHODS),
                    "access-control-allow-headers": ",".join(PREFLIGHT_ALLOW_HEADERS),
                    "access-control-max-age": str(CORS_MAX_AGE_S),
                    "vary": "origin",
                },
                b"",
            )
            return
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_REQUEST_BYTES:
            self._send(413, {"content-type": "application/json"}, b'{"message":"Request Entity Too Large"}')
            return
        raw = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(_request_target(self.path))
        headers = dict(self.headers.items())
        try:
            body, is_base64 = (raw.decode("utf-8"), False) if raw else (None, False)
        except UnicodeDecodeError:
            body, is_base64 = base64.b64encode(raw).decode("ascii"), True  # as API Gateway passes binary
        event = proxy_event(
            self.command,
            urllib.parse.unquote(url.path),
            body=body,
            headers=headers,
            query=query_of(url.query),
            raw_query=url.query,
            shape=self.server.shape,
            is_base64=is_base64,
        )
        from handler.app import lambda_handler, services

        with self.server.function_lock:
            response = lambda_handler(event, LocalContext())
            run_queued_jobs(services, lambda_handler)
        self._reply(response)

    def _reply(self, response: dict[str, Any]) -> None:
        headers = {name.lower(): value for name, value in (response.get("headers") or {}).items()}
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers[name.lower()] = ", ".join(values)
        origin = self.headers.get("origin")
        if origin and self._cors_origin(origin):
            # As API Gateway adds them to an integration's response (http-api-cors.html).
            headers.update(
                {
                    "access-control-allow-origin": origin,
                    "access-control-expose-headers": ",".join(CORS_EXPOSE_HEADERS),
                    "vary": "origin",
                }
            )
        body = response.get("body") or ""
        payload = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode("utf-8")
        self._send(int(response["statusCode"]), headers, b"" if self.command == "HEAD" else payload)

    def _cors_origin(self, origin: str) -> bool:
        return origin in self.server.allowed_origins or "*" in self.server.allowed_origins

    def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name != "content-length":
                self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"dev: {self.command} {_request_target(self.path)} -> {args[1] if len(args) > 1 else ''}\n")


def web_file(path: str) -> Path | None:
    """The file of web/ that `path` names (`/` is index.html), or None: only the folder's own files,
    by their exact names, so that no path reaches anything else on the disk."""
    if not WEB_DIR.is_dir():
        return None
    name = "index.html" if path == "/" else path.removeprefix("/")
    served = {f.name: f for f in WEB_DIR.iterdir() if f.is_file() and f.suffix in WEB_TYPES}
    return served.get(name)


def _request_target(path: str) -> str:
    """The request target as the client sent it. http.server decodes the request line as latin-1,
    so `?q=영화` typed raw (curl sends the UTF-8 bytes as they are) would reach the function as
    mojibake, while `?q=%EC%98%81%ED%99%94` decodes right. Both must mean the same words: API
    Gateway passes the query as sent in rawQueryString and its parameters decoded in
    queryStringParameters
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
    Bytes that are not UTF-8 become U+FFFD, as parse_qsl does for bad percent-escapes."""
    return path.encode("latin-1").decode("utf-8", errors="replace")


def serve(port: int, shape: str) -> DevServer:
    """Prepare the local services and return the server, bound (port 0: a free one), not yet serving."""
    os.environ["ALLOW_USER_ID_HEADER"] = "true"
    start_local_services()
    origins = [o.strip() for o in os.environ.get("CORS_ALLOW_ORIGINS", "").split(",") if o.strip()]
    return DevServer(port, shape, origins)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEV_PORT", "3000")))
    parser.add_argument("--rest", action="store_true", help="send REST API (1.0) events instead of HTTP API (2.0)")
    args = parser.parse_args(argv)
    server = serve(args.port, "1.0" if args.rest else "2.0")
    host, port = server.server_address[:2]
    print(json.dumps({"listening": f"http://{host!s}:{port}", "events": server.shape}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
