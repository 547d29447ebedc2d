"""Direct methods: find the device's link, publish the request, wait for its answer.

A request still pending when the device drops is published again when it reconnects: the
device SDK discards queued requests on disconnect, expecting IoT Hub to resend (wire §4.5).
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

import orjson

from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.connections import Connections
from fleethub.hub.errors import ArgumentInvalid, DeviceNotOnline, GatewayTimeout
from fleethub.hub.ports import DeviceLink
from fleethub.hub.registry.service import Registry

MIN_RESPONSE_TIMEOUT = 5
MAX_TIMEOUT = 300
DEFAULT_RESPONSE_TIMEOUT = 30


@dataclass(frozen=True, slots=True)
class MethodResult:
    status: int
    payload: Any


@dataclass(slots=True)
class _Pending:
    device_id: str
    module_id: str | None
    name: str
    payload: bytes
    answer: asyncio.Future[MethodResult] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Methods:
    def __init__(self, registry: Registry, connections: Connections) -> None:
        self._registry = registry
        self._connections = connections
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        connections.attached.append(self._resend_pending)

    async def invoke(
        self,
        principal: Principal,
        device_id: str,
        module_id: str | None,
        name: str,
        payload: Any,
        response_timeout: int | None = None,
        connect_timeout: int | None = None,
    ) -> MethodResult:
        require(principal, Permission.SERVICE_CONNECT)
        response_timeout = _timeout(response_timeout, DEFAULT_RESPONSE_TIMEOUT, "response")
        connect_timeout = _timeout(connect_timeout, 0, "connect")
        if not name or len(name) > 128:
            raise ArgumentInvalid("methodName must be 1 to 128 characters.")
        await self._registry.find(device_id, module_id)
        try:
            link = await self._connections.wait_for(device_id, module_id, connect_timeout)
        except TimeoutError:
            raise DeviceNotOnline(f"The device '{device_id}' is not online.") from None
        request_id = format(next(self._ids), "x")
        pending = _Pending(device_id, module_id, name, orjson.dumps(payload))
        self._pending[request_id] = pending
        try:
            if not link.send_method(request_id, name, pending.payload):
                raise DeviceNotOnline(
                    f"The device '{device_id}' is connected but not listening for methods."
                )
            return await asyncio.wait_for(asyncio.shield(pending.answer), response_timeout)
        except TimeoutError:
            raise GatewayTimeout(
                f"The device did not answer '{name}' within {response_timeout} seconds."
            ) from None
        finally:
            del self._pending[request_id]

    def respond(self, link: DeviceLink, request_id: str, status: int, payload: bytes) -> None:
        """A device's answer; ignored unless it answers a request made to that identity."""
        pending = self._pending.get(request_id)
        if pending is None or (pending.device_id, pending.module_id) != (
            link.device_id,
            link.module_id,
        ):
            return
        try:
            body = orjson.loads(payload) if payload.strip() else None
        except orjson.JSONDecodeError:
            body = payload.decode("utf-8", "replace")
        if not pending.answer.done():
            pending.answer.set_result(MethodResult(status, body))

    def _resend_pending(self, link: DeviceLink) -> None:
        for request_id, pending in list(self._pending.items()):
            if (pending.device_id, pending.module_id) == (link.device_id, link.module_id):
                link.send_method(request_id, pending.name, pending.payload)


def _timeout(value: int | None, default: int, what: str) -> int:
    if value is None:
        return default
    low = MIN_RESPONSE_TIMEOUT if what == "response" else 0
    if not low <= value <= MAX_TIMEOUT:
        raise ArgumentInvalid(f"{what}TimeoutInSeconds must be between {low} and {MAX_TIMEOUT}.")
    return value
