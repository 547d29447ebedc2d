"""Request/response nodes over AMQP (`$cbs`, `$management`): the AMQP Management draft shape.

The client attaches a sender link (requests) and a receiver link (responses) to one address.
A response carries ``correlation-id = request message-id`` and the application properties
``status-code`` (int) and ``status-description``; the body is an amqp-value.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from fleethub.transports.amqp import events as ev
from fleethub.transports.amqp.links import Link
from fleethub.transports.amqp.message import AmqpMessage, Properties, decode_message
from fleethub.transports.amqp.performatives import Accepted, Error, Rejected
from fleethub.transports.amqp.types import AmqpError, Int

if TYPE_CHECKING:
    from fleethub.transports.amqp.peer import Peer

log = logging.getLogger(__name__)

REQUEST_CREDIT = 100


class NoOpNode:
    """A node that ignores everything (the response side of a request/response pair)."""

    def message(self, event: ev.MessageReceived) -> None:
        return None

    def credit(self, link: Link) -> None:
        return None

    def settled(self, event: ev.DeliverySettled) -> None:
        return None

    def detached(self, link: Link) -> None:
        return None


def response(request: AmqpMessage, status: int, description: str, value: Any = None) -> AmqpMessage:
    message_id = request.properties.message_id if request.properties else None
    return AmqpMessage(
        properties=Properties(correlation_id=message_id),
        application_properties={"status-code": Int(status), "status-description": description},
        value=value,
        has_value=value is not None,
    )


class RequestNode(NoOpNode):
    """Decodes each request, settles it, and sends what `answer` returns to the reply link."""

    address = ""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer

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
        reply = self.answer(request)
        if reply is not None:
            self.peer.reply(event.link.session, self.address, reply)

    def answer(self, request: AmqpMessage) -> AmqpMessage | None:
        raise NotImplementedError


def app_property(message: AmqpMessage, name: str) -> str | None:
    """An application property as text (pyamqp and uamqp send str; some clients bytes)."""
    value = (message.application_properties or {}).get(name)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None
