"""MQTT 3.1.1 codec on a stream: the incremental Decoder, property tests with hypothesis, and
bytes produced by paho-mqtt 1.6.1 (the device SDK's MQTT client) decoding as intended."""

from __future__ import annotations

from typing import Any

import paho.mqtt.client as paho
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleethub.transports.mqtt.codec import (
    Decoder,
    PacketTooLarge,
    ProtocolError,
    decode,
    encode,
    encode_publish,
)
from fleethub.transports.mqtt.packets import (
    Connack,
    Connect,
    Disconnect,
    Packet,
    Pingreq,
    Pingresp,
    Puback,
    Pubcomp,
    Publish,
    Pubrec,
    Pubrel,
    Suback,
    Subscribe,
    Unsuback,
    Unsubscribe,
)

LIMIT = 1 << 20
BOUNDED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

STREAM: list[Packet] = [
    Connect("dev1", 60, False, "hub/dev1/?api-version=2019-10-01", b"SharedAccessSignature sr=x"),
    Subscribe(1, (("devices/dev1/messages/devicebound/#", 1),)),
    Publish("devices/dev1/messages/events/", b'{"t": 21.5}', 1, False, False, 2),
    Publish("devices/dev1/messages/events/", b"x" * 300, 1, False, False, 3),
    Puback(7),
    Pubrel(8),
    Unsubscribe(4, ("$iothub/methods/POST/#",)),
    Pingreq(),
    Disconnect(),
]


def _stream() -> bytes:
    return b"".join(encode(p) for p in STREAM)


# --- Decoder ---------------------------------------------------------------------------------


def test_decoder_fed_byte_by_byte_yields_every_packet_once() -> None:
    """§4.2: the network connection is an ordered byte stream, cut anywhere by the transport."""
    decoder = Decoder(LIMIT)
    out: list[Packet] = []
    for i, byte in enumerate(_stream()):
        out += decoder.feed(bytes((byte,)) if i % 2 else bytearray((byte,)))
    assert out == STREAM
    assert decoder.buffered == 0


def test_decoder_fed_everything_at_once() -> None:
    """Several packets in one read come out in order; nothing is held back."""
    decoder = Decoder(LIMIT)
    assert decoder.feed(_stream()) == STREAM
    assert decoder.buffered == 0


def test_decoder_holds_an_incomplete_tail() -> None:
    """A packet cut after its header is held until its remaining length has arrived."""
    decoder = Decoder(LIMIT)
    data = _stream()
    assert decoder.feed(data[:-1]) == STREAM[:-1]
    assert decoder.buffered == 1
    assert decoder.feed(data[-1:]) == [Disconnect()]
    assert decoder.buffered == 0


def test_decoder_joins_a_large_publish_sent_in_many_reads() -> None:
    """A 256 KiB body (IoT Hub's D2C limit) arriving in 1 KiB reads decodes once, whole."""
    packet = Publish("devices/d/messages/events/", bytes(range(256)) * 1024, 1, False, False, 9)
    data = encode(packet) + encode(Pingreq())
    decoder = Decoder()
    out: list[Packet] = []
    for start in range(0, len(data), 1024):
        out += decoder.feed(memoryview(data)[start : start + 1024])
    assert out == [packet, Pingreq()]


def test_decoder_refuses_a_packet_over_its_limit_before_it_arrives() -> None:
    """The size check needs only the fixed header, so a huge packet is never buffered."""
    decoder = Decoder(max_packet_size=1000)
    header = encode(Publish("t", b"x" * 5000))[:4]
    with pytest.raises(PacketTooLarge):
        decoder.feed(header)
    decoder = Decoder(max_packet_size=1000)
    assert decoder.feed(header[:1]) == []
    with pytest.raises(PacketTooLarge):
        decoder.feed(header[1:])


def test_decoder_rejects_garbage_after_valid_packets() -> None:
    """[MQTT-4.8.0-1] a malformed packet ends the connection: feed() raises."""
    decoder = Decoder(LIMIT)
    with pytest.raises(ProtocolError):
        decoder.feed(encode(Pingreq()) + b"\x00\x00")


# --- hypothesis ------------------------------------------------------------------------------

# MQTT strings: any Unicode scalar except U+0000 (surrogates cannot be UTF-8).
text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
topic_names = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00+#"),
    min_size=1,
    max_size=40,
)
filters = text.filter(bool)
ids = st.integers(1, 0xFFFF)
payloads = st.binary(max_size=300)  # crosses the 1- to 2-byte remaining length boundary
qos = st.integers(0, 2)


@st.composite
def connects(draw: Any) -> Connect:
    username = draw(st.none() | text)
    will = draw(st.booleans())
    return Connect(
        client_id=draw(text),
        keep_alive=draw(st.integers(0, 0xFFFF)),
        clean_session=draw(st.booleans()),
        username=username,
        password=None if username is None else draw(st.none() | st.binary(max_size=50)),
        will_topic=draw(topic_names) if will else None,
        will_message=draw(st.binary(max_size=50)) if will else None,
        will_qos=draw(qos) if will else 0,
        will_retain=draw(st.booleans()) if will else False,
    )


@st.composite
def publishes(draw: Any) -> Publish:
    level = draw(qos)
    return Publish(
        topic=draw(topic_names),
        payload=draw(payloads),
        qos=level,
        retain=draw(st.booleans()),
        dup=draw(st.booleans()) if level else False,
        packet_id=draw(ids) if level else None,
    )


