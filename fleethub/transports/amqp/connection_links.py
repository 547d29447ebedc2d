"""Links inside a connection: attach, flow, transfer, disposition, detach (OASIS AMQP 1.0
Part 2 §2.6-§2.7), and the calls the application answers with.

Link credit follows §2.6.7: ``credit = delivery-count(rcv) + link-credit(rcv) -
delivery-count(snd)``; session windows follow §2.5.6 and count transfer frames.
"""

from __future__ import annotations

from typing import Any

from fleethub.transports.amqp import events as ev
from fleethub.transports.amqp.links import RECEIVER, SENDER, SERIAL, Link, Session
from fleethub.transports.amqp.performatives import (
    Attach,
    Composite,
    Detach,
    Disposition,
    Error,
    Flow,
    Transfer,
)
from fleethub.transports.amqp.types import AmqpError

#: Largest message the server takes from a client (Azure caps C2D at 64 KiB; CBS tokens are
#: small); bigger deliveries detach the link with amqp:link:message-size-exceeded.
MAX_MESSAGE_SIZE = 1024 * 1024
HANDLE_MAX = 255
#: The incoming window the server opens per session, in transfer frames (§2.5.6).
INCOMING_WINDOW = 5000
_TRANSFER_OVERHEAD = 64


class ProtocolViolation(AmqpError):
    """The peer broke a rule; carries the AMQP error condition to close with."""

    def __init__(self, condition: str, description: str) -> None:
        super().__init__(description)
        self.error = Error(condition=condition, description=description)


