"""MQTT 3.1.1 codec: byte vectors written by hand from the OASIS spec, round trips, and every
malformed case the decoder must refuse. Each docstring names the rule it checks."""

from __future__ import annotations

import pytest

from fleethub.transports.mqtt.codec import (
    MalformedPacket,
    PacketTooLarge,
    ProtocolError,
    UnsupportedProtocolLevel,
    decode,
    encode,
    encode_puback,
    encode_publish,
    frame_end,
    remaining_length,
)
from fleethub.transports.mqtt.packets import (
    Connack,
    ConnackCode,
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
MAX_ANY = 268_435_455 + 5  # no limit beyond the protocol's own

# (packet, its bytes), each worked out by hand from the figures of MQTT 3.1.1 §3.
VECTORS: list[tuple[Packet, bytes]] = [
    (
        # §3.1: "MQTT" level 4, flags 0xC0 (user name, password; CleanSession=0, as the SDK).
        Connect("dev1", 60, False, "u", b"p"),
        bytes.fromhex("1016 00044d515454 04 c0 003c 000464657631 000175 000170"),
    ),
    (
        # Will flag 0x04, will QoS 1 (0x08), will retain 0x20, clean session 0x02.
        Connect("c", 10, True, will_topic="w", will_message=b"bye", will_qos=1, will_retain=True),
        bytes.fromhex("1015 00044d515454 04 2e 000a 000163 000177 0003627965"),
    ),
    (Connack(False, ConnackCode.ACCEPTED), bytes.fromhex("20020000")),
    (Connack(True, 0), bytes.fromhex("20020100")),
    (Connack(False, ConnackCode.NOT_AUTHORIZED), bytes.fromhex("20020005")),
    (Publish("a/b", b"hi"), bytes.fromhex("3007 0003612f62 6869")),
    (Publish("a/b", b"hi", 1, True, False, 10), bytes.fromhex("3309 0003612f62 000a 6869")),
    (Publish("a/b", b"", 2, False, True, 0xFFFF), bytes.fromhex("3c07 0003612f62 ffff")),
    (Puback(10), bytes.fromhex("4002000a")),
    (Pubrec(10), bytes.fromhex("5002000a")),
    (Pubrel(10), bytes.fromhex("6202000a")),
    (Pubcomp(10), bytes.fromhex("7002000a")),
    (Subscribe(1, (("a/#", 1),)), bytes.fromhex("8208 0001 0003612f23 01")),
    (Subscribe(2, (("x", 0), ("y", 2))), bytes.fromhex("820a 0002 000178 00 000179 02")),
    (Suback(1, (1, 0x80)), bytes.fromhex("9004 0001 0180")),
    (Unsubscribe(1, ("a/#",)), bytes.fromhex("a207 0001 0003612f23")),
    (Unsuback(1), bytes.fromhex("b0020001")),
    (Pingreq(), bytes.fromhex("c000")),
    (Pingresp(), bytes.fromhex("d000")),
    (Disconnect(), bytes.fromhex("e000")),
]


@pytest.mark.parametrize(("packet", "data"), VECTORS, ids=lambda v: type(v).__name__)
def test_encode_matches_the_hand_written_bytes(packet: Packet, data: bytes) -> None:
    """§3: each packet's fixed header, variable header and payload, byte for byte."""
    assert encode(packet) == data


@pytest.mark.parametrize(("packet", "data"), VECTORS, ids=lambda v: type(v).__name__)
def test_decode_reads_the_hand_written_bytes(packet: Packet, data: bytes) -> None:
    """§3: the decoder yields the packet and consumes exactly its bytes, even when followed
    by the start of another packet."""
    assert decode(data, LIMIT) == (packet, len(data))
    assert decode(data + b"\xc0", LIMIT) == (packet, len(data))


def test_fast_encoders_match_encode() -> None:
    """§3.4 PUBACK 0x40 0x02 + id; §3.3 PUBLISH: the hot-path encoders give encode()'s bytes."""
    assert encode_puback(10) == bytes.fromhex("4002000a") == encode(Puback(10))
    assert encode_publish("a/b", b"hi", 1, 10, retain=True) == encode(
        Publish("a/b", b"hi", 1, True, False, 10)
    )
    big = b"x" * 300
    assert encode_publish("t", big) == encode(Publish("t", big))


def test_publish_payload_may_be_empty_and_topic_may_hold_any_utf8() -> None:
    """§3.3.3: a zero-length payload is valid; §1.5.3 topic is UTF-8 (here 2- and 4-byte)."""
    packet = Publish("é/😀", b"", 1, False, False, 1)
    assert decode(encode(packet), LIMIT) == (packet, 4 + len("é/😀".encode()) + 2)


def test_connect_with_empty_client_id_decodes() -> None:
    """[MQTT-3.1.3-6] a zero-byte client id is allowed; accepting it is the session's call."""
    packet = Connect("", 0, True)
    assert decode(encode(packet), LIMIT)[0] == packet


# --- remaining length (§2.2.3, Table 2.4) ----------------------------------------------------

RL_EDGES = [
    (0, "00"),
    (127, "7f"),
    (128, "8001"),
    (16_383, "ff7f"),
    (16_384, "808001"),
    (2_097_151, "ffff7f"),
    (2_097_152, "80808001"),
    (268_435_455, "ffffff7f"),
]


@pytest.mark.parametrize(("length", "hex_bytes"), RL_EDGES)
def test_remaining_length_edges(length: int, hex_bytes: str) -> None:
    """§2.2.3 Table 2.4: the boundary values of the 1- to 4-byte encodings."""
    header = bytes.fromhex("30" + hex_bytes)
    assert remaining_length(length) == bytes.fromhex(hex_bytes)
    assert frame_end(header, 0, MAX_ANY) == len(header) + length
    if length:
        assert decode(header, MAX_ANY) == (None, 0)


@pytest.mark.parametrize("length", [127, 128, 16_383, 16_384, 2_097_151, 2_097_152])
def test_publish_with_edge_remaining_length_round_trips(length: int) -> None:
    """§2.2.3: a PUBLISH whose remaining length is each boundary value decodes whole (0 is
    too short for a PUBLISH; PINGREQ covers it in the vectors)."""
    topic = "t" * min(length - 2, 100)
    packet = Publish(topic, b"\x00" * (length - 2 - len(topic)))
    data = encode(packet)
    assert data[1 : 1 + len(remaining_length(length))] == remaining_length(length)
    assert decode(data, MAX_ANY) == (packet, len(data))


def test_remaining_length_of_five_bytes_is_refused() -> None:
    """§2.2.3: the remaining length takes at most four bytes (max 268,435,455)."""
    with pytest.raises(PacketTooLarge, match=r"2\.2\.3"):
        decode(bytes.fromhex("30ffffffff01"), MAX_ANY)
    with pytest.raises(PacketTooLarge):
        decode(bytes.fromhex("30ffffffff"), MAX_ANY)  # refused before the fifth byte arrives
    with pytest.raises(ValueError, match="exceeds"):
        remaining_length(268_435_456)


def test_packet_over_the_size_limit_is_refused_from_its_header() -> None:
    """A packet larger than max_packet_size is refused as soon as its header is read."""
    header = bytes.fromhex("3080800101")  # 16384 + 128 remaining bytes, none of them sent
    with pytest.raises(PacketTooLarge, match="exceeds"):
        decode(header, 1000)
    assert decode(encode(Publish("t", b"x" * 95)), 100)[0] is not None  # exactly 100 bytes
    with pytest.raises(PacketTooLarge):
        decode(encode(Publish("t", b"x" * 96)), 100)


@pytest.mark.parametrize("data", [b"", b"\x30", b"\x30\x80", b"\x30\x05\x00\x01"])
def test_incomplete_input_asks_for_more(data: bytes) -> None:
    """The decoder returns (None, 0) until a whole packet is present."""
    assert decode(data, LIMIT) == (None, 0)
    assert decode(bytearray(data), LIMIT) == (None, 0)


def test_decode_accepts_bytearray_and_memoryview() -> None:
    """Any buffer decodes to the same packet, with bytes (not views) inside."""
    data = encode(Publish("a", b"payload", 1, False, False, 7))
    for buffer in (bytearray(data), memoryview(data), memoryview(b"xx" + data)[2:]):
        packet, used = decode(buffer, LIMIT)
        assert isinstance(packet, Publish)
        assert used == len(data)
        assert type(packet.payload) is bytes


# --- malformed packets -----------------------------------------------------------------------


def _refused(data: bytes, match: str) -> None:
    with pytest.raises(MalformedPacket, match=match):
        decode(data, LIMIT)


@pytest.mark.parametrize("first", [0x00, 0x0F, 0xF0, 0xFF])
def test_reserved_packet_types_are_refused(first: int) -> None:
    """§2.2.1 Table 2.1: packet types 0 and 15 are reserved (forbidden)."""
    _refused(bytes((first, 0)), r"2\.2\.1")
    _refused(bytes((first,)), r"2\.2\.1")  # even before the length arrives


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        ("1100", r"MQTT-2\.2\.2-2"),  # CONNECT
        ("21020000", r"MQTT-2\.2\.2-2"),  # CONNACK
        ("4102000a", r"MQTT-2\.2\.2-2"),  # PUBACK
        ("5802000a", r"MQTT-2\.2\.2-2"),  # PUBREC
        ("6002000a", r"MQTT-3\.6\.1-1"),  # PUBREL must be 0010
        ("6a02000a", r"MQTT-3\.6\.1-1"),
        ("7202000a", r"MQTT-2\.2\.2-2"),  # PUBCOMP
        ("80080001000361 2f2301", r"MQTT-3\.8\.1-1"),  # SUBSCRIBE must be 0010
        ("8a080001000361 2f2301", r"MQTT-3\.8\.1-1"),  # ... DUP set is not allowed either
        ("9203000101", r"MQTT-2\.2\.2-2"),  # SUBACK
        ("a0070001000361 2f23", r"MQTT-3\.10\.1-1"),  # UNSUBSCRIBE must be 0010
        ("b1020001", r"MQTT-2\.2\.2-2"),  # UNSUBACK
        ("c100", r"MQTT-2\.2\.2-2"),  # PINGREQ
        ("d800", r"MQTT-2\.2\.2-2"),  # PINGRESP
        ("e100", r"MQTT-3\.14\.1-1"),  # DISCONNECT
    ],
)
def test_wrong_reserved_flags_are_refused(data: str, rule: str) -> None:
    """[MQTT-2.2.2-1/2] reserved fixed-header flags must hold their listed value; PUBREL,
    SUBSCRIBE and UNSUBSCRIBE must be 0010 ([MQTT-3.6.1-1], [MQTT-3.8.1-1], [MQTT-3.10.1-1]),
    DISCONNECT 0000 ([MQTT-3.14.1-1])."""
    _refused(bytes.fromhex(data), rule)


