"""The live stream's server-sent events and the chart's downsampling (fleethub/web/telemetry.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import D2CRecord, Message
from fleethub.hub.registry.device import IdentitySpec
from fleethub.web.sessions import User
from fleethub.web.telemetry import downsample, stream_events, values_of


class FakeRequest:
    """Stands in for a Starlette Request: only is_disconnected() is used, and a real browser
    disconnect cannot be produced over httpx's ASGI transport (it buffers whole bodies)."""

    def __init__(self) -> None:
        self.gone = False

    async def is_disconnected(self) -> bool:
        return self.gone


async def test_stream_sends_only_this_devices_messages(hub: Hub) -> None:
    await hub.registry.put(SYSTEM, "d1", None, IdentitySpec())
    await hub.registry.put(SYSTEM, "d2", None, IdentitySpec())
    request: Any = FakeRequest()
    events = stream_events(request, hub, User("a", "operator"), "d1", ["t"])
    assert await anext(events) == ": connected\n\n"
    pending = asyncio.ensure_future(anext(events))
    await hub.telemetry.ingest("d2", None, Message(b'{"t": 9}'), "sas")
    message = Message(b'{"t": 1.5}', properties={"unit": "C"})
    await hub.telemetry.ingest("d1", None, message, "sas")
    event = await asyncio.wait_for(pending, 5)
    assert event.startswith("event: message\ndata: ")
    data = json.loads(event.split("data: ", 1)[1])
    assert data["values"] == {"t": 1.5}
    assert data["properties"] == {"unit": "C"}
    request.gone = True
    await events.aclose()


def test_values_and_downsampling() -> None:
    record = D2CRecord("d", None, 0.0, Message(b'{"a": 1, "b": true, "c": "x", "d": 2.5}'))
    assert values_of(record, None) == {"a": 1.0, "d": 2.5}
    assert values_of(record, ["d"]) == {"d": 2.5}
    assert values_of(D2CRecord("d", None, 0.0, Message(b"not json")), None) == {}
    points = [(float(n), {"v": float(n)}) for n in range(1000)]
    sampled = downsample(points, 100)
    assert len(sampled) == 100
    assert sampled[0][1]["v"] == 4.5
