"""A stand-in for RDS Proxy's side of TLS, in front of a real PostgreSQL server.

In AWS the function connects to RDS Proxy, which requires TLS and presents a certificate for its
endpoint. This stand-in does the same with a certificate a test makes (:func:`make_certificates`):
it answers PostgreSQL's SSLRequest, completes the TLS handshake, and forwards the session in the
clear to the server behind it. Like RDS Proxy with RequireTLS, it drops a session that does not
start with TLS.

    with TlsProxy(("127.0.0.1", 5432), certs.server_cert, certs.server_key) as proxy:
        psycopg2.connect(host="localhost", port=proxy.port, sslmode="verify-full", sslrootcert=certs.ca)
"""

from __future__ import annotations

import datetime as dt
import selectors
import socket
import ssl
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104


@dataclass(frozen=True)
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path


def make_certificates(folder: Path, server_names: list[str]) -> Certificates:
    """A CA of the test's own and a server certificate it signed for `server_names` (DNS names)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "diary tests CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(*[False] * 5, True, True, False, False), critical=True)  # cert/CRL sign
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, server_names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in server_names]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    paths.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.server_cert.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths.server_key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


class TlsProxy:
    """Listens on 127.0.0.1 and a free port (`port`); `upstream` is (host, port) or a Unix socket path."""

    def __init__(self, upstream: tuple[str, int] | str, cert: Path, key: Path):
        self._upstream = upstream
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(cert, key)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.handshakes = 0  # TLS handshakes completed
        self.forwarded = 0  # sessions in which the client went on to speak, forwarded to the server

    def __enter__(self) -> TlsProxy:
        threading.Thread(target=self._accept, name="tls-proxy", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed by __exit__
                return
            threading.Thread(target=self._session, args=(client,), daemon=True).start()

    def _session(self, client: socket.socket) -> None:
        with client:
            if not self._starts_tls(client):
                return
            try:
                tls = self._context.wrap_socket(client, server_side=True)
            except (ssl.SSLError, OSError):  # the client refused the certificate
                return
            self.handshakes += 1
            with tls:
                # A client that checks the host name only after the handshake hangs up here.
                startup = tls.recv(65536)
                if not startup:
                    return
                self.forwarded += 1
                with self._connect_upstream() as upstream:
                    upstream.sendall(startup)
                    _forward(tls, upstream)

    @staticmethod
    def _starts_tls(client: socket.socket) -> bool:
        """Read the client's first requests: decline GSS encryption, accept TLS, drop anything else."""
        while True:
            header = read_exactly(client, 8)
            if header is None:
                return False
            _, code = struct.unpack("!ii", header)
            if code == GSSENC_REQUEST:
                client.sendall(b"N")
                continue
            if code == SSL_REQUEST:
                client.sendall(b"S")
                return True
            return False

    def _connect_upstream(self) -> socket.socket:
        return connect(self._upstream)


def upstream_of(url: str) -> tuple[str, int] | str:
    """Where a PostgreSQL URL's server listens: (host, port), or its Unix socket's path."""
    from psycopg2.extensions import parse_dsn

    database = parse_dsn(url)
    host, port = database.get("host", "127.0.0.1"), int(database.get("port", 5432))
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)


def connect(upstream: tuple[str, int] | str) -> socket.socket:
    if isinstance(upstream, str):
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(upstream)
        return sock
    return socket.create_connection(upstream)


def read_exactly(sock: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _forward(tls: ssl.SSLSocket, upstream: socket.socket) -> None:
    """Both directions on one thread: an SSL socket must not be read and written concurrently."""
    with selectors.DefaultSelector() as selector:
        selector.register(tls, selectors.EVENT_READ)
        selector.register(upstream, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                try:
                    if key.fileobj is tls:
                        data = tls.recv(65536)
                        while data and tls.pending():  # decrypted bytes already buffered
                            data += tls.recv(tls.pending())
                        target: socket.socket = upstream
                    else:
                        data = upstream.recv(65536)
                        target = tls
                    if not data:
                        return
                    target.sendall(data)
                except OSError:
                    return