def test_publish_qos_3_is_refused() -> None:
    """[MQTT-3.3.1-4] a PUBLISH must not have both QoS bits set."""
    _refused(bytes.fromhex("3607 0003612f62 0001"), r"MQTT-3\.3\.1-4")


def test_publish_qos_0_with_dup_is_refused() -> None:
    """[MQTT-3.3.1-2] DUP must be 0 for every QoS 0 message."""
    _refused(bytes.fromhex("3805 0003612f62"), r"MQTT-3\.3\.1-2")


@pytest.mark.parametrize("wildcard", ["+", "#", "a/+/b", "a/#"])
def test_publish_topic_with_wildcard_is_refused(wildcard: str) -> None:
    """[MQTT-3.3.2-2] the topic name in a PUBLISH must not contain wildcard characters."""
    _refused(bytes((0x30,)) + remaining_length(2 + len(wildcard)) + _s(wildcard), r"3\.3\.2-2")


def test_empty_publish_topic_is_refused() -> None:
    """[MQTT-4.7.3-1] topic names are at least one character long."""
    _refused(bytes.fromhex("30020000"), r"MQTT-4\.7\.3-1")
    _refused(bytes.fromhex("3000"), r"3\.3\.2\.1")  # no topic length at all


@pytest.mark.parametrize(
    "raw",
    [b"\xff", b"a\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82"],
    ids=["invalid-byte", "overlong", "surrogate", "truncated"],
)
def test_ill_formed_utf8_is_refused(raw: bytes) -> None:
    """[MQTT-1.5.3-1] strings must be well-formed UTF-8; surrogates U+D800-U+DFFF included."""
    topic = len(raw).to_bytes(2, "big") + raw
    _refused(bytes((0x30, len(topic))) + topic, r"MQTT-1\.5\.3-1")
    subscribe = b"\x00\x01" + topic + b"\x01"
    _refused(bytes((0x82, len(subscribe))) + subscribe, r"MQTT-1\.5\.3-1")


