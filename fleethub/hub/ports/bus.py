"""Ports: the cluster bus (#9)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

#: A broadcast from another node: a small JSON-able dict with a "kind".
BusMessage = dict[str, Any]
#: Answers a request addressed to this node (a direct method for a device connected here).
RequestHandler = Callable[[BusMessage], Awaitable[BusMessage]]
BroadcastHandler = Callable[[BusMessage], Awaitable[None]]


class Bus(Protocol):
    """Reaches the other nodes of a cluster (#9). `bus.local` is one process with no others;
    `bus.nats` is core NATS for requests and broadcasts plus JetStream KV for presence and
    leases. Every method raises ServiceUnavailable when the bus cannot be reached.
    """

    node_id: str

    async def start(self, on_broadcast: BroadcastHandler, on_request: RequestHandler) -> None:
        """Connect, announce this node and start delivering to the handlers."""

    async def close(self) -> None:
        """Withdraw this node's presence entries and disconnect."""

    async def ping(self) -> bool:
        """True when the bus answers (readiness)."""

    async def broadcast(self, message: BusMessage) -> None:
        """Deliver to every other node (at most once; no reply)."""

    async def request(self, node_id: str, message: BusMessage, within: float) -> BusMessage:
        """Ask one node; TimeoutError when it does not answer within `within` seconds."""

    async def claim(self, key: str) -> int:
        """Record that this node now holds `key` (an identity's link); returns a number that
        grows with every claim of any key, so the newest claim wins a race."""

    async def release(self, key: str) -> None:
        """Forget `key` if this node still holds it."""

    async def locate(self, key: str) -> str | None:
        """The node holding `key`, or None."""

    async def lease(self, name: str) -> bool:
        """True while this node holds the named cluster-wide lease (renewed by asking again
        before it lapses); one node at a time does singleton work such as full passes."""
