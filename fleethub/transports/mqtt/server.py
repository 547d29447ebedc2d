"""MQTT listeners: TLS on 8883 (and, for benchmarks only, plain TCP), as asyncio Protocols.

Each connection is a Session fed from `data_received`; TLS runs over a memory BIO (tls.py).
Reading pauses when a session has too much unacknowledged telemetry (back-pressure).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any, cast

from OpenSSL import SSL

from fleethub.transports.mqtt.device_calls import DeviceCalls
from fleethub.transports.mqtt.session import Session
from fleethub.transports.mqtt.tls import TlsSession, client_certificate

log = logging.getLogger(__name__)


class _Connection(asyncio.Protocol):
    """One socket; plain when `tls_context` is None."""

    def __init__(self, calls: DeviceCalls, tls_context: SSL.Context | None) -> None:
        self._calls = calls
        self._tls = TlsSession(tls_context) if tls_context is not None else None
        self._transport: asyncio.Transport | None = None
        self._session: Session | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._tls is None:
            self._session = Session(self._calls, self)

    def data_received(self, data: bytes) -> None:
        if self._tls is None:
            assert self._session is not None
            self._session.data_received(data)
            return
        try:
            plain, out, closed = self._tls.receive(data)
        except SSL.Error as error:
            log.debug("TLS failure: %s", error)
            self.close()
            return
        if out and self._transport is not None:
            self._transport.write(out)
        if self._session is None and self._tls.done:
            self._session = Session(self._calls, self, client_certificate(self._tls.conn))
        if plain and self._session is not None:
            self._session.data_received(plain)
        if closed:
            self.close()

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if self._session is not None:
            self._session.connection_lost()

    # --- ByteTransport for the session -------------------------------------------------------

    def write(self, data: bytes) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        if self._tls is not None:
            try:
                data = self._tls.send(data)
            except SSL.Error:
                self.close()
                return
        self._transport.write(data)

    def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    def pause_reading(self) -> None:
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.resume_reading()


class MqttServer:
    def __init__(self, calls: DeviceCalls) -> None:
        self._calls = calls
        self._servers: list[asyncio.Server] = []

    async def listen(self, host: str, port: int, tls_context: SSL.Context | None) -> int:
        """Start a listener; returns the bound port (useful with port 0)."""
        loop = asyncio.get_running_loop()
        factory: Callable[[], Any] = lambda: _Connection(self._calls, tls_context)  # noqa: E731
        server = await loop.create_server(factory, host, port, backlog=4096, reuse_address=True)
        self._servers.append(server)
        bound: int = server.sockets[0].getsockname()[1]
        return bound

    def stop_listening(self) -> None:
        """Stop accepting; live sessions are closed by the hub's connection drain."""
        for server in self._servers:
            server.close()
        self._servers.clear()
