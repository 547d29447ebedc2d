"""AMQP framing, performatives and message sections (OASIS AMQP 1.0 Part 2 §2.3, Part 3 §3.2)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleethub.transports.amqp.codec import encode
from fleethub.transports.amqp.frames import (
    AMQP_HEADER,
    SASL_FRAME,
    SASL_HEADER,
    Decoder,
    Frame,
    ProtocolHeader,
    encode_frame,
)
from fleethub.transports.amqp.message import (
    AmqpMessage,
    Header,
    Properties,
    decode_message,
    encode_message,
)
from fleethub.transports.amqp.performatives import (
    Accepted,
    Attach,
    Begin,
    Close,
    Detach,
    Disposition,
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
from fleethub.transports.amqp.types import DecodeError, Described, Symbol, Timestamp, UInt, ULong


def test_an_empty_frame_is_eight_bytes_with_doff_two() -> None:
    """§2.3.1: size 8, data offset 2 (words), type 0, channel 0: a heartbeat."""
    assert encode_frame(0, None) == b"\x00\x00\x00\x08\x02\x00\x00\x00"
    assert Decoder(512).feed(b"\x00\x00\x00\x08\x02\x00\x00\x00") == [Frame(0, 0, None)]


def test_sasl_outcome_frame_bytes() -> None:
    """§5.3.3.6: sasl-outcome(code=ok) on a SASL frame (type 1), every field written."""
    wire = encode_frame(0, SaslOutcome(code=0), frame_type=SASL_FRAME)
    assert wire == b"\x00\x00\x00\x11\x02\x01\x00\x00\x00\x53\x44\xc0\x04\x02\x50\x00\x40"


def test_open_frame_bytes_match_the_spec_layout() -> None:
    """§2.7.1: open is described list 0x10; all ten fields are written (pyamqp reads by index)."""
    wire = encode_frame(3, Open(container_id="c", max_frame_size=65536))
    body = b"\x00\x53\x10\xc0\x11\x0a\xa1\x01c\x40\x70\x00\x01\x00\x00" + b"\x40" * 7
    assert wire == len(body + b"12345678").to_bytes(4, "big") + b"\x02\x00\x00\x03" + body


def test_transfer_always_has_eleven_fields_before_its_payload() -> None:
    """pyamqp takes a transfer's payload from field index 11: never trim trailing nulls."""
    wire = encode_frame(0, Transfer(handle=1), b"payload")
    assert wire[8:13] == b"\x00\x53\x14\xc0\x0d"
    assert wire[13] == 11
    assert wire.endswith(b"payload")


def test_decoder_handles_headers_and_frames_split_anywhere() -> None:
    """A protocol header may follow a frame in the same read (sasl-init + AMQP header)."""
    begin = Begin(next_outgoing_id=0, incoming_window=1, outgoing_window=1)
    sasl_init = encode_frame(0, SaslInit(mechanism="MSSBCBS"), frame_type=SASL_FRAME)
    stream = SASL_HEADER + sasl_init + AMQP_HEADER + encode_frame(0, begin)
    for cut in range(len(stream) + 1):
        decoder = Decoder(65536)
        items = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:])
        assert [type(i) for i in items] == [ProtocolHeader, Frame, ProtocolHeader, Frame]
        assert decoder.buffered == 0
    assert items[0] == ProtocolHeader(3, (1, 0, 0))
    assert isinstance(items[1], Frame)
    assert items[1].body == SaslInit(mechanism="MSSBCBS")