def test_null_character_in_strings_is_refused() -> None:
    """[MQTT-1.5.3-2] a UTF-8 string must not include U+0000, in topics or CONNECT fields."""
    _refused(bytes((0x30, 5)) + _s("a\x00b"), r"MQTT-1\.5\.3-2")
    _refused(_connect(0x02, _s("dev\x00")), r"MQTT-1\.5\.3-2")
    _refused(_connect(0x82, _s("dev") + _s("u\x00")), r"MQTT-1\.5\.3-2")


@pytest.mark.parametrize(
    "data",
    [
        "3207 0003612f62 0000",  # PUBLISH QoS 1
        "40020000",  # PUBACK
        "50020000",  # PUBREC
        "62020000",  # PUBREL
        "70020000",  # PUBCOMP
        "8206 0000 000178 01",  # SUBSCRIBE
        "9003 0000 01",  # SUBACK
        "a205 0000 000178",  # UNSUBSCRIBE
        "b0020000",  # UNSUBACK
    ],
)
def test_packet_id_zero_is_refused(data: str) -> None:
    """[MQTT-2.3.1-1] packets that carry a packet identifier need a non-zero one."""
    _refused(bytes.fromhex(data), r"MQTT-2\.3\.1-1")


def test_publish_qos_1_without_packet_id_is_refused() -> None:
    """§3.3.2.2: a QoS 1 or 2 PUBLISH carries a packet identifier."""
    _refused(bytes.fromhex("3206 0003612f62 00"), r"3\.3\.2\.2")


