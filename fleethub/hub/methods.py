"""Direct methods: find the device's link, publish the request, wait for its answer.

A request still pending when the device drops is published again when it reconnects: the
device SDK discards queued requests on disconnect, expecting IoT Hub to resend (wire §4.5).

A device connected to another node of a cluster is asked through the bus (#9): the request
goes to that node, which calls the device as if the call had been made there.
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
from fleethub.hub.ports import BusMessage, DeviceLink
from fleethub.hub.registry.service import Registry

MIN_RESPONSE_TIMEOUT = 5
MAX_TIMEOUT = 300
DEFAULT_RESPONSE_TIMEOUT = 30
#: Beyond the response timeout, how long to wait for the node holding the device to answer.
_BUS_GRACE = 5


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
        if self._connections.get(device_id, module_id) is None:
            # A live link here needs no registry read: deleting or disabling an identity
            # closes its connection first. The read was a third of a call's CPU.
            await self._registry.find(device_id, module_id)
        try:
            target = await self._connections.find(device_id, module_id, connect_timeout)
        except TimeoutError:
            raise DeviceNotOnline(f"The device '{device_id}' is not online.") from None
        request = _Pending(device_id, module_id, name, orjson.dumps(payload))
        if isinstance(target, str):
            return await self._ask_node(target, request, response_timeout)
        return await self._call(target, request, response_timeout)

    async def _call(self, link: DeviceLink, pending: _Pending, seconds: int) -> MethodResult:
        request_id = format(next(self._ids), "x")
        self._pending[request_id] = pending
        try:
            if not link.send_method(request_id, pending.name, pending.payload):
                raise DeviceNotOnline(
                    f"The device '{pending.device_id}' is connected but not listening for methods."
                )
            async with asyncio.timeout(seconds):
                return await asyncio.shield(pending.answer)
        except TimeoutError:
            raise GatewayTimeout(
                f"The device did not answer '{pending.name}' within {seconds} seconds."
            ) from None
        finally:
            del self._pending[request_id]

    async def _ask_node(self, node: str, pending: _Pending, seconds: int) -> MethodResult:
        message = {
            "kind": "method",
            "device": pending.device_id,
            "module": pending.module_id,
            "name": pending.name,
            "payload": pending.payload.decode(),
            "timeout": seconds,
        }
        try:
            answer = await self._connections.bus.request(node, message, seconds + _BUS_GRACE)
        except TimeoutError:
            raise GatewayTimeout(
                f"The device did not answer '{pending.name}' within {seconds} seconds."
            ) from None
        error = answer.get("error")
        if error == "GatewayTimeout":
            raise GatewayTimeout(answer["message"])
        if error is not None:
            raise DeviceNotOnline(answer["message"])
        return MethodResult(answer["status"], answer["payload"])

    async def answer(self, message: BusMessage) -> BusMessage:
        """Call a device connected here for another node (a bus request)."""
        link = self._connections.get(message["device"], message.get("module"))
        if link is None:
            text = f"The device '{message['device']}' is not online."
            return {"error": "DeviceNotOnline", "message": text}
        pending = _Pending(
            message["device"], message.get("module"), message["name"], message["payload"].encode()
        )
        try:
            result = await self._call(link, pending, int(message["timeout"]))
        except (DeviceNotOnline, GatewayTimeout) as error:
            return {"error": type(error).__name__, "message": error.message}
        return {"status": result.status, "payload": result.payload}

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