@pytest.mark.parametrize(
    ("wire", "rule"),
    [
        (b"\x00\x00\x00\x04\x02\x00\x00\x00", "shorter than its header"),
        (b"\x00\x10\x00\x00\x02\x00\x00\x00", "exceeds max-frame-size"),
        (b"\x00\x00\x00\x08\x01\x00\x00\x00", "data offset"),
        (b"\x00\x00\x00\x08\x02\x07\x00\x00", "unknown frame type"),
        (b"\x00\x00\x00\x10\x02\x00\x00\x00\x00\x53\x44\xc0\x03\x01\x50\x00", "not carry"),
        (b"\x00\x00\x00\x0a\x02\x00\x00\x00\x00\x53", "past the end"),
        (b"\x00\x00\x00\x0c\x02\x00\x00\x00\x00\x53\x10\x45", "mandatory field container_id"),
    ],
)
def test_malformed_frames_raise_decode_error_naming_the_rule(wire: bytes, rule: str) -> None:
    with pytest.raises(DecodeError, match=rule):
        Decoder(65536).feed(wire)


PERFORMATIVES = [
    Open(container_id="c", hostname="h", max_frame_size=65536, channel_max=255, idle_time_out=0),
    Begin(remote_channel=1, next_outgoing_id=0, incoming_window=10, outgoing_window=10),
    Attach(
        name="l",
        handle=0,
        role=True,
        snd_settle_mode=0,
        rcv_settle_mode=1,
        source=Source(
            address="$cbs",
            filter={
                Symbol("apache.org:selector-filter:string"): Described(
                    Symbol("apache.org:selector-filter:string"), "x > '1'"
                )
            },
        ),
        target=Target(address="amqps://h/messages/devicebound"),
        initial_delivery_count=0,
        max_message_size=1 << 20,
        desired_capabilities=("com.microsoft:enable-receiver-runtime-metric",),
        properties={Symbol("com.microsoft:epoch"): 0},
    ),
    Flow(incoming_window=5, next_outgoing_id=0, outgoing_window=5, handle=0, link_credit=300),
    Transfer(handle=0, delivery_id=7, delivery_tag=b"\x00", message_format=0, settled=True),
    Disposition(role=True, first=1, last=3, settled=True, state=Accepted()),
    Detach(handle=0, closed=True, error=Error(condition="amqp:not-found", description="x")),
    Close(error=None),
    SaslMechanisms(sasl_server_mechanisms=("MSSBCBS", "ANONYMOUS")),
]


@pytest.mark.parametrize("body", PERFORMATIVES, ids=lambda b: type(b).__name__)
def test_performatives_round_trip_through_frames(body: object) -> None:
    frame_type = SASL_FRAME if isinstance(body, SaslMechanisms) else 0
    wire = encode_frame(2, body, frame_type=frame_type)  # type: ignore[arg-type]
    [frame] = Decoder(65536).feed(wire)
    assert isinstance(frame, Frame)
    assert frame.channel == 2
    assert frame.body == body


def test_a_message_with_every_section_round_trips() -> None:
    """§3.2: header, annotations, properties, application properties, data, footer."""
    message = AmqpMessage(
        header=Header(durable=True, ttl=5000),
        delivery_annotations={Symbol("x-opt-lock-token"): "t"},
        message_annotations={Symbol("x-opt-sequence-number"): 5},
        properties=Properties(
            message_id="m1",
            to="/devices/d1/messages/devicebound",
            correlation_id=ULong(3),
            content_type="application/json",
            absolute_expiry_time=Timestamp(1_700_000_000_000),
        ),
        application_properties={"color": "blue"},
        data=[b"one", b"two"],
        footer={Symbol("f"): None},
    )
    decoded = decode_message(encode_message(message))
    assert decoded == message
    assert decoded.body == b"onetwo"


def test_an_amqp_value_body_round_trips() -> None:
    message = AmqpMessage(properties=Properties(message_id=UInt(0)), value="token", has_value=True)
    assert decode_message(encode_message(message)) == message


@pytest.mark.parametrize(
    "wire",
    [
        encode("not described"),
        encode(Described(ULong(0x99), [])),
        encode(Described(ULong(0x74), 5)),
    ],
)
def test_unknown_or_malformed_sections_raise_decode_error(wire: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_message(wire)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_frame_bytes_decode_or_raise_decode_error_only(wire: bytes) -> None:
    try:
        Decoder(4096).feed(wire)
        decode_message(wire)
    except DecodeError:
        pass
