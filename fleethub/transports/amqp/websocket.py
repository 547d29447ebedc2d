"""AMQP over WebSocket at /$servicebus/websocket (subprotocol `AMQPWSB10`), on the HTTPS port.

azure-eventhub with `transport_type=TransportType.AmqpOverWebsocket` (and uamqp's websocket
transport) dial `wss://{host}:443/$servicebus/websocket` and carry the same AMQP byte stream
as AMQPS in binary messages, so a Peer (peer.py) serves them exactly like a TCP socket: this
module only moves bytes between the two.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from fleethub.transports.amqp.peer import Peer
from fleethub.transports.amqp.server import AmqpServer

PATH = "/$servicebus/websocket"
SUBPROTOCOL = "AMQPWSB10"
#: RFC 6455 §7.4.1: the endpoint refuses what it was offered.
_PROTOCOL_ERROR = 1002


class _Outgoing:
    """What the Peer writes, queued for the one task that sends on the WebSocket."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.closed = False

    def write(self, data: bytes) -> None:
        if not self.closed:
            self.queue.put_nowait(data)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(None)


async def _send_all(websocket: WebSocket, outgoing: _Outgoing) -> None:
    while (data := await outgoing.queue.get()) is not None:
        await websocket.send_bytes(data)
    with contextlib.suppress(RuntimeError):
        await websocket.close()


async def _receive_all(websocket: WebSocket, peer: Peer, outgoing: _Outgoing) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while not outgoing.closed:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes") or (message.get("text") or "").encode()
            peer.receive(data)


def route(server: AmqpServer) -> WebSocketRoute:
    """The route the HTTPS app mounts; its connections count among `server.peers`."""

    async def amqp_over_websocket(websocket: WebSocket) -> None:
        if SUBPROTOCOL not in (websocket.scope.get("subprotocols") or []):
            await websocket.close(code=_PROTOCOL_ERROR, reason=f"subprotocol {SUBPROTOCOL} only")
            return
        await websocket.accept(subprotocol=SUBPROTOCOL)
        outgoing = _Outgoing()
        peer = Peer(server.context, outgoing.write, outgoing.close)
        server.peers.add(peer)
        sender = asyncio.create_task(_send_all(websocket, outgoing))
        try:
            await _receive_all(websocket, peer, outgoing)
        finally:
            outgoing.close()
            server.peers.discard(peer)
            peer.lost()
            with contextlib.suppress(Exception):
                await sender

    return WebSocketRoute(PATH, amqp_over_websocket)
