"""Cloud-to-device over AMQP: `/messages/devicebound` and `/messages/servicebound/feedback`.

`IoTHubRegistryManager.send_c2d_message` (uamqp) sends each message on a sender link to
``amqps://{host}/messages/devicebound`` and waits for its disposition: accepted once the
message is in the device's queue, rejected with the domain error's condition otherwise
(wire spec §7). The feedback link hands out batches of feedback records as Azure does: one
JSON array per message, completed when the client accepts it and abandoned otherwise.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING

from fleethub.hub.auth.principal import Principal
from fleethub.hub.clock import iso
from fleethub.hub.errors import HubError
from fleethub.hub.messaging.message import FeedbackBatch
from fleethub.transports.amqp import events as ev
from fleethub.transports.amqp.convert import C2DRequest, c2d_request
from fleethub.transports.amqp.errors import amqp_error
from fleethub.transports.amqp.links import Link
from fleethub.transports.amqp.message import (
    AmqpMessage,
    Properties,
    decode_message,
    encode_message,
)
from fleethub.transports.amqp.performatives import Accepted, Error, Rejected
from fleethub.transports.amqp.replies import NoOpNode
from fleethub.transports.amqp.types import AmqpError, Symbol, Timestamp

if TYPE_CHECKING:
    from fleethub.transports.amqp.peer import Peer

log = logging.getLogger(__name__)

DEVICEBOUND = "messages/devicebound"
FEEDBACK = "messages/servicebound/feedback"
SEND_CREDIT = 100
FEEDBACK_POLL_SECONDS = 1.0
FEEDBACK_CONTENT_TYPE = "application/vnd.microsoft.iothub.feedback.json"


class DeviceboundNode(NoOpNode):
    """The server receives: each delivery is enqueued, then settled with its outcome."""

    def __init__(self, peer: Peer, principal: Principal) -> None:
        self.peer = peer
        self.principal = principal

    def message(self, event: ev.MessageReceived) -> None:
        try:
            request = c2d_request(decode_message(event.payload), self.peer.hub.clock())
        except AmqpError as error:
            reason = Error(condition="amqp:decode-error", description=str(error))
            self.peer.engine.settle(event.link, event.delivery_id, Rejected(error=reason))
            return
        except HubError as error:
            self.peer.engine.settle(
                event.link, event.delivery_id, Rejected(error=amqp_error(error))
            )
            return
        self.peer.context.spawn(self._send(event, request))

    async def _send(self, event: ev.MessageReceived, request: C2DRequest) -> None:
        try:
            await self.peer.hub.c2d.send(
                self.principal, request.device_id, request.message, request.ack, request.ttl
            )
        except HubError as error:
            log.info("C2D to %r rejected: %s", request.device_id, error.message)
            self.peer.engine.settle(
                event.link, event.delivery_id, Rejected(error=amqp_error(error))
            )
            return
        self.peer.engine.settle(event.link, event.delivery_id, Accepted())


def feedback_message(batch: FeedbackBatch) -> AmqpMessage:
    """One feedback batch as Azure sends it: a JSON array of records."""
    records = [
        {
            "originalMessageId": r.original_message_id,
            "deviceId": r.device_id,
            "deviceGenerationId": r.device_generation_id,
            "statusCode": r.status_code,
            "description": r.description,
            "enqueuedTimeUtc": iso(r.enqueued_time),
        }
        for r in batch.records
    ]
    return AmqpMessage(
        message_annotations={
            Symbol("iothub-enqueuedtime"): Timestamp(int(batch.enqueued_time * 1000))
        },
        properties=Properties(
            message_id=batch.lock_token,
            user_id=b"",
            content_type=FEEDBACK_CONTENT_TYPE,
            content_encoding="utf-8",
        ),
        data=[json.dumps(records).encode()],
    )


class FeedbackNode(NoOpNode):
    """The server sends: polls the feedback store while the client has credit."""

    def __init__(self, peer: Peer, principal: Principal, link: Link) -> None:
        self.peer = peer
        self.principal = principal
        self.link = link
        self._tokens: dict[int, str] = {}
        self._task: asyncio.Task[None] | None = None

    def credit(self, link: Link) -> None:
        if self._task is None or self._task.done():
            self._task = self.peer.context.spawn(self._poll())

    async def _poll(self) -> None:
        while self.link.can_send:
            batch = await self.peer.hub.c2d.receive_feedback(self.principal)
            if batch is None:
                await asyncio.sleep(FEEDBACK_POLL_SECONDS)
                continue
            delivery = self.peer.engine.send(
                self.link, encode_message(feedback_message(batch)), settled=False
            )
            if delivery is None:
                await self.peer.hub.c2d.settle_feedback(self.principal, batch.lock_token, False)
                return
            self._tokens[delivery] = batch.lock_token

    def settled(self, event: ev.DeliverySettled) -> None:
        token = self._tokens.pop(event.delivery_id, None)
        if token is not None:
            complete = isinstance(event.state, Accepted)
            self.peer.context.spawn(self._settle(token, complete))

    async def _settle(self, token: str, complete: bool) -> None:
        try:
            await self.peer.hub.c2d.settle_feedback(self.principal, token, complete)
        except HubError as error:
            log.info("feedback batch not settled: %s", error.message)

    def detached(self, link: Link) -> None:
        if self._task is not None:
            self._task.cancel()
        for token in self._tokens.values():
            self.peer.context.spawn(self._settle(token, False))
        self._tokens.clear()
