"""The one-process bus: there are no other nodes, so nothing is sent and every lease is ours.

Presence is still counted so that claims carry the growing number the Bus port promises.
"""

from __future__ import annotations

import itertools

from fleethub.hub.ports import BroadcastHandler, BusMessage, RequestHandler


class LocalBus:
    def __init__(self, node_id: str = "local") -> None:
        self.node_id = node_id
        self._claims = itertools.count(1)

    async def start(self, on_broadcast: BroadcastHandler, on_request: RequestHandler) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ping(self) -> bool:
        return True

    async def broadcast(self, message: BusMessage) -> None:
        return None

    async def request(self, node_id: str, message: BusMessage, within: float) -> BusMessage:
        raise TimeoutError(f"no node {node_id!r} on a local bus")

    async def claim(self, key: str) -> int:
        return next(self._claims)

    async def release(self, key: str) -> None:
        return None

    async def locate(self, key: str) -> str | None:
        return None

    async def lease(self, name: str) -> bool:
        return True
