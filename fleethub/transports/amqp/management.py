"""The `$management` node: Event Hub and partition information (READ requests).

azure-eventhub's `get_eventhub_properties` and `get_partition_properties` send
``operation = "READ"``, ``type = "com.microsoft:eventhub"`` or ``"com.microsoft:partition"``,
``name = <event hub>`` (and ``partition``); the reply body is a map, e.g.
``{"name": "fleethub", "partition_ids": ["0", "1", "2", "3"], "created_at": <timestamp>}``.
"""

from __future__ import annotations

import logging
from typing import Any

from fleethub.hub.auth.principal import Permission
from fleethub.hub.errors import HubError
from fleethub.transports.amqp import events as ev
from fleethub.transports.amqp.links import Refused
from fleethub.transports.amqp.message import AmqpMessage, decode_message
from fleethub.transports.amqp.performatives import Accepted, Error, Rejected
from fleethub.transports.amqp.replies import RequestNode, app_property, response
from fleethub.transports.amqp.types import AmqpError, Array, Int, Long, Timestamp

log = logging.getLogger(__name__)

ADDRESS = "$management"
EVENTHUB = "com.microsoft:eventhub"
PARTITION = "com.microsoft:partition"


class ManagementNode(RequestNode):
    address = ADDRESS

    def message(self, event: ev.MessageReceived) -> None:
        engine = self.peer.engine
        try:
            request = decode_message(event.payload)
        except AmqpError as error:
            reason = Error(condition="amqp:decode-error", description=str(error))
            engine.settle(event.link, event.delivery_id, Rejected(error=reason))
            return
        if not event.settled:
            engine.settle(event.link, event.delivery_id, Accepted())
        session = event.link.session
        self.peer.context.spawn(self._answer(session, request))

    async def _answer(self, session: Any, request: AmqpMessage) -> None:
        try:
            reply = await self._read(request)
        except Refused as refused:
            reply = response(request, 401, refused.error.description or "Unauthorized")
        except HubError as error:
            reply = response(request, 503, error.message)
        self.peer.reply(session, ADDRESS, reply)
        self.peer.flush()

    async def _read(self, request: AmqpMessage) -> AmqpMessage:
        config = self.peer.context.eventhub
        if app_property(request, "operation") != "READ":
            return response(request, 400, "Only the READ operation is supported.")
        name = app_property(request, "name") or ""
        if name.lower() != config.name.lower():
            return response(request, 404, f"The messaging entity '{name[:100]}' does not exist.")
        self.peer.claims.authorize(name, Permission.SERVICE_CONNECT)
        kind = app_property(request, "type")
        if kind == EVENTHUB:
            return response(request, 200, "OK", self._eventhub())
        if kind == PARTITION:
            partition = app_property(request, "partition") or ""
            if not partition.isdigit() or int(partition) >= config.partitions:
                return response(request, 404, f"The partition '{partition[:40]}' does not exist.")
            return response(request, 200, "OK", await self._partition(int(partition)))
        return response(request, 400, f"Unknown management type '{kind}'.")

    def _eventhub(self) -> dict[str, Any]:
        config = self.peer.context.eventhub
        return {
            "name": config.name,
            "type": EVENTHUB,
            "created_at": Timestamp(int(self.peer.context.created_at * 1000)),
            "partition_count": Int(config.partitions),
            "partition_ids": Array(0xA1, tuple(str(n) for n in range(config.partitions))),
        }

    async def _partition(self, partition: int) -> dict[str, Any]:
        log_ = self.peer.context.partitions
        await log_.start()
        first, last = log_.bounds(partition)
        return {
            "name": self.peer.context.eventhub.name,
            "type": PARTITION,
            "partition": str(partition),
            "begin_sequence_number": Long(first.sequence_number if first else 0),
            "last_enqueued_sequence_number": Long(last.sequence_number if last else -1),
            "last_enqueued_offset": str(last.sequence_number) if last else "-1",
            "last_enqueued_time_utc": Timestamp(int(last.enqueued_time * 1000) if last else 0),
            "is_partition_empty": first is None,
        }
