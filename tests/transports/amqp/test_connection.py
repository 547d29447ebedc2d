"""The server connection engine, driven byte by byte like a client would (OASIS AMQP 1.0
Part 2 §2.4-§2.7, Part 5 §5.3). No sockets: bytes in, events and bytes out."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleethub.transports.amqp import events as ev
from fleethub.transports.amqp.connection import MAX_FRAME_SIZE, MECHANISMS, Connection
from fleethub.transports.amqp.frames import (
    AMQP_HEADER,
    SASL_FRAME,
    SASL_HEADER,
    Decoder,
    Frame,
    ProtocolHeader,
    encode_frame,
)
from fleethub.transports.amqp.performatives import (
    Accepted,
    Attach,
    Begin,
    Close,
    Detach,
    Disposition,
    End,
    Error,
    Flow,
    Open,
    SaslInit,
    SaslMechanisms,
    SaslOutcome,
    Source,
    Target,
    Transfer,
)


class Client:
    """A scripted client: sends frames, reads back what the server wrote."""

    def __init__(self) -> None:
        self.server = Connection("server-1")
        self.decoder = Decoder(1 << 24)
        self.events: list[ev.Event] = []

    def send(self, data: bytes) -> list[ProtocolHeader | Frame]:
        self.events += self.server.receive(data)
        return self.decoder.feed(self.server.take_output())

    def frame(self, body: Any, channel: int = 0, payload: bytes = b"") -> list[Any]:
        return [f.body for f in self.send(encode_frame(channel, body, payload))]  # type: ignore[union-attr]

    def handshake(self, mechanism: str = "MSSBCBS") -> None:
        self.send(SASL_HEADER)
        self.send(encode_frame(0, SaslInit(mechanism=mechanism), frame_type=SASL_FRAME))
        self.send(AMQP_HEADER)
        self.frame(Open(container_id="client", max_frame_size=512))
        self.frame(Begin(next_outgoing_id=0, incoming_window=100, outgoing_window=100))
        self.events.clear()

    def attach(self, handle: int, client_role: bool, address: str) -> Any:
        """client_role False: the client sends on the link (a sender); True: it receives."""
        terminus = {"target": Target(address=address)} if not client_role else {}
        terminus |= {"source": Source(address=address)} if client_role else {}
        self.frame(Attach(name=f"link-{handle}", handle=handle, role=client_role, **terminus))
        event = self.events.pop()
        assert isinstance(event, ev.LinkAttached)
        return event.link


def test_sasl_offers_mssbcbs_and_anonymous_then_accepts_mssbcbs() -> None:
    """§5.3.2: header, sasl-mechanisms; uamqp asks for MSSBCBS (wire spec §7)."""
    client = Client()
    items = client.send(SASL_HEADER)
    assert items[0] == ProtocolHeader(3, (1, 0, 0))
    assert isinstance(items[1], Frame)
    assert items[1].type == SASL_FRAME
    assert items[1].body == SaslMechanisms(sasl_server_mechanisms=MECHANISMS)
    [outcome] = client.send(encode_frame(0, SaslInit(mechanism="MSSBCBS"), frame_type=SASL_FRAME))
    assert isinstance(outcome, Frame)
    assert outcome.body == SaslOutcome(code=0)
    assert client.send(AMQP_HEADER) == [ProtocolHeader(0, (1, 0, 0))]


def test_an_unoffered_sasl_mechanism_fails_with_code_auth_and_closes() -> None:
    client = Client()
    client.send(SASL_HEADER)
    [outcome] = client.send(encode_frame(0, SaslInit(mechanism="PLAIN"), frame_type=SASL_FRAME))
    assert isinstance(outcome, Frame)
    assert outcome.body == SaslOutcome(code=1)
    assert client.server.closed


def test_a_client_skipping_sasl_gets_the_sasl_header_and_is_closed() -> None:
    """§2.2: answer with the protocol header the server does support, then close."""
    client = Client()
    assert client.send(AMQP_HEADER) == [ProtocolHeader(3, (1, 0, 0))]
    assert client.server.closed


def test_open_and_begin_are_answered() -> None:
    client = Client()
    client.send(SASL_HEADER)
    client.send(encode_frame(0, SaslInit(mechanism="ANONYMOUS"), frame_type=SASL_FRAME))
    client.send(AMQP_HEADER)
    [opened] = client.frame(Open(container_id="client", hostname="localhost"))
    assert isinstance(opened, Open)
    assert opened.max_frame_size == MAX_FRAME_SIZE
    assert client.events == [ev.Opened("localhost", "client")]
    [begun] = client.frame(Begin(next_outgoing_id=0, incoming_window=5, outgoing_window=5), 3)
    assert isinstance(begun, Begin)
    assert begun.remote_channel == 3


def test_a_client_sender_link_gets_credit_and_delivers_a_multi_frame_message() -> None:
    """§2.6.7 credit via flow; §2.6.14 a delivery split over transfers with more=true."""
    client = Client()
    client.handshake()
    link = client.attach(0, False, "amqps://h/messages/devicebound")
    client.server.accept(link, credit=10, rcv_settle_mode=0)
    attach, flow = client.decoder.feed(client.server.take_output())
    assert isinstance(attach, Frame)
    assert attach.body.role is True
    assert isinstance(flow, Frame)
    assert flow.body.link_credit == 10
    client.frame(Transfer(handle=0, delivery_id=0, delivery_tag=b"t", more=True), 0, b"hel")
    client.frame(Transfer(handle=0, more=False), 0, b"lo")
    [received] = client.events
    assert isinstance(received, ev.MessageReceived)
    assert received.payload == b"hello"
    assert received.delivery_id == 0
    assert not received.settled
    client.server.settle(link, 0, Accepted())
    [disposition] = client.decoder.feed(client.server.take_output())
    assert disposition.body == Disposition(  # type: ignore[union-attr]
        role=True, first=0, settled=True, state=Accepted()
    )


def test_the_server_sends_only_with_credit_and_splits_by_the_peer_frame_size() -> None:
    client = Client()
    client.handshake()
    link = client.attach(1, True, "$cbs")
    client.server.accept(link)
    client.server.take_output()
    assert client.server.send(link, b"x", settled=True) is None  # no credit yet
    client.frame(Flow(incoming_window=100, next_outgoing_id=0, outgoing_window=100, handle=1,
                      delivery_count=0, link_credit=1))  # fmt: skip
    assert client.events == [ev.CreditGranted(link)]
    assert client.server.send(link, b"y" * 1000, settled=True) == 0
    frames = client.decoder.feed(client.server.take_output())
    assert len(frames) == 3  # 512-byte frames
    assert all(len(encode_frame(0, f.body, f.payload)) <= 512 for f in frames)  # type: ignore[union-attr]
    assert b"".join(f.payload for f in frames) == b"y" * 1000  # type: ignore[union-attr]
    assert client.server.send(link, b"z", settled=True) is None  # credit used up


def test_a_disposition_from_the_client_settles_what_the_server_sent() -> None:
    client = Client()
    client.handshake()
    link = client.attach(1, True, "feedback")
    client.server.accept(link)
    client.frame(Flow(incoming_window=100, next_outgoing_id=0, outgoing_window=100, handle=1,
                      delivery_count=0, link_credit=5))  # fmt: skip
    client.events.clear()
    delivery = client.server.send(link, b"batch", settled=False)
    client.frame(Disposition(role=True, first=0, settled=True, state=Accepted()))
    assert client.events == [ev.DeliverySettled(link, delivery, Accepted(), True)]  # type: ignore[arg-type]


def test_detach_and_end_release_links() -> None:
    client = Client()
    client.handshake()
    first = client.attach(0, False, "a")
    second = client.attach(1, False, "b")
    [reply] = client.frame(Detach(handle=0, closed=True))
    assert reply == Detach(handle=0, closed=True)
    assert client.events == [ev.LinkDetached(first, None)]
    client.events.clear()
    [ended] = client.frame(End())
    assert ended == End()
    assert client.events == [ev.LinkDetached(second, None)]


def test_close_is_answered_and_ends_the_connection() -> None:
    client = Client()
    client.handshake()
    assert client.frame(Close()) == [Close()]
    assert client.server.closed
    assert client.events[-1] == ev.Closed(None)


@pytest.mark.parametrize(
    ("body", "condition"),
    [
        (Transfer(handle=9, delivery_id=0), "amqp:session:unattached-handle"),
        (Attach(name="x", handle=999, role=False), "amqp:session:handle-in-use"),
        (Begin(remote_channel=0, next_outgoing_id=0, incoming_window=1, outgoing_window=1),
         "amqp:not-allowed"),
        (Open(container_id="again"), "amqp:not-allowed"),
    ],
)  # fmt: skip
def test_protocol_violations_close_the_connection_with_an_error(body: Any, condition: str) -> None:
    client = Client()
    client.handshake()
    replies = client.frame(body)
    assert isinstance(replies[-1], Close)
    assert replies[-1].error.condition == condition
    assert client.server.closed


def test_garbage_after_the_handshake_closes_with_decode_error() -> None:
    client = Client()
    client.handshake()
    [close] = [f.body for f in client.send(b"\x00\x00\x00\x0c\x02\x00\x00\x00\xff\xff\xff\xff")]  # type: ignore[union-attr]
    assert isinstance(close, Close)
    assert close.error == Error(
        condition="amqp:decode-error", description="unknown format code 0xff (§1.6)"
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=8))
def test_no_byte_sequence_makes_the_engine_raise(chunks: list[bytes]) -> None:
    """A misbehaving client is disconnected; nothing ever raises into the socket code."""
    client = Client()
    client.handshake()
    for chunk in chunks:
        client.server.receive(chunk)
        client.server.take_output()