class LinkFrames:
    """Mixed into Connection; relies on its `write`, `emit` and `remote_max_frame_size`."""

    remote_max_frame_size: int

    def write(self, channel: int, body: Composite | None, payload: bytes = b"") -> None:
        raise NotImplementedError

    def emit(self, event: ev.Event) -> None:
        raise NotImplementedError

    def violation(self, condition: str, description: str) -> ProtocolViolation:
        return ProtocolViolation(condition, description)

    # --- frames from the client ---------------------------------------------------------------

    def on_link_frame(self, session: Session, body: Any, payload: bytes) -> None:
        if isinstance(body, Attach):
            self._on_attach(session, body)
        elif isinstance(body, Transfer):
            self._on_transfer(session, body, payload)
        elif isinstance(body, Flow):
            self._on_flow(session, body)
        elif isinstance(body, Disposition):
            self._on_disposition(session, body)
        elif isinstance(body, Detach):
            self._on_detach(session, body)
        else:
            raise self.violation("amqp:not-allowed", f"unexpected {type(body).__name__}")

    def _link(self, session: Session, handle: int | None) -> Link:
        link = session.links.get(handle) if handle is not None else None
        if link is None:
            raise self.violation("amqp:session:unattached-handle", f"no link on handle {handle}")
        return link

    def _on_attach(self, session: Session, body: Attach) -> None:
        if body.handle > HANDLE_MAX or body.handle in session.links:
            raise self.violation("amqp:session:handle-in-use", f"handle {body.handle}")
        if body.name in session.names:
            raise self.violation("amqp:session:handle-in-use", "a link of that name is attached")
        # The client's role is the opposite of the server's (§2.8.1: false is sender).
        role = RECEIVER if body.role == SENDER else SENDER
        link = Link(session, body.name, body.handle, role, body)
        if role == RECEIVER:
            link.delivery_count = body.initial_delivery_count or 0
            link.max_message_size = min(body.max_message_size or MAX_MESSAGE_SIZE, MAX_MESSAGE_SIZE)
        session.links[body.handle] = link
        session.names[body.name] = link
        self.emit(ev.LinkAttached(link))

    def _on_transfer(self, session: Session, body: Transfer, payload: bytes) -> None:
        link = self._link(session, body.handle)
        if link.role != RECEIVER:
            raise self.violation("amqp:not-allowed", "a transfer on a link the client reads")
        session.next_incoming_id = (session.next_incoming_id + 1) % SERIAL
        session.remote_outgoing_window = max(0, session.remote_outgoing_window - 1)
        session.incoming_window -= 1
        if session.incoming_window < INCOMING_WINDOW // 2:
            session.incoming_window = INCOMING_WINDOW
            self._session_flow(session)
        if link.detached:
            return
        if link.partial is None:
            if body.delivery_id is None:
                raise self.violation("amqp:not-allowed", "the first transfer has no delivery-id")
            link.partial = bytearray()
            link.partial_id = body.delivery_id
            link.partial_tag = body.delivery_tag or b""
            link.partial_settled = bool(body.settled)
        link.partial += payload
        if body.aborted:
            link.partial = None
            return
        if len(link.partial) > link.max_message_size:
            link.partial = None
            self.detach(link, Error(condition="amqp:link:message-size-exceeded"))
            return
        if body.more:
            return
        message, link.partial = bytes(link.partial), None
        link.delivery_count = (link.delivery_count + 1) % SERIAL
        link.credit = max(0, link.credit - 1)
        if link.auto_credit and link.credit <= link.auto_credit // 2:
            self.grant(link, link.auto_credit)
        settled = link.partial_settled or bool(body.settled)
        self.emit(ev.MessageReceived(link, link.partial_id, link.partial_tag, settled, message))

    def _on_flow(self, session: Session, body: Flow) -> None:
        next_incoming = body.next_incoming_id if body.next_incoming_id is not None else 0
        session.remote_incoming_window = (
            next_incoming + body.incoming_window - session.next_outgoing_id
        )
        session.remote_outgoing_window = body.outgoing_window
        if body.handle is None:
            for link in session.sending_links():
                if link.can_send:
                    self.emit(ev.CreditGranted(link))
            return
        link = self._link(session, body.handle)
        if link.role == SENDER and body.link_credit is not None:
            receiver_count = body.delivery_count
            if receiver_count is None:
                receiver_count = 0
            link.credit = max(0, (receiver_count + body.link_credit - link.delivery_count) % SERIAL)
            link.drain = bool(body.drain)
            if link.can_send or link.drain:
                self.emit(ev.CreditGranted(link))
        if body.echo:
            self._link_flow(link)

    def _on_disposition(self, session: Session, body: Disposition) -> None:
        if body.role == SENDER:
            return  # the client settling its own deliveries (rcv-settle-mode second)
        last = body.last if body.last is not None else body.first
        if (last - body.first) % SERIAL > 10_000:
            raise self.violation("amqp:not-allowed", "a disposition range too wide")
        delivery = body.first
        while True:
            link = session.outgoing.get(delivery)
            if link is not None:
                if body.settled:
                    del session.outgoing[delivery]
                self.emit(ev.DeliverySettled(link, delivery, body.state, bool(body.settled)))
            if delivery == last:
                break
            delivery = (delivery + 1) % SERIAL

    def _on_detach(self, session: Session, body: Detach) -> None:
        link = self._link(session, body.handle)
        if not link.detached:
            self.write(session.channel, Detach(handle=link.handle, closed=body.closed))
        self.forget_link(link, body.error)

    def forget_link(self, link: Link, error: Error | None) -> None:
        session = link.session
        if session.links.get(link.handle) is link:
            del session.links[link.handle]
            session.names.pop(link.name, None)
        for delivery, owner in list(session.outgoing.items()):
            if owner is link:
                del session.outgoing[delivery]
        link.detached = True
        self.emit(ev.LinkDetached(link, error))

    # --- the application's answers ------------------------------------------------------------

    def accept(self, link: Link, *, credit: int = 0, **fields: Any) -> None:
        """Answer an attach (§2.6.3); `fields` override what is echoed, e.g. settle modes."""
        body = link.attach
        reply: dict[str, Any] = {
            "name": body.name,
            "handle": link.handle,
            "role": link.role,
            "snd_settle_mode": body.snd_settle_mode,
            "rcv_settle_mode": body.rcv_settle_mode,
            "source": body.source,
            "target": body.target,
            "initial_delivery_count": 0 if link.role == SENDER else None,
            "max_message_size": link.max_message_size or None,
        }
        reply.update(fields)
        self.write(link.session.channel, Attach(**reply))
        link.attached = True
        if credit:
            link.auto_credit = credit
            self.grant(link, credit)

    def refuse(self, link: Link, error: Error) -> None:
        """§2.6.3: attach with no terminus, then detach at once with the reason."""
        if link.role == SENDER:
            self.accept(link, source=None)
        else:
            self.accept(link, target=None)
        self.detach(link, error)

    def grant(self, link: Link, credit: int) -> None:
        link.credit = credit
        self._link_flow(link)

    def _link_flow(self, link: Link) -> None:
        session = link.session
        self.write(
            session.channel,
            Flow(
                next_incoming_id=session.next_incoming_id,
                incoming_window=max(session.incoming_window, 0),
                next_outgoing_id=session.next_outgoing_id,
                outgoing_window=0xFFFF_FFFF,
                handle=link.handle,
                delivery_count=link.delivery_count,
                link_credit=link.credit,
                drain=link.drain or None,
            ),
        )

    def _session_flow(self, session: Session) -> None:
        self.write(
            session.channel,
            Flow(
                next_incoming_id=session.next_incoming_id,
                incoming_window=session.incoming_window,
                next_outgoing_id=session.next_outgoing_id,
                outgoing_window=0xFFFF_FFFF,
            ),
        )

    def send(self, link: Link, payload: bytes, *, settled: bool) -> int | None:
        """Send one message on a link where the server sends; None without credit or window."""
        if not link.can_send:
            return None
        session = link.session
        delivery_id = session.next_outgoing_id
        tag = delivery_id.to_bytes(4, "big")
        room = max(self.remote_max_frame_size - 8 - _TRANSFER_OVERHEAD, 256)
        view = memoryview(payload)
        first = True
        while first or view:
            chunk, view = view[:room], view[room:]
            body = Transfer(
                handle=link.handle,
                delivery_id=delivery_id if first else None,
                delivery_tag=tag if first else None,
                message_format=0 if first else None,
                settled=settled if first else None,
                more=True if view else None,
            )
            self.write(session.channel, body, bytes(chunk))
            session.next_outgoing_id = (session.next_outgoing_id + 1) % SERIAL
            session.remote_incoming_window -= 1
            first = False
        link.delivery_count = (link.delivery_count + 1) % SERIAL
        link.credit -= 1
        if not settled:
            session.outgoing[delivery_id] = link
        return delivery_id

    def drained(self, link: Link) -> None:
        """Answer a drain request (§2.6.7) once everything available was sent."""
        if link.drain and not link.detached:
            link.delivery_count = (link.delivery_count + link.credit) % SERIAL
            link.credit = 0
            self._link_flow(link)
            link.drain = False

    def settle(self, link: Link, delivery_id: int, state: Composite) -> None:
        """Settle a delivery the client sent, with its outcome (§2.7.6, §3.4)."""
        if link.detached:
            return
        self.write(
            link.session.channel,
            Disposition(role=RECEIVER, first=delivery_id, settled=True, state=state),
        )

    def detach(self, link: Link, error: Error | None = None) -> None:
        if link.detached or link.session.ended:
            return
        self.write(link.session.channel, Detach(handle=link.handle, closed=True, error=error))
        link.detached = True
