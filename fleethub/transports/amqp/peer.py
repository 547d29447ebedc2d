"""One AMQP client connection: the engine's events routed to the nodes a link names.

Nodes: `$cbs` (cbs.py), `$management` (management.py), `/messages/devicebound` and
`/messages/servicebound/feedback` (c2d.py), and `{hub}/ConsumerGroups/{group}/Partitions/{n}`
(eventhub.py). Every node but `$cbs` needs a valid CBS token first (claims.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from fleethub.hub.hub import Hub
from fleethub.transports.amqp import events as ev
from fleethub.transports.amqp.claims import Claims
from fleethub.transports.amqp.connection import Connection
from fleethub.transports.amqp.links import SENDER, Link, Refused, Session
from fleethub.transports.amqp.message import AmqpMessage, encode_message
from fleethub.transports.amqp.partitions import PartitionLog
from fleethub.transports.amqp.performatives import Error
from fleethub.transports.amqp.routes import route

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EventHubConfig:
    """The Event Hub-compatible built-in endpoint: its name and partitions (its consumer
    groups are the hub's: `Hub.consumer_groups`)."""

    name: str = "fleethub"
    partitions: int = 4
    retention_seconds: float = 86400.0


@dataclass
class PeerContext:
    """What every connection of one listener shares (built by app.py)."""

    hub: Hub
    eventhub: EventHubConfig = field(default_factory=EventHubConfig)
    container_id: str = field(default_factory=lambda: f"fleethub-{uuid.uuid4().hex[:12]}")
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    created_at: float = field(default_factory=time.time)
    _partitions: PartitionLog | None = None

    @property
    def partitions(self) -> PartitionLog:
        """The node's partition tailer, made on first use (it reads the log only then)."""
        if self._partitions is None:
            config = self.eventhub
            self._partitions = PartitionLog(self.hub, config.partitions, config.retention_seconds)
        return self._partitions

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("AMQP task failed", exc_info=task.exception())

    async def drain(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        if self._partitions is not None:
            await self._partitions.close()


class Node(Protocol):
    """What a link is attached to; each callback runs inside the peer's event dispatch."""

    def message(self, event: ev.MessageReceived) -> None: ...

    def credit(self, link: Link) -> None: ...

    def settled(self, event: ev.DeliverySettled) -> None: ...

    def detached(self, link: Link) -> None: ...


class Peer:
    """Feeds bytes to the engine and writes what it answers; never raises into the socket."""

    def __init__(
        self, context: PeerContext, write: Callable[[bytes], None], close: Callable[[], None]
    ) -> None:
        self.context = context
        self.hub = context.hub
        self.engine = Connection(context.container_id, self._wake)
        self.claims = Claims(context.hub)
        self._write = write
        self._close = close
        self._flush_pending = False
        self._replies: dict[tuple[int, str], list[AmqpMessage]] = {}
        self._links: set[Link] = set()
        self.hostname: str | None = None

    # --- bytes ----------------------------------------------------------------------------------

    def receive(self, data: bytes) -> None:
        try:
            for event in self.engine.receive(data):
                self._dispatch(event)
        except Exception:
            log.exception("AMQP connection failed; closing it")
            self.engine.close(Error(condition="amqp:internal-error", description="server error"))
        self.flush()

    def flush(self) -> None:
        self._flush_pending = False
        data = self.engine.take_output()
        if data:
            self._write(data)
        if self.engine.closed:
            self._close()

    def _wake(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            asyncio.get_running_loop().call_soon(self.flush)

    @property
    def links(self) -> frozenset[Link]:
        """The links attached to a node right now."""
        return frozenset(self._links)

    def lost(self) -> None:
        """The socket is gone: detach every node without writing anything."""
        self.engine.state = "closed"
        for link in list(self._links):
            self._detached(link)

    def shutdown(self) -> None:
        self.engine.close(Error(condition="amqp:connection:forced", description="hub stopping"))
        for link in list(self._links):
            self._detached(link)
        self.flush()

    # --- events ---------------------------------------------------------------------------------

    def _dispatch(self, event: ev.Event) -> None:
        if isinstance(event, ev.LinkAttached):
            self._attached(event.link)
        elif isinstance(event, ev.MessageReceived):
            self._node(event.link).message(event)
        elif isinstance(event, ev.CreditGranted):
            self._credit(event.link)
        elif isinstance(event, ev.DeliverySettled):
            self._node(event.link).settled(event)
        elif isinstance(event, ev.LinkDetached):
            self._detached(event.link)
        elif isinstance(event, ev.Opened):
            self.hostname = event.hostname
        elif isinstance(event, ev.Closed):
            for link in list(self._links):
                self._detached(link)

    def _node(self, link: Link) -> Node:
        node: Node = link.node
        return node

    def _attached(self, link: Link) -> None:
        try:
            node = route(self, link)
        except Refused as refused:
            log.info("AMQP link %r refused: %s", link.address, refused.error.description)
            self.engine.refuse(link, refused.error)
            return
        link.node = node
        self._links.add(link)

    def _credit(self, link: Link) -> None:
        key = (link.session.channel, link.address or "")
        queued = self._replies.get(key)
        while queued and link.can_send:
            self.engine.send(link, encode_message(queued.pop(0)), settled=True)
        if link.node is not None:
            self._node(link).credit(link)

    def _detached(self, link: Link) -> None:
        if link in self._links:
            self._links.discard(link)
            self._node(link).detached(link)

    # --- request/response nodes ($cbs, $management) ---------------------------------------------

    def reply(self, session: Session, address: str, message: AmqpMessage) -> None:
        """Send a response on the session's link reading from `address` (queued until credit)."""
        for link in session.links.values():
            if link.role == SENDER and link.address == address and link.can_send:
                self.engine.send(link, encode_message(message), settled=True)
                return
        self._replies.setdefault((session.channel, address), []).append(message)