packets = st.one_of(
    connects(),
    st.builds(Connack, st.just(True), st.just(0)),
    st.builds(Connack, st.just(False), st.integers(0, 5)),
    publishes(),
    st.builds(Puback, ids),
    st.builds(Pubrec, ids),
    st.builds(Pubrel, ids),
    st.builds(Pubcomp, ids),
    st.builds(Subscribe, ids, st.lists(st.tuples(filters, qos), min_size=1, max_size=5).map(tuple)),
    st.builds(
        Suback, ids, st.lists(st.sampled_from([0, 1, 2, 0x80]), min_size=1, max_size=5).map(tuple)
    ),
    st.builds(Unsubscribe, ids, st.lists(filters, min_size=1, max_size=5).map(tuple)),
    st.builds(Unsuback, ids),
    st.just(Pingreq()),
    st.just(Pingresp()),
    st.just(Disconnect()),
)


@BOUNDED
@given(packets)
def test_every_packet_round_trips(packet: Packet) -> None:
    """decode(encode(p)) == p for every valid packet of all 14 types."""
    data = encode(packet)
    assert decode(data, LIMIT) == (packet, len(data))


@BOUNDED
@given(st.lists(packets, max_size=8), st.lists(st.integers(1, 64), min_size=1))
def test_stream_cut_anywhere_decodes_the_same(stream: list[Packet], cuts: list[int]) -> None:
    """However the transport splits the bytes, the Decoder yields the same packets."""
    data = b"".join(encode(p) for p in stream)
    decoder = Decoder(LIMIT)
    out: list[Packet] = []
    pos = i = 0
    while pos < len(data):
        step = cuts[i % len(cuts)]
        out += decoder.feed(data[pos : pos + step])
        pos += step
        i += 1
    assert out == stream
    assert decoder.buffered == 0


@BOUNDED
@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_protocol_errors(data: bytes) -> None:
    """Whatever a peer sends, the decoder answers with packets, 'need more' or ProtocolError."""
    try:
        packet, used = decode(data, 150)
    except ProtocolError:
        return
    assert (packet is None) == (used == 0)
    assert used <= len(data)


@BOUNDED
@given(packets, st.data())
def test_corrupted_packets_raise_only_protocol_errors(packet: Packet, data: st.DataObject) -> None:
    """Flipping bytes of a valid packet reaches the deeper field checks; still ProtocolError."""
    raw = bytearray(encode(packet))
    for _ in range(data.draw(st.integers(1, 3))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    decoder = Decoder(LIMIT)
    try:
        decoder.feed(bytes(raw))
        decode(raw, LIMIT)
    except ProtocolError:
        pass


# --- paho-mqtt 1.6.1 interop -----------------------------------------------------------------


class _NoSocket:
    """Stands in for paho's socket: paho refuses to queue a PUBLISH without one, and closes
    it on garbage collection. Nothing is ever written to it."""

    def close(self) -> None:
        pass


def _paho_client(**kwargs: Any) -> tuple[Any, list[bytes]]:
    """A paho Client whose outgoing packets are captured instead of written to a socket."""
    sent: list[bytes] = []
    client = paho.Client(protocol=paho.MQTTv311, **kwargs)
    client._sock = _NoSocket()
    client._packet_queue = lambda command, packet, mid, qos, info=None: sent.append(bytes(packet))
    return client, sent


def test_paho_connect_decodes_as_the_sdk_sends_it() -> None:
    """Wire spec §2.3: level 4, CleanSession=0, user name and SAS password; plus a will."""
    client, sent = _paho_client(client_id="dev1", clean_session=False)
    client.username_pw_set("localhost/dev1/?api-version=2019-10-01", "SharedAccessSignature sr=x")
    client.will_set("devices/dev1/messages/events/", b"gone", qos=1, retain=True)
    client._send_connect(60)
    assert decode(sent[0], LIMIT) == (
        Connect(
            "dev1",
            60,
            False,
            "localhost/dev1/?api-version=2019-10-01",
            b"SharedAccessSignature sr=x",
            will_topic="devices/dev1/messages/events/",
            will_message=b"gone",
            will_qos=1,
            will_retain=True,
        ),
        len(sent[0]),
    )


def test_paho_publish_subscribe_and_acks_decode() -> None:
    """Wire spec §2.5: the SDK publishes and subscribes at QoS 1 and acknowledges C2D."""
    client, sent = _paho_client(client_id="dev1")
    topic = "devices/dev1/messages/events/%24.mid=m1&a=b"
    client._send_publish(5, topic.encode(), b"\x00\x01", 1, False, True)
    client._send_publish(0, b"a/b", b"x" * 200, 0, True, False)
    client._send_subscribe(False, [(b"$iothub/twin/res/#", 1), (b"$iothub/methods/POST/#", 1)])
    client._send_unsubscribe(False, [b"$iothub/twin/res/#"])
    client._send_puback(6)
    client._send_pingreq()
    client._send_disconnect()
    decoded = Decoder(LIMIT).feed(b"".join(sent))
    assert isinstance(decoded[2], Subscribe)
    sub_id = decoded[2].packet_id
    assert decoded == [
        Publish(topic, b"\x00\x01", 1, False, True, 5),
        Publish("a/b", b"x" * 200, 0, True, False, None),
        Subscribe(sub_id, (("$iothub/twin/res/#", 1), ("$iothub/methods/POST/#", 1))),
        Unsubscribe(sub_id + 1, ("$iothub/twin/res/#",)),
        Puback(6),
        Pingreq(),
        Disconnect(),
    ]


def test_our_publish_is_what_paho_would_send() -> None:
    """§3.3: encode_publish() and paho produce identical PUBLISH bytes."""
    client, sent = _paho_client(client_id="x")
    client._send_publish(300, b"devices/d/messages/devicebound/k=v", b"body", 1, False, False)
    assert encode_publish("devices/d/messages/devicebound/k=v", b"body", 1, 300) == sent[0]
    assert encode(Connack(True, 0)) == bytes.fromhex("20020100")
