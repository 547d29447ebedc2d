"""Connection states a dead node left behind: the registry still says Connected for devices
whose node was killed before it could write them off. One node at a time (the bus lease)
looks for identities marked connected that no node holds, and marks them disconnected.

On one node this also repairs what a crash left, at the first sweep after the restart. The
sweep reads keys only, a page at a time, and lets the loop run between pages: it used to
build every connected device's twin through the query language, and held the loop for
~80 ms with a thousand devices connected (a PUBACK stall, docs/performance.md).
"""

from __future__ import annotations

import asyncio

from fleethub.hub.connections import Connections, presence_key
from fleethub.hub.registry.service import Registry

LEASE = "presence-sweep"
PAGE = 500


async def sweep(registry: Registry, connections: Connections) -> int:
    """Mark disconnected the identities no node holds; returns how many."""
    bus = connections.bus
    if not await bus.lease(LEASE):
        return 0
    swept = 0
    after: tuple[str, str | None] | None = None
    while True:
        page = await registry.connected_identities(after, PAGE)
        for device_id, module_id in page:
            if connections.get(device_id, module_id) is not None:
                continue
            if await bus.locate(presence_key(device_id, module_id)) is None:
                await registry.set_connection(device_id, module_id, False)
                swept += 1
        if len(page) < PAGE:
            return swept
        after = page[-1]
        await asyncio.sleep(0)