def test_subscribe_without_filters_is_refused() -> None:
    """[MQTT-3.8.3-3] a SUBSCRIBE payload holds at least one filter/QoS pair."""
    _refused(bytes.fromhex("82020001"), r"MQTT-3\.8\.3-3")


def test_unsubscribe_without_filters_is_refused() -> None:
    """[MQTT-3.10.3-2] an UNSUBSCRIBE payload holds at least one topic filter."""
    _refused(bytes.fromhex("a2020001"), r"MQTT-3\.10\.3-2")


@pytest.mark.parametrize("qos", [0x03, 0x04, 0x81])
def test_subscribe_bad_requested_qos_is_refused(qos: int) -> None:
    """[MQTT-3-8.3-4] requested QoS is 0-2 and its upper six bits are reserved (zero)."""
    _refused(bytes.fromhex("8206 0001 000178") + bytes((qos,)), r"MQTT-3-8\.3-4")


def test_subscribe_filter_without_qos_or_empty_is_refused() -> None:
    """§3.8.3: each filter is followed by a QoS byte; [MQTT-4.7.3-1] filters are non-empty."""
    _refused(bytes.fromhex("8205 0001 000178"), r"3\.8\.3\.1")
    _refused(bytes.fromhex("8205 0001 0000 01"), r"MQTT-4\.7\.3-1")
    _refused(bytes.fromhex("a204 0001 0000"), r"MQTT-4\.7\.3-1")


def test_subscribe_keeps_filters_with_wildcards_inside_levels() -> None:
    """Device ids may contain '+'/'#' (wire spec §4.7): filter placement is left to topics.py."""
    data = encode(Subscribe(5, (("devices/a+b/messages/devicebound/#", 1),)))
    assert decode(data, LIMIT)[0] == Subscribe(5, (("devices/a+b/messages/devicebound/#", 1),))


def test_string_running_past_the_packet_is_refused() -> None:
    """§1.5.3: a length prefix must fit inside the remaining length."""
    _refused(bytes.fromhex("3004 0009 6162"), r"3\.3\.2\.1")
    _refused(bytes.fromhex("8206 0001 0009 7801"), r"1\.5\.3")
    _refused(bytes.fromhex("8201 00"), r"2\.3\.1 SUBSCRIBE: packet identifier missing")
    _refused(_connect(0x06, _s("dev") + _s("w") + b"\x00\x09m"), r"1\.5\.3 will message")


# --- CONNECT (§3.1) --------------------------------------------------------------------------


def _s(text: str) -> bytes:
    data = text.encode()
    return len(data).to_bytes(2, "big") + data


def _connect(flags: int, payload: bytes, name: str = "MQTT", level: int = 4) -> bytes:
    body = _s(name) + bytes((level, flags)) + b"\x00\x3c" + payload
    return bytes((0x10,)) + remaining_length(len(body)) + body


def test_connect_reserved_flag_is_refused() -> None:
    """[MQTT-3.1.2-3] the reserved CONNECT flag (bit 0) must be 0."""
    _refused(_connect(0x03, _s("dev")), r"MQTT-3\.1\.2-3")


def test_connect_password_without_user_name_is_refused() -> None:
    """[MQTT-3.1.2-22] if the user name flag is 0, the password flag must be 0."""
    _refused(_connect(0x42, _s("dev") + _s("pw")), r"MQTT-3\.1\.2-22")


def test_connect_will_qos_and_retain_need_the_will_flag() -> None:
    """[MQTT-3.1.2-13] will QoS 0 and [MQTT-3.1.2-15] will retain 0 without the will flag."""
    _refused(_connect(0x0A, _s("dev")), r"MQTT-3\.1\.2-13")
    _refused(_connect(0x22, _s("dev")), r"MQTT-3\.1\.2-15")


