"""Runs the reconciler in the background, coalescing requests: many changes in a burst cost
one pass. A request for every device supersedes requests for single ones, and a burst of many
single-device requests (a bulk import) becomes one full pass.

While the hub has no configuration, single-device requests cost nothing: `active` is set by a
configuration written here or found by a full pass, and cleared by a full pass finding none.

Changes made through this node start a pass at once; `run_periodically` (started by app.py)
catches what no event announces here: reported properties a target condition reads, changes
made on other nodes of a cluster, twins written by jobs in bulk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from fleethub.hub.configurations.reconciler import Reconciler

log = logging.getLogger(__name__)

#: More devices waiting than this, and one full pass is cheaper than a pass per device.
FULL_PASS_AFTER = 50


class Worker:
    def __init__(self, reconciler: Reconciler) -> None:
        self._reconciler = reconciler
        self._all = False
        self._devices: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self.active = False
        #: Periodic full passes run only while this returns True: in a cluster, on the one
        #: node holding the bus lease (#9). Passes asked for by changes run where they happen.
        self.lease: Callable[[], Awaitable[bool]] | None = None

    def request_all(self) -> None:
        self._all = True
        self._start()

    def request_device(self, device_id: str) -> None:
        if not self.active:
            return
        self._devices.add(device_id)
        self._start()

    async def settled(self) -> None:
        """Wait until every request made so far has been carried out (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run_periodically(self, interval: float) -> None:
        """A full pass every `interval` seconds, forever."""
        while True:
            await asyncio.sleep(interval)
            if self.lease is not None and not await self._holds_lease():
                continue
            self.request_all()
            await self.settled()

    async def _holds_lease(self) -> bool:
        assert self.lease is not None
        try:
            return await self.lease()
        except Exception:
            log.warning("cannot renew the configurations lease", exc_info=True)
            return False

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._all or self._devices:
            run_all, devices = self._all, self._devices
            self._all, self._devices = False, set()
            try:
                if run_all or len(devices) > FULL_PASS_AFTER:
                    self.active = await self._reconciler.run_all()
                else:
                    for device_id in sorted(devices):
                        await self._reconciler.run_device(device_id)
            except Exception:
                log.exception("configuration pass failed; the next one retries")
