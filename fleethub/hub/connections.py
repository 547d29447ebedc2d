"""This node's live device links: attach (a second connection takes over), detach, find.

Connection state in the registry is debounced on disconnect: the device SDK renews its SAS
token by disconnecting and reconnecting (wire spec §8.20), which must not flap the state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from fleethub.hub.ports import DeviceLink

log = logging.getLogger(__name__)

Key = tuple[str, str | None]
StateWriter = Callable[[str, str | None, bool], Awaitable[None]]


class Connections:
    def __init__(self, write_state: StateWriter, debounce_seconds: float = 2.0) -> None:
        self._links: dict[Key, DeviceLink] = {}
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

    async def attach(self, link: DeviceLink) -> None:
        key = (link.device_id, link.module_id)
        previous = self._links.get(key)
        self._links[key] = link
        if previous is not None and previous is not link:
            previous.close("a new connection for the same identity took over")
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
            await self._write_state(key[0], key[1], False)
        except Exception:
            log.warning("could not record %s as disconnected", key[0], exc_info=True)

    async def wait_for(self, device_id: str, module_id: str | None, within: float) -> DeviceLink:
        """The identity's link, waiting up to `within` seconds for it to connect."""
        key = (device_id, module_id)
        link = self._links.get(key)
        if link is not None or within <= 0:
            if link is None:
                raise TimeoutError
            return link
        waiter: asyncio.Future[DeviceLink] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(key, []).append(waiter)
        try:
            return await asyncio.wait_for(waiter, within)
        finally:
            waiters = self._waiters.get(key, [])
            if waiter in waiters:
                waiters.remove(waiter)

    def close(self, device_id: str, module_id: str | None, reason: str) -> None:
        """Disconnect an identity (and, for a device, its modules) if connected here."""
        for key, link in list(self._links.items()):
            if key[0] == device_id and (module_id is None or key[1] == module_id):
                link.close(reason)

    async def drain(self) -> None:
        """Close every link and write the final states (shutdown)."""
        for link in list(self._links.values()):
            link.close("the hub is shutting down")
        for timer in self._pending_offline.values():
            timer.cancel()
        offline = list(self._pending_offline) + list(self._links)
        self._pending_offline.clear()
        for device_id, module_id in offline:
            try:
                await self._write_state(device_id, module_id, False)
            except Exception:
                log.warning("could not record %s as disconnected", device_id, exc_info=True)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