def test_connect_will_qos_3_is_refused() -> None:
    """[MQTT-3.1.2-14] the will QoS must not be 3."""
    _refused(_connect(0x1E, _s("dev") + _s("w") + _s("m")), r"MQTT-3\.1\.2-14")


def test_connect_will_topic_must_be_a_topic_name() -> None:
    """[MQTT-3.3.2-2]/[MQTT-4.7.3-1] the will topic is a topic name: no wildcards, not empty."""
    _refused(_connect(0x06, _s("dev") + _s("w/#") + _s("m")), r"MQTT-3\.3\.2-2")
    _refused(_connect(0x06, _s("dev") + _s("") + _s("m")), r"MQTT-4\.7\.3-1")


def test_connect_unknown_protocol_name_is_refused() -> None:
    """[MQTT-3.1.2-1] the protocol name must be "MQTT"; anything else closes the connection."""
    _refused(_connect(0x02, _s("dev"), name="HTTP"), r"MQTT-3\.1\.2-1")
    _refused(_connect(0x02, _s("dev"), name="mqtt"), r"MQTT-3\.1\.2-1")


@pytest.mark.parametrize(("name", "level"), [("MQTT", 5), ("MQTT", 3), ("MQIsdp", 3)])
def test_connect_other_protocol_level_is_reported_distinctly(name: str, level: int) -> None:
    """[MQTT-3.1.2-2] an unsupported level gets CONNACK rc=1: the error says which level."""
    with pytest.raises(UnsupportedProtocolLevel) as caught:
        decode(_connect(0x02, _s("dev"), name=name, level=level), LIMIT)
    assert (caught.value.protocol_name, caught.value.level) == (name, level)
    assert not isinstance(caught.value, MalformedPacket)
    assert isinstance(caught.value, ProtocolError)


def test_connect_truncated_or_with_trailing_bytes_is_refused() -> None:
    """§3.1.3: the payload holds exactly the fields the flags announce, nothing after them."""
    _refused(_connect(0x02, _s("dev") + b"\x00"), r"3\.1\.3")
    _refused(_connect(0xC2, _s("dev") + _s("user")), r"1\.5\.3 password")
    _refused(_connect(0x02, b""), r"client identifier")
    _refused(bytes.fromhex("1006 00044d515454"), r"3\.1\.2\.2")
    _refused(bytes.fromhex("1008 00044d515454 0402"), r"3\.1\.2 ")


# --- other fixed-size packets ----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    ["4003000a00", "4001 00", "6203000a00", "b003000100", "c00100", "d00100", "e00100"],
)
def test_fixed_size_packets_with_wrong_length_are_refused(data: str) -> None:
    """§3.4-§3.14: PUBACK..UNSUBACK have remaining length 2, PINGREQ/PINGRESP/DISCONNECT 0."""
    _refused(bytes.fromhex(data), r"2\.2\.3")


def test_connack_rules() -> None:
    """§3.2.2.1 ack flag bits 7-1 are 0; §3.2.2.3 codes 6-255 reserved; [MQTT-3.2.2-4] a
    refusal has session present 0; §3.2.1 remaining length 2."""
    _refused(bytes.fromhex("20020200"), r"3\.2\.2\.1")
    _refused(bytes.fromhex("20020006"), r"3\.2\.2\.3")
    _refused(bytes.fromhex("20020105"), r"MQTT-3\.2\.2-4")
    _refused(bytes.fromhex("2003000000"), r"3\.2\.1")


def test_suback_rules() -> None:
    """[MQTT-3.9.3-2] SUBACK codes are 0x00, 0x01, 0x02 or 0x80; §3.9.3 at least one."""
    _refused(bytes.fromhex("9003000103"), r"MQTT-3\.9\.3-2")
    _refused(bytes.fromhex("90020001"), r"3\.9\.3")


def test_encoder_refuses_impossible_packets() -> None:
    """Our own bugs surface as ValueError, not as bytes a client would choke on."""
    bad: list[Packet] = [
        Publish("t", b"", 1),
        Publish("t", b"", 0, packet_id=3),
        Publish("t", b"", 0, dup=True),
        Puback(0),
        Connect("c", password=b"p"),
        Connect("c", will_topic="w"),
        Connect("c", will_qos=1),
        Connect("c", keep_alive=70_000),
        Connack(False, 6),
        Subscribe(1, ()),
        Subscribe(1, (("a", 3),)),
        Suback(1, (5,)),
        Unsubscribe(1, ()),
    ]
    for packet in bad:
        with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
            encode(packet)
    with pytest.raises(ValueError, match="65535"):
        encode_publish("t" * 70_000, b"")
