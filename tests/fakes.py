"""Fakes for what a test cannot run cheaply, each saying why.

`ScriptedLink`: a device connection for API tests of direct methods, desired-property pushes
and IoT Central commands. A real device needs the MQTT listener on 8883 and a loopback address
of its own (tests/sdk does that end to end); these tests exercise the REST faces only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import orjson

from fleethub.hub.hub import Hub


@dataclass
class ScriptedLink:
    """Answers each method request with `status` and `answer` (or never, if `silent`)."""

    hub: Hub
    device_id: str
    module_id: str | None = None
    status: int = 200
    answer: Any = None
    silent: bool = False
    methods: list[tuple[str, Any]] = field(default_factory=list)
    desired: list[dict[str, Any]] = field(default_factory=list)
    closed: str | None = None

    def close(self, reason: str) -> None:
        self.closed = reason

    def send_desired(self, patch: dict[str, Any]) -> None:
        self.desired.append(patch)

    def send_method(self, request_id: str, name: str, payload: bytes) -> bool:
        self.methods.append((name, orjson.loads(payload)))
        if not self.silent:
            body = orjson.dumps(self.answer)
            loop = asyncio.get_running_loop()
            loop.call_soon(self.hub.methods.respond, self, request_id, self.status, body)
        return True

    def wake_c2d(self) -> None:
        pass

    async def attach(self) -> ScriptedLink:
        await self.hub.connections.attach(self)
        # Write the batched connection state now, so no flush outlives the test's store.
        await self.hub.registry.flush_connections()
        return self
