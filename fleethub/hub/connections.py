"""Live device links: attach (a second connection takes over), detach, find, notify.

Each link is also claimed on the bus (#9), so other nodes of a cluster can find it, and a
newer claim anywhere closes this node's link for the same identity. Notifications for an
identity not connected here go out as broadcasts; the node holding it delivers them.

Connection state in the registry is debounced on disconnect: the device SDK renews its SAS
token by disconnecting and reconnecting (wire spec §8.20), which must not flap the state; and
it is not written as disconnected while another node holds the identity.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fleethub.hub.errors import ServiceUnavailable
from fleethub.hub.ports import Bus, BusMessage, DeviceLink

log = logging.getLogger(__name__)

Key = tuple[str, str | None]
StateWriter = Callable[[str, str | None, bool], Awaitable[None]]

TAKEN_OVER = "a new connection for the same identity took over"
#: How often a waiting caller looks again for an identity connected to another node.
_LOOK_AGAIN = 0.25


def presence_key(device_id: str, module_id: str | None) -> str:
    return f"{device_id}/{module_id}" if module_id else device_id


class Connections:
    def __init__(self, write_state: StateWriter, bus: Bus, debounce_seconds: float = 2.0) -> None:
        self._links: dict[Key, DeviceLink] = {}
        self._claims: dict[Key, int] = {}
        self.bus = bus
        self._waiters: dict[Key, list[asyncio.Future[DeviceLink]]] = {}
        self._write_state = write_state
        self._debounce = debounce_seconds
        self._pending_offline: dict[Key, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.attached: list[Callable[[DeviceLink], None]] = []

    def get(self, device_id: str, module_id: str | None) -> DeviceLink | None:
        return self._links.get((device_id, module_id))

    def __len__(self) -> int:
        return len(self._links)

    async def reserve(self, device_id: str, module_id: str | None) -> int:
        """Claim the identity cluster-wide before accepting its connection; the number orders
        competing claims. Raises ServiceUnavailable when the bus is down (refuse the device)."""
        return await self.bus.claim(presence_key(device_id, module_id))

    async def attach(self, link: DeviceLink, claim: int = 0) -> None:
        key = (link.device_id, link.module_id)
        previous = self._links.get(key)
        self._links[key] = link
        self._claims[key] = claim
        if previous is not None and previous is not link:
            previous.close(TAKEN_OVER)
        message = {"kind": "takeover", "device": key[0], "module": key[1], "claim": claim}
        with contextlib.suppress(ServiceUnavailable):
            await self.bus.broadcast(message)
        timer = self._pending_offline.pop(key, None)
        if timer is not None:
            timer.cancel()
        elif previous is None:
            await self._write_state(link.device_id, link.module_id, True)
        for waiter in self._waiters.pop(key, []):
            if not waiter.done():
                waiter.set_result(link)
        for callback in self.attached:
            callback(link)

    def detach(self, link: DeviceLink) -> None:
        key = (link.device_id, link.module_id)
        if self._links.get(key) is not link:
            return  # already taken over by a newer connection
        del self._links[key]
        self._claims.pop(key, None)
        loop = asyncio.get_running_loop()
        self._pending_offline[key] = loop.call_later(self._debounce, self._went_offline, key)

    def _went_offline(self, key: Key) -> None:
        self._pending_offline.pop(key, None)
        if key in self._links:
            return
        task = asyncio.create_task(self._record_offline(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _record_offline(self, key: Key) -> None:
        try:
            if await self._released(key):
                await self._write_state(key[0], key[1], False)
        except Exception:
            log.warning("could not record %s as disconnected", key[0], exc_info=True)

    async def _released(self, key: Key) -> bool:
        """Give up this node's claim; False when another node holds the identity now."""
        presence = presence_key(*key)
        await self.bus.release(presence)
        return await self.bus.locate(presence) in (None, self.bus.node_id)

    async def find(self, device_id: str, module_id: str | None, within: float) -> DeviceLink | str:
        """The identity's link here, or the id of the node holding it; waits up to `within`
        seconds for it to connect anywhere. TimeoutError when it does not."""
        key = (device_id, module_id)
        deadline = asyncio.get_running_loop().time() + within
        while True:
            link = self._links.get(key)
            if link is not None:
                return link
            node = await self.bus.locate(presence_key(device_id, module_id))
            if node is not None and node != self.bus.node_id:
                return node
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError
            with contextlib.suppress(TimeoutError):
                return await self._wait_here(key, min(left, _LOOK_AGAIN))

    async def _wait_here(self, key: Key, within: float) -> DeviceLink:
        waiter: asyncio.Future[DeviceLink] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(key, []).append(waiter)
        try:
            async with asyncio.timeout(within):
                return await waiter
        finally:
            waiters = self._waiters.get(key, [])
            if waiter in waiters:
                waiters.remove(waiter)

    async def close(self, device_id: str, module_id: str | None, reason: str) -> None:
        """Disconnect an identity (and, for a device, its modules) wherever it is connected."""
        self.close_here(device_id, module_id, reason)
        message = {"kind": "close", "device": device_id, "module": module_id, "reason": reason}
        with contextlib.suppress(ServiceUnavailable):
            await self.bus.broadcast(message)

    def close_here(self, device_id: str, module_id: str | None, reason: str) -> None:
        for key, link in list(self._links.items()):
            if key[0] == device_id and (module_id is None or key[1] == module_id):
                link.close(reason)

    async def send_desired(self, device_id: str, module_id: str | None, patch: Any) -> None:
        link = self._links.get((device_id, module_id))
        if link is not None:
            link.send_desired(patch)
            return
        message = {"kind": "desired", "device": device_id, "module": module_id, "patch": patch}
        with contextlib.suppress(ServiceUnavailable):  # the device reads its twin on reconnect
            await self.bus.broadcast(message)

    async def wake_c2d(self, device_id: str) -> None:
        link = self._links.get((device_id, None))
        if link is not None:
            link.wake_c2d()
            return
        with contextlib.suppress(ServiceUnavailable):  # delivered on the next connect
            await self.bus.broadcast({"kind": "c2d", "device": device_id})

    async def on_broadcast(self, message: BusMessage) -> None:
        """What another node tells every node; acted on only where the identity is linked."""
        key: Key = (message["device"], message.get("module"))
        link = self._links.get(key)
        kind = message["kind"]
        if kind == "close":
            self.close_here(key[0], key[1], message["reason"])
        elif link is None:
            return
        elif kind == "takeover" and self._claims.get(key, 0) < message["claim"]:
            link.close(TAKEN_OVER)
        elif kind == "desired":
            link.send_desired(message["patch"])
        elif kind == "c2d":
            link.wake_c2d()

    async def drain(self) -> None:
        """Close every link and write the final states (shutdown)."""
        for link in list(self._links.values()):
            link.close("the hub is shutting down")
        for timer in self._pending_offline.values():
            timer.cancel()
        offline = list(self._pending_offline) + list(self._links)
        self._pending_offline.clear()
        for key in offline:
            await self._record_offline(key)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
