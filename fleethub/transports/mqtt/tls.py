"""TLS for MQTT over a memory BIO (pyOpenSSL), under a plain asyncio Protocol.

Why not the stdlib `ssl`: X.509 devices authenticate with self-signed certificates that
no CA vouches for, and only a verify callback lets the handshake accept them so the hub can
compare thumbprints afterwards; the stdlib has none. Owning the BIO also keeps idle
connections small (OpenSSL releases its buffers; no 256 KiB read buffer per socket).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from OpenSSL import SSL, crypto

from fleethub.hub.auth.devices import ClientCertificate

log = logging.getLogger(__name__)

_CHAIN_OK = "fleethub.chain_ok"
_READ_SIZE = 65536


def _remember_chain(
    conn: SSL.Connection, _cert: crypto.X509, _err: int, depth: int, ok: int
) -> bool:
    # Accept every chain here; the hub decides after the handshake (thumbprint or CA + CN).
    # OpenSSL may call back again for the same depth once an error was overridden, so a
    # single failure anywhere in the chain must stick.
    state = conn.get_app_data()
    if isinstance(state, dict):
        state[_CHAIN_OK] = state.get(_CHAIN_OK, True) and bool(ok)
    return True


def server_context(cert: Path, key: Path, device_cas: list[Path]) -> SSL.Context:
    """TLS 1.2+ (the device SDK speaks exactly 1.2), client certificates optional."""
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)
    context.use_certificate_chain_file(str(cert))
    context.use_privatekey_file(str(key))
    context.check_privatekey()
    context.set_mode(SSL.MODE_RELEASE_BUFFERS)
    context.set_session_id(b"fleethub-mqtt")
    for ca in device_cas:
        context.load_verify_locations(str(ca))
    context.set_verify(SSL.VERIFY_PEER, _remember_chain)
    return context


def client_certificate(conn: SSL.Connection) -> ClientCertificate | None:
    peer = conn.get_peer_certificate()
    if peer is None:
        return None
    cert = peer.to_cryptography()
    der = cert.public_bytes(Encoding.DER)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    state = conn.get_app_data()
    return ClientCertificate(
        thumbprint_sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest().upper(),
        thumbprint_sha256=hashlib.sha256(der).hexdigest().upper(),
        common_name=str(names[0].value) if names else None,
        chain_trusted=bool(isinstance(state, dict) and state.get(_CHAIN_OK)),
    )


def is_ca_certificate(path: Path) -> bool:
    """A registered device CA must be a CA certificate (basicConstraints CA:TRUE)."""
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (ValueError, x509.ExtensionNotFound):
        return False


class TlsSession:
    """The TLS state of one connection: ciphertext in and out, plaintext for the session."""

    __slots__ = ("conn", "done")

    def __init__(self, context: SSL.Context) -> None:
        self.conn = SSL.Connection(context, None)
        self.conn.set_app_data({})
        self.conn.set_accept_state()
        self.done = False

    def receive(self, ciphertext: bytes) -> tuple[bytes, bytes, bool]:
        """Feed bytes from the socket: (plaintext, bytes to send back, peer closed)."""
        self.conn.bio_write(ciphertext)
        plain: list[bytes] = []
        closed = False
        try:
            if not self.done:
                self.conn.do_handshake()
                self.done = True
            while True:
                plain.append(self.conn.recv(65536))
        except SSL.WantReadError:
            pass
        except SSL.ZeroReturnError:
            closed = True
        return b"".join(plain), self.pending(), closed

    def send(self, plaintext: bytes) -> bytes:
        view = memoryview(plaintext)
        while view:
            sent = self.conn.send(view[:16384])
            view = view[sent:]
        return self.pending()

    def pending(self) -> bytes:
        """Everything OpenSSL wrote for the peer. A memory BIO hands out all it holds up to
        the size asked, so a short read means it is empty: no second call that ends in an
        exception (a handshake flight or a CONNACK is a few hundred bytes)."""
        try:
            out = self.conn.bio_read(_READ_SIZE)
        except SSL.WantReadError:
            return b""
        if len(out) < _READ_SIZE:
            return out
        parts = [out]
        while True:
            try:
                parts.append(self.conn.bio_read(_READ_SIZE))
            except SSL.WantReadError:
                return b"".join(parts)
