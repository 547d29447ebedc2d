"""MQTT over WebSocket at /$iothub/websocket (subprotocol `mqtt`), on the HTTPS listener.

The device SDK with `websockets=True` dials port 443 and sends masked binary frames carrying
the same MQTT byte stream as TCP (wire spec §2.6); the same Session serves both.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from fleethub.transports.mqtt.device_calls import DeviceCalls
from fleethub.transports.mqtt.session import Session

PATH = "/$iothub/websocket"


class _WebSocketTransport:
    """ByteTransport over a Starlette WebSocket: writes queue up for one sender task."""

    def __init__(self) -> None:
        self.outgoing: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.readable = asyncio.Event()
        self.readable.set()
        self.closed = False

    def write(self, data: bytes) -> None:
        if not self.closed:
            self.outgoing.put_nowait(data)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.outgoing.put_nowait(None)
            self.readable.set()

    def pause_reading(self) -> None:
        self.readable.clear()

    def resume_reading(self) -> None:
        self.readable.set()


async def _send_all(websocket: WebSocket, transport: _WebSocketTransport) -> None:
    while (data := await transport.outgoing.get()) is not None:
        await websocket.send_bytes(data)
    with contextlib.suppress(RuntimeError):
        await websocket.close()


def route(calls: DeviceCalls) -> WebSocketRoute:
    async def mqtt_over_websocket(websocket: WebSocket) -> None:
        offered = websocket.scope.get("subprotocols") or []
        await websocket.accept(subprotocol="mqtt" if "mqtt" in offered else None)
        transport = _WebSocketTransport()
        session = Session(calls, transport)
        sender = asyncio.create_task(_send_all(websocket, transport))
        try:
            while not transport.closed:
                await transport.readable.wait()
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("bytes") or (message.get("text") or "").encode()
                session.data_received(data)
        except WebSocketDisconnect:
            pass
        finally:
            transport.close()
            session.connection_lost()
            with contextlib.suppress(Exception):
                await sender

    return WebSocketRoute(PATH, mqtt_over_websocket)
