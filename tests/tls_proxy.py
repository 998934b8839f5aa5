"""A stand-in for RDS Proxy's side of TLS, in front of a real PostgreSQL server.

In AWS the function connects to RDS Proxy, which requires TLS and presents a certificate for its
endpoint. This stand-in does the same with a certificate a test makes (:func:`make_certificates`):
it answers PostgreSQL's SSLRequest, completes the TLS handshake, and forwards the session in the
clear to the server behind it. Like RDS Proxy with RequireTLS, it drops a session that does not
start with TLS.

Like RDS Proxy, it checks the client's password itself, against its own copy of the secret
(`logins`: role -> password; a test changes it when the proxy picks up a rotation, or leaves it
stale while the proxy lags), with SCRAM-SHA-256 (ClientPasswordAuthType POSTGRES_SCRAM_SHA_256 in
template.yaml), then logs in to the server with that same password. It refuses with the proxy's own
words, not PostgreSQL's (RDS Proxy troubleshooting page, "connecting to a PostgreSQL proxy":
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html):

- a wrong password: "The password that was provided for the role <role> is wrong." The page gives
  no SQLSTATE; the stand-in sends PostgreSQL's for a wrong password, 28P01 (invalid_password),
  severity FATAL, as the server does;
- a role it has no secret for: "This RDS proxy has no credentials for the role <role>. Check the
  credentials for this role and try again." (28000, invalid_authorization_specification);
- the server refusing the proxy's own login: "Request returned an error: <the server's message>".

    with TlsProxy(("127.0.0.1", 5432), certs.server_cert, certs.server_key, {"postgres": "pw"}) as proxy:
        psycopg2.connect(host="localhost", port=proxy.port, user="postgres", password="pw",
                         sslmode="verify-full", sslrootcert=certs.ca)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import selectors
import socket
import ssl
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
# Authentication request codes (PostgreSQL protocol, "Message Formats").
AUTH_OK, AUTH_SASL, AUTH_SASL_CONTINUE, AUTH_SASL_FINAL = 0, 10, 11, 12
SCRAM = b"SCRAM-SHA-256"
SCRAM_ITERATIONS = 4096


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

    def __init__(self, upstream: tuple[str, int] | str, cert: Path, key: Path, logins: dict[str, str]):
        self._upstream = upstream
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(cert, key)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.logins = logins  # the proxy's copy of its secrets: role -> password
        self.handshakes = 0  # TLS handshakes completed
        self.refused = 0  # sessions refused for a wrong password
        self.forwarded = 0  # sessions that passed the proxy's check, forwarded to the server

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
                try:
                    self._serve(tls)
                except OSError:  # either side hung up
                    return

    def _serve(self, tls: ssl.SSLSocket) -> None:
        # A client that checks the host name only after the handshake hangs up here.
        startup = read_startup(tls)
        if startup is None:
            return
        role = _startup_parameters(startup)["user"]
        password = self.logins.get(role)
        if password is None:
            no_secret = f"This RDS proxy has no credentials for the role {role}."
            tls.sendall(_error_response("28000", no_secret + " Check the credentials for this role and try again."))
            return
        if not _scram_server(tls, password):
            self.refused += 1
            tls.sendall(_error_response("28P01", f"The password that was provided for the role {role} is wrong."))
            return
        self.forwarded += 1
        with self._connect_upstream() as upstream:
            upstream.sendall(startup)
            if _log_in(upstream, tls, password):
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


def _message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def _error_response(sqlstate: str, text: str) -> bytes:
    """A FATAL ErrorResponse: severity (localized and not), SQLSTATE, message."""
    fields = [b"SFATAL", b"VFATAL", b"C" + sqlstate.encode(), b"M" + text.encode()]
    return _message(b"E", b"".join(field + b"\0" for field in fields) + b"\0")


def _read_message(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """One message after the startup: its type byte and its body."""
    header = read_exactly(sock, 5)
    if header is None:
        return None
    body = read_exactly(sock, struct.unpack("!i", header[1:])[0] - 4)
    return None if body is None else (header[:1], body)


def read_startup(sock: socket.socket) -> bytes | None:
    head = read_exactly(sock, 4)
    if head is None:
        return None
    rest = read_exactly(sock, struct.unpack("!i", head)[0] - 4)
    return None if rest is None else head + rest


def _startup_parameters(startup: bytes) -> dict[str, str]:
    # Length and protocol version, then name\0value\0 pairs and a final \0.
    words = startup[8:].rstrip(b"\0").decode().split("\0")
    return dict(zip(words[::2], words[1::2], strict=True))


def _scram_keys(password: str, salt: bytes, iterations: int) -> tuple[bytes, bytes]:
    """SCRAM's ClientKey and ServerKey (RFC 5802, section 3); the passwords here are ASCII, which
    SASLprep leaves as they are."""
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return _hmac(salted, b"Client Key"), _hmac(salted, b"Server Key")


def _hmac(key: bytes, text: bytes) -> bytes:
    return hmac.digest(key, text, "sha256")


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _attributes(text: bytes) -> dict[bytes, bytes]:
    return dict(part.split(b"=", 1) for part in text.split(b","))


def _scram_server(client: ssl.SSLSocket, password: str) -> bool:
    """Authenticate the client with SCRAM-SHA-256 as the server side
    (https://www.postgresql.org/docs/current/sasl-authentication.html); whether its proof is right."""
    client.sendall(_message(b"R", struct.pack("!i", AUTH_SASL) + SCRAM + b"\0\0"))
    initial = _read_message(client)
    if initial is None or initial[0] != b"p" or not initial[1].startswith(SCRAM + b"\0"):
        return False
    # After the mechanism, the length of the client-first-message and the message: its gs2 header
    # (channel binding flag, authorization id), then the bare part.
    flag, authzid, client_first_bare = initial[1][len(SCRAM) + 5 :].split(b",", 2)
    nonce = _attributes(client_first_bare)[b"r"] + base64.b64encode(os.urandom(18))
    salt = os.urandom(16)
    server_first = b"r=" + nonce + b",s=" + base64.b64encode(salt) + b",i=" + str(SCRAM_ITERATIONS).encode()
    client.sendall(_message(b"R", struct.pack("!i", AUTH_SASL_CONTINUE) + server_first))
    final = _read_message(client)
    if final is None or final[0] != b"p":
        return False
    without_proof, proof = final[1].rsplit(b",p=", 1)
    auth_message = b",".join([client_first_bare, server_first, without_proof])
    client_key, server_key = _scram_keys(password, salt, SCRAM_ITERATIONS)
    stored_key = hashlib.sha256(client_key).digest()
    claimed_key = _xor(base64.b64decode(proof), _hmac(stored_key, auth_message))
    echoed = _attributes(without_proof)
    if (
        echoed[b"c"] != base64.b64encode(b",".join([flag, authzid, b""]))
        or echoed[b"r"] != nonce
        or hashlib.sha256(claimed_key).digest() != stored_key
    ):
        return False
    signature = base64.b64encode(_hmac(server_key, auth_message))
    client.sendall(_message(b"R", struct.pack("!i", AUTH_SASL_FINAL) + b"v=" + signature))
    return True


def _log_in(server: socket.socket, client: ssl.SSLSocket, password: str) -> bool:
    """Answer the server's authentication (none, or SCRAM-SHA-256 as the client side) with the
    proxy's password. On success pass AuthenticationOk on to the client, whose session the server's
    next messages carry on; on a refusal give the client the proxy's answer."""
    client_first_bare = b"n=,r=" + base64.b64encode(os.urandom(18))
    while (reply := _read_message(server)) is not None:
        kind, body = reply
        if kind == b"E":
            fields = {field[:1].decode(): field[1:].decode() for field in body.split(b"\0") if field}
            client.sendall(_error_response(fields["C"], f"Request returned an error: {fields['M']}"))
            return False
        code, data = struct.unpack("!i", body[:4])[0], body[4:]
        if code == AUTH_OK:
            client.sendall(_message(kind, body))
            return True
        if code == AUTH_SASL and SCRAM in data.split(b"\0"):
            first = b"n,," + client_first_bare  # no channel binding, no authzid
            server.sendall(_message(b"p", SCRAM + b"\0" + struct.pack("!i", len(first)) + first))
        elif code == AUTH_SASL_CONTINUE:
            server.sendall(_message(b"p", _client_final(password, client_first_bare, data)))
        elif code != AUTH_SASL_FINAL:  # the server's signature, not checked: the server is the test's own
            raise NotImplementedError(f"authentication request {code} from the server")
    return False


def _client_final(password: str, client_first_bare: bytes, server_first: bytes) -> bytes:
    attributes = _attributes(server_first)
    client_key, _ = _scram_keys(password, base64.b64decode(attributes[b"s"]), int(attributes[b"i"]))
    without_proof = b"c=" + base64.b64encode(b"n,,") + b",r=" + attributes[b"r"]
    auth_message = b",".join([client_first_bare, server_first, without_proof])
    proof = _xor(client_key, _hmac(hashlib.sha256(client_key).digest(), auth_message))
    return without_proof + b",p=" + base64.b64encode(proof)


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
