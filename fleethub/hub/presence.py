"""Connection states a dead node left behind: the registry still says Connected for devices
whose node was killed before it could write them off. One node at a time (the bus lease)
looks for identities marked connected that no node holds, and marks them disconnected.

On one node this also repairs what a crash left, at the first sweep after the restart.
"""

from __future__ import annotations

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.connections import Connections, presence_key
from fleethub.hub.registry.service import Registry
from fleethub.hub.twins.service import Twins

LEASE = "presence-sweep"
_QUERIES = (
    "SELECT * FROM devices WHERE connectionState = 'Connected'",
    "SELECT * FROM devices.modules WHERE connectionState = 'Connected'",
)


async def sweep(twins: Twins, registry: Registry, connections: Connections) -> int:
    """Mark disconnected the identities no node holds; returns how many."""
    bus = connections.bus
    if not await bus.lease(LEASE):
        return 0
    swept = 0
    for text in _QUERIES:
        continuation: str | None = None
        while True:
            page = await twins.query(SYSTEM, text, 1000, continuation)
            for identity in page.twins or []:
                device_id, module_id = identity.device_id, identity.module_id
                if connections.get(device_id, module_id) is not None:
                    continue
                if await bus.locate(presence_key(device_id, module_id)) is None:
                    await registry.set_connection(device_id, module_id, False)
                    swept += 1
            continuation = page.continuation
            if not continuation:
                break
    return swept
