"""A TCP forwarder in front of PostgreSQL that records what the client sends, message by message.

It reads PostgreSQL's frontend protocol on the way through (SSLRequest and GSSENCRequest are
refused with 'N', as a server without TLS answers): the text of every simple query ('Q') and
whether the extended query protocol ('P', Parse) was used. What RDS Proxy pins a session for is
visible there, so a test can show the function sends none of it.

    with WireRecorder(("127.0.0.1", 5432)) as recorder:   # or a Unix socket's path
        psycopg2.connect(host="127.0.0.1", port=recorder.port, ...)
        recorder.queries, recorder.parses
"""

from __future__ import annotations

import socket
import struct
import threading

from tests.tls_proxy import GSSENC_REQUEST, SSL_REQUEST, connect, read_exactly, read_startup


class WireRecorder:
    def __init__(self, upstream: tuple[str, int] | str) -> None:
        self.upstream = upstream
        self.queries: list[str] = []
        self.parses = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closing = False

    def __enter__(self) -> WireRecorder:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(client,), daemon=True).start()

    def _session(self, client: socket.socket) -> None:
        try:
            self._forward(client)
        except OSError:
            pass  # either side hung up

    def _forward(self, client: socket.socket) -> None:
        with client:
            first = read_startup(client)
            while first is not None and struct.unpack("!I", first[4:8])[0] in (SSL_REQUEST, GSSENC_REQUEST):
                client.sendall(b"N")
                first = read_startup(client)
            if first is None:
                return
            with connect(self.upstream) as server:
                server.sendall(first)
                threading.Thread(target=_pump, args=(server, client), daemon=True).start()
                self._record(client, server)

    def _record(self, client: socket.socket, server: socket.socket) -> None:
        while True:
            header = read_exactly(client, 5)
            if header is None:
                return
            kind, length = header[:1], struct.unpack("!I", header[1:])[0]
            body = read_exactly(client, length - 4)
            if body is None:
                return
            with self._lock:
                if kind == b"Q":
                    self.queries.append(body.rstrip(b"\x00").decode("utf-8", "replace"))
                elif kind == b"P":
                    self.parses += 1
            server.sendall(header + body)


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass
