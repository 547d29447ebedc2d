"""Event Hub partition receivers: `{hub}/ConsumerGroups/{group}/Partitions/{n}`.

The start position comes from the source's ``apache.org:selector-filter:string`` filter, as
azure-eventhub writes it (``amqp.annotation.x-opt-offset > '-1'``, ``... > '@latest'``,
``amqp.annotation.x-opt-sequence-number >= '42'``, ``amqp.annotation.x-opt-enqueued-time >
'1700000000000'``). Events are sent pre-settled, as many as the client's credit allows.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fleethub.hub.auth.principal import Principal
from fleethub.hub.errors import HubError
from fleethub.transports.amqp.convert import event_message
from fleethub.transports.amqp.links import Link, Refused
from fleethub.transports.amqp.message import encode_message
from fleethub.transports.amqp.performatives import Error, Source
from fleethub.transports.amqp.replies import NoOpNode
from fleethub.transports.amqp.types import Described

if TYPE_CHECKING:
    from fleethub.transports.amqp.peer import Peer

log = logging.getLogger(__name__)

SELECTOR = "apache.org:selector-filter:string"
SELECTOR_CODE = 0x0000_468C_0000_0004
_EXPRESSION = re.compile(
    r"^\s*amqp\.annotation\.x-opt-(?P<kind>offset|sequence-number|enqueued-time)\s*"
    r"(?P<op>>=|>|=)\s*'(?P<value>[^']*)'\s*$"
)
BATCH = 300


@dataclass(frozen=True, slots=True)
class Position:
    """Where a receiver starts: kind offset | sequence-number | enqueued-time | latest."""

    kind: str
    value: int = 0
    inclusive: bool = False


def _selector(source: Any) -> str | None:
    if not isinstance(source, Source) or not source.filter:
        return None
    for key, value in source.filter.items():
        if isinstance(value, Described) and (
            value.descriptor in (SELECTOR, SELECTOR_CODE) or key == SELECTOR
        ):
            text = value.value
            return text.decode() if isinstance(text, bytes) else str(text)
    return None


def start_position(source: Any) -> Position:
    """Parse the selector filter; no filter means the start of the partition."""
    text = _selector(source)
    if text is None:
        return Position("offset", 0)
    match = _EXPRESSION.match(text)
    if match is None:
        raise Refused("amqp:invalid-field", f"Unsupported selector filter '{text[:200]}'.")
    kind, value, inclusive = match["kind"], match["value"], match["op"] != ">"
    if kind == "offset" and value == "@latest":
        return Position("latest")
    try:
        number = int(value)
    except ValueError:
        raise Refused("amqp:invalid-field", f"'{value[:40]}' is not a number.") from None
    if kind == "offset" and number < 0:
        return Position("offset", 0)
    return Position(kind, number, inclusive)


class PartitionReader(NoOpNode):
    """Sends a partition's events from the start position, then follows it live."""

    def __init__(
        self, peer: Peer, principal: Principal, link: Link, partition: int, start: Position
    ) -> None:
        self.peer = peer
        self.principal = principal
        self.link = link
        self.partition = partition
        self.start = start
        self._credit = asyncio.Event()
        self.ready = asyncio.Event()
        """Set once the start position is resolved (what "@latest" means is fixed then)."""
        self._task = peer.context.spawn(self._run())

    def credit(self, link: Link) -> None:
        self._credit.set()

    def detached(self, link: Link) -> None:
        self._task.cancel()

    async def _resolve(self) -> int:
        """The sequence number to read after."""
        log_ = self.peer.context.partitions
        await log_.start()
        start = self.start
        if start.kind == "latest":
            return log_.last_sequence
        if start.kind == "enqueued-time":
            return await log_.after_time(self.partition, start.value / 1000)
        return start.value - 1 if start.inclusive else start.value

    async def _run(self) -> None:
        try:
            after = await self._resolve()
            self.ready.set()
            await self._pump(after)
        except HubError as error:
            reason = Error(condition="com.microsoft:server-busy", description=error.message)
            self.peer.engine.detach(self.link, reason)

    async def _pump(self, after: int) -> None:
        partitions = self.peer.context.partitions
        engine = self.peer.engine
        while not self.link.detached:
            if not self.link.can_send:
                self._credit.clear()
                if self.link.drain:
                    engine.drained(self.link)
                await self._credit.wait()
                continue
            changed = partitions.changed(self.partition)
            records = await partitions.read(self.partition, after, min(self.link.credit, BATCH))
            for record in records:
                payload = encode_message(event_message(record))
                if engine.send(self.link, payload, settled=True) is None:
                    break
                after = record.sequence_number
            if not records:
                if self.link.drain:
                    engine.drained(self.link)
                await changed.wait()
