"""The AMQPS listener (port 5671): one asyncio Protocol per socket, TLS by the event loop.

Why the stdlib TLS transport and not the MQTT face's pyOpenSSL memory BIO: back ends never
present client certificates (they authenticate with CBS tokens), so nothing needs a verify
callback. The bytes each socket yields go to a Peer (peer.py), whatever carried them, so
AMQP over WebSocket (websocket.py) reuses everything below the socket.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Callable
from typing import Any, cast

from fleethub.transports.amqp.peer import Peer, PeerContext

log = logging.getLogger(__name__)


class _Connection(asyncio.Protocol):
    def __init__(self, context: PeerContext, peers: set[Peer]) -> None:
        self._context = context
        self._peers = peers
        self._transport: asyncio.Transport | None = None
        self._peer: Peer | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's TLS transport is not an asyncio.Transport subclass, but has its methods.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._peer = Peer(self._context, transport.write, transport.close)
        self._peers.add(self._peer)

    def data_received(self, data: bytes) -> None:
        if self._peer is not None:
            self._peer.receive(data)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if self._peer is not None:
            self._peers.discard(self._peer)
            self._peer.lost()


class AmqpServer:
    """Listeners for AMQPS; `close_all` ends every live connection (shutdown)."""

    def __init__(self, context: PeerContext) -> None:
        self.context = context
        self.peers: set[Peer] = set()
        self._servers: list[asyncio.Server] = []

    async def listen(self, host: str, port: int, tls: ssl.SSLContext | None) -> int:
        """Start a listener; returns the bound port (useful with port 0)."""
        loop = asyncio.get_running_loop()
        factory: Callable[[], Any] = lambda: _Connection(self.context, self.peers)  # noqa: E731
        server = await loop.create_server(
            factory, host, port, ssl=tls, backlog=1024, reuse_address=True
        )
        self._servers.append(server)
        bound: int = server.sockets[0].getsockname()[1]
        return bound

    def stop_listening(self) -> None:
        for server in self._servers:
            server.close()
        self._servers.clear()

    async def close_all(self) -> None:
        """Stop accepting, close every connection with amqp:connection:forced, wait for tasks."""
        self.stop_listening()
        for peer in list(self.peers):
            peer.shutdown()
        await self.context.drain()
