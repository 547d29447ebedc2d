"""A TLS client transport for the load generators on pyOpenSSL's memory BIOs.

Python's own `ssl` module here is linked to OpenSSL 3.0, whose handshakes cost a
generator process several times what OpenSSL 3.5 (bundled with pyOpenSSL's `cryptography`)
does, so with the stdlib client the generator ran out of its core before either broker did.
The same client measures fleethub and Mosquitto. The chain is verified against the given
CA; the host name is sent as SNI only (a benchmark, not a device).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from OpenSSL import SSL


def client_context(ca: Path) -> SSL.Context:
    """TLS 1.2 only, as the Azure IoT device SDK connects; the hub's CA trusted."""
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)
    context.set_max_proto_version(SSL.TLS1_2_VERSION)
    context.load_verify_locations(str(ca))
    context.set_verify(SSL.VERIFY_PEER, lambda *_: True)  # OpenSSL's verdict stands
    return context


class TlsTransport(asyncio.Protocol):
    """Sits on the TCP transport and looks like one to `inner` (write, close, is_closing)."""

    def __init__(
        self,
        inner: asyncio.Protocol,
        context: SSL.Context,
        hostname: str,
        ready: asyncio.Future[None],
    ) -> None:
        self._inner = inner
        self._ready_future = ready
        self._conn = SSL.Connection(context, None)
        self._conn.set_connect_state()
        self._conn.set_tlsext_host_name(hostname.encode())
        self._raw: asyncio.Transport | None = None
        self._ready = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._raw = transport  # type: ignore[assignment]
        self._handshake()

    def data_received(self, data: bytes) -> None:
        self._conn.bio_write(data)
        if not self._ready and not self._handshake():
            return
        plain: list[bytes] = []
        try:
            while True:
                plain.append(self._conn.recv(65536))
        except (SSL.WantReadError, SSL.ZeroReturnError):
            pass
        self._flush()
        if plain:
            self._inner.data_received(b"".join(plain))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._ready_future.done():
            self._ready_future.set_exception(exc or ConnectionError("closed in the handshake"))
        if self._ready:
            self._inner.connection_lost(exc)

    def _handshake(self) -> bool:
        try:
            self._conn.do_handshake()
        except SSL.WantReadError:
            self._flush()
            return False
        except SSL.Error as error:
            if not self._ready_future.done():
                self._ready_future.set_exception(ConnectionError(str(error)))
            assert self._raw is not None
            self._raw.close()
            return False
        self._ready = True
        self._flush()
        self._inner.connection_made(self)  # type: ignore[arg-type]
        if not self._ready_future.done():
            self._ready_future.set_result(None)
        return True

    def _flush(self) -> None:
        try:
            out = self._conn.bio_read(1 << 20)
        except SSL.WantReadError:
            return
        if self._raw is not None and out:
            self._raw.write(out)

    # The transport face `inner` sees.
    def write(self, data: bytes) -> None:
        self._conn.sendall(data)
        self._flush()

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()

    def is_closing(self) -> bool:
        return self._raw is None or self._raw.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


async def open_tls(
    factory: Callable[[], asyncio.Protocol],
    host: str,
    port: int,
    context: SSL.Context,
    hostname: str = "localhost",
) -> asyncio.Protocol:
    """Connect, and return the inner protocol once the handshake is done (it gets
    `connection_made` with the TLS transport then); a failed handshake raises."""
    loop = asyncio.get_running_loop()
    inner = factory()
    ready: asyncio.Future[None] = loop.create_future()
    await loop.create_connection(lambda: TlsTransport(inner, context, hostname, ready), host, port)
    await ready
    return inner
