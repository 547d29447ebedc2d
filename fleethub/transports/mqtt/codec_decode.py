"""Bytes → MQTT 3.1.1 packets, incrementally and without I/O (OASIS MQTT 3.1.1 §2-§3).

Every rule a packet breaks raises a ProtocolError subclass whose message names the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeAlias

from fleethub.transports.mqtt.packets import (
    Connack,
    Connect,
    Disconnect,
    MalformedPacket,
    Packet,
    PacketTooLarge,
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
    UnsupportedProtocolLevel,
)

# The largest telemetry PUBLISH IoT Hub takes: a 256 KiB body, a topic of up to 65535 bytes,
# its length prefix, a packet id and a 5-byte fixed header at most.
DEFAULT_MAX_PACKET_SIZE = 256 * 1024 + 65_535 + 2 + 2 + 5

Buffer: TypeAlias = bytes | bytearray | memoryview
_Body: TypeAlias = Callable[[bytes, int, int, int], Packet]

_PINGREQ = Pingreq()
_PINGRESP = Pingresp()
_DISCONNECT = Disconnect()


def decode(buffer: Buffer, max_packet_size: int) -> tuple[Packet | None, int]:
    """Decode the packet at the start of `buffer`.

    Returns (packet, bytes consumed), or (None, 0) when more bytes are needed:
    decode(b"\\xc0\\x00", 1024) == (Pingreq(), 2); decode(b"\\xc0", 1024) == (None, 0).
    """
    packet, end = decode_from(buffer, 0, max_packet_size)
    return packet, end


def decode_from(buf: Buffer, pos: int, max_packet_size: int) -> tuple[Packet | None, int]:
    """Decode the packet starting at `pos`; returns (packet, end offset) or (None, pos)."""
    size = len(buf)
    if size - pos >= 2 and buf[pos + 1] < 0x80 and 0x10 <= buf[pos] < 0xF0:
        # Fast path: a remaining length below 128 fits its one byte.
        start = pos + 2
        stop = start + buf[pos + 1]
        if stop - pos > max_packet_size:
            raise PacketTooLarge(f"packet of {stop - pos} bytes exceeds {max_packet_size}")
    else:
        start, stop = _header(buf, pos, max_packet_size)
        if stop < 0:
            return None, pos
    if stop > size:
        return None, pos
    first = buf[pos]
    if type(buf) is not bytes:
        # Body readers work on bytes, whose slices need no further copy: copy this packet
        # (and only this packet) out of a bytearray or memoryview.
        with memoryview(buf) as view:
            chunk = view[pos:stop].tobytes()
        return _BODIES[first >> 4](chunk, first & 0x0F, start - pos, stop - pos), stop
    return _BODIES[first >> 4](buf, first & 0x0F, start, stop), stop


def decode_all(data: bytes, max_packet_size: int) -> tuple[list[Packet], int]:
    """Decode every whole packet in `data`; returns them and the bytes they used.

    The Decoder's inner loop, so the common case (remaining length < 128, whole packet
    present) is handled inline rather than through decode_from().
    """
    packets: list[Packet] = []
    pos = 0
    size = len(data)
    while size - pos >= 2:
        first = data[pos]
        stop = pos + 2 + data[pos + 1]
        if data[pos + 1] < 0x80 and 0x10 <= first < 0xF0 and stop <= size:
            if stop - pos > max_packet_size:
                raise PacketTooLarge(f"packet of {stop - pos} bytes exceeds {max_packet_size}")
            packets.append(_BODIES[first >> 4](data, first & 0x0F, pos + 2, stop))
            pos = stop
            continue
        packet, end = decode_from(data, pos, max_packet_size)
        if packet is None:
            break
        packets.append(packet)
        pos = end
    return packets, pos


def frame_end(buf: Buffer, pos: int, max_packet_size: int) -> int:
    """Where the packet starting at `pos` ends, from its fixed header alone; -1 if the header
    itself is incomplete. Raises for a reserved packet type or a size over the limit."""
    return _header(buf, pos, max_packet_size)[1]


def _header(buf: Buffer, pos: int, max_packet_size: int) -> tuple[int, int]:
    """(start, stop) of the packet body at `pos`, or (-1, -1) if the header is incomplete."""
    size = len(buf)
    if pos >= size:
        return -1, -1
    if not 0x10 <= buf[pos] < 0xF0:
        raise MalformedPacket(f"[MQTT-2.2.1] packet type {buf[pos] >> 4} is reserved")
    # §2.2.3: 7 bits per byte, least significant group first, at most 4 bytes.
    length = shift = 0
    i = pos + 1
    while True:
        if i >= size:
            return -1, -1
        byte = buf[i]
        i += 1
        length |= (byte & 0x7F) << shift
        if byte < 0x80:
            break
        shift += 7
        if shift == 28:
            raise PacketTooLarge("[MQTT-2.2.3] remaining length uses more than 4 bytes")
    if i + length - pos > max_packet_size:
        raise PacketTooLarge(f"packet of {i + length - pos} bytes exceeds {max_packet_size}")
    return i, i + length


# --- field readers -------------------------------------------------------------------------


def _utf8(buf: bytes, i: int, stop: int, what: str) -> tuple[str, int]:
    """Read a length-prefixed UTF-8 string (§1.5.3) ending at or before `stop`."""
    if i + 2 > stop:
        raise MalformedPacket(f"§1.5.3 {what}: length prefix runs past the packet")
    end = i + 2 + (buf[i] << 8 | buf[i + 1])
    if end > stop:
        raise MalformedPacket(f"§1.5.3 {what}: string runs past the packet")
    try:
        text = buf[i + 2 : end].decode()
    except UnicodeDecodeError:
        raise MalformedPacket(f"[MQTT-1.5.3-1] {what} is not well-formed UTF-8") from None
    if "\x00" in text:
        raise MalformedPacket(f"[MQTT-1.5.3-2] {what} contains U+0000")
    return text, end


def _binary(buf: bytes, i: int, stop: int, what: str) -> tuple[bytes, int]:
    if i + 2 > stop:
        raise MalformedPacket(f"§1.5.3 {what}: length prefix runs past the packet")
    end = i + 2 + (buf[i] << 8 | buf[i + 1])
    if end > stop:
        raise MalformedPacket(f"§1.5.3 {what}: data runs past the packet")
    return buf[i + 2 : end], end


def _topic_name(buf: bytes, i: int, stop: int, what: str) -> tuple[str, int]:
    topic, end = _utf8(buf, i, stop, what)
    if not topic or "+" in topic or "#" in topic:
        _bad_topic_name(topic, what)
    return topic, end


def _bad_topic_name(topic: str, what: str) -> NoReturn:
    if not topic:
        raise MalformedPacket(f"[MQTT-4.7.3-1] {what} is empty")
    if "\x00" in topic:
        raise MalformedPacket(f"[MQTT-1.5.3-2] {what} contains U+0000")
    raise MalformedPacket(f"[MQTT-3.3.2-2] {what} contains a wildcard")


def _packet_id(buf: bytes, i: int, stop: int, name: str) -> int:
    if i + 2 > stop:
        raise MalformedPacket(f"§2.3.1 {name}: packet identifier missing")
    packet_id = buf[i] << 8 | buf[i + 1]
    if packet_id == 0:
        raise MalformedPacket(f"[MQTT-2.3.1-1] {name} packet identifier is 0")
    return packet_id


def _flags(flags: int, expected: int, name: str, rule: str = "[MQTT-2.2.2-2]") -> None:
    if flags != expected:
        raise MalformedPacket(f"{rule} {name} fixed-header flags must be {expected:04b}")


# --- packet bodies -------------------------------------------------------------------------


def _connect(buf: bytes, flags: int, i: int, stop: int) -> Packet:
    _flags(flags, 0, "CONNECT")
    name, i = _utf8(buf, i, stop, "protocol name")
    if i >= stop:
        raise MalformedPacket("§3.1.2.2 CONNECT: protocol level missing")
    level = buf[i]
    if name == "MQIsdp":  # MQTT 3.1: answer rc=1 as for any other version, as Mosquitto does
        raise UnsupportedProtocolLevel(name, level)
    if name != "MQTT":
        raise MalformedPacket(f"[MQTT-3.1.2-1] protocol name {name!r} is not 'MQTT'")
    if level != 4:
        raise UnsupportedProtocolLevel(name, level)
    if i + 4 > stop:
        raise MalformedPacket("§3.1.2 CONNECT: variable header truncated")
    cflags = buf[i + 1]
    keep_alive = buf[i + 2] << 8 | buf[i + 3]
    i += 4
    if cflags & 0x01:
        raise MalformedPacket("[MQTT-3.1.2-3] CONNECT reserved flag is set")
    will = cflags & 0x04
    will_qos = (cflags >> 3) & 0x03
    will_retain = bool(cflags & 0x20)
    if will and will_qos == 3:
        raise MalformedPacket("[MQTT-3.1.2-14] CONNECT will QoS is 3")
    if not will and will_qos:
        raise MalformedPacket("[MQTT-3.1.2-13] CONNECT will QoS set without the will flag")
    if not will and will_retain:
        raise MalformedPacket("[MQTT-3.1.2-15] CONNECT will retain set without the will flag")
    if cflags & 0x40 and not cflags & 0x80:
        raise MalformedPacket("[MQTT-3.1.2-22] CONNECT password flag set without user name flag")
    client_id, i = _utf8(buf, i, stop, "client identifier")
    will_topic = will_message = username = password = None
    if will:
        will_topic, i = _topic_name(buf, i, stop, "will topic")
        will_message, i = _binary(buf, i, stop, "will message")
    if cflags & 0x80:
        username, i = _utf8(buf, i, stop, "user name")
    if cflags & 0x40:
        password, i = _binary(buf, i, stop, "password")
    if i != stop:
        raise MalformedPacket("§3.1.3 CONNECT has bytes after its payload")
    return Connect(
        client_id=client_id,
        keep_alive=keep_alive,
        clean_session=bool(cflags & 0x02),
        username=username,
        password=password,
        will_topic=will_topic,
        will_message=will_message,
        will_qos=will_qos,
        will_retain=will_retain,
        protocol_name=name,
        protocol_level=level,
    )


def _connack(buf: bytes, flags: int, i: int, stop: int) -> Packet:
    _flags(flags, 0, "CONNACK")
    if stop - i != 2:
        raise MalformedPacket("§3.2.1 CONNACK remaining length must be 2")
    ack_flags, code = buf[i], buf[i + 1]
    if ack_flags & 0xFE:
        raise MalformedPacket("§3.2.2.1 CONNACK acknowledge flags bits 7-1 must be 0")
    if code > 5:
        raise MalformedPacket(f"§3.2.2.3 CONNACK return code {code} is reserved")
    if code and ack_flags:
        raise MalformedPacket("[MQTT-3.2.2-4] CONNACK refusal with session present")
    return Connack(session_present=bool(ack_flags), return_code=code)


def _publish(buf: bytes, flags: int, i: int, stop: int) -> Packet:
    # The hot path: field readers are inlined and the frozen dataclass is built directly.
    fields = _PUBLISH_FLAGS[flags]
    if fields is None:
        qos = flags >> 1 & 0x03
        if qos == 3:
            raise MalformedPacket("[MQTT-3.3.1-4] PUBLISH QoS is 3")
        raise MalformedPacket("[MQTT-3.3.1-2] PUBLISH QoS 0 with DUP set")
    qos, retain, dup = fields
    end = i + 2
    if end > stop or (end := end + (buf[i] << 8 | buf[i + 1])) > stop:
        raise MalformedPacket("§3.3.2.1 PUBLISH topic name runs past the packet")
    try:
        topic = buf[i + 2 : end].decode()
    except UnicodeDecodeError:
        raise MalformedPacket("[MQTT-1.5.3-1] topic name is not well-formed UTF-8") from None
    if not topic or "+" in topic or "#" in topic or "\x00" in topic:
        _bad_topic_name(topic, "topic name")
    packet = _new(Publish)
    if qos:
        if end + 2 > stop:
            raise MalformedPacket("§3.3.2.2 PUBLISH packet identifier missing")
        packet_id = buf[end] << 8 | buf[end + 1]
        if packet_id == 0:
            raise MalformedPacket("[MQTT-2.3.1-1] PUBLISH packet identifier is 0")
        _set_packet_id(packet, packet_id)
        end += 2
    else:
        _set_packet_id(packet, None)
    _set_topic(packet, topic)
    _set_payload(packet, buf[end:stop])
    _set_qos(packet, qos)
    _set_retain(packet, retain)
    _set_dup(packet, dup)
    return packet


# PUBLISH fixed-header flags → (qos, retain, dup); None for QoS 3 [MQTT-3.3.1-4] and for
# DUP on QoS 0 [MQTT-3.3.1-2]. One lookup instead of four tests on the hot path.
_PUBLISH_FLAGS: tuple[tuple[int, bool, bool] | None, ...] = tuple(
    None if (f >> 1 & 3) == 3 or (f & 8 and not f & 6) else (f >> 1 & 3, bool(f & 1), bool(f & 8))
    for f in range(16)
)

# A frozen dataclass's __init__ assigns through object.__setattr__, which costs about 2 µs
# for Publish's six fields; its slot descriptors do the same in half that. Same object.
_new = object.__new__
_slots = vars(Publish)
_set_topic = _slots["topic"].__set__
_set_payload = _slots["payload"].__set__
_set_qos = _slots["qos"].__set__
_set_retain = _slots["retain"].__set__
_set_dup = _slots["dup"].__set__
_set_packet_id = _slots["packet_id"].__set__


def _ack(cls: type[Puback | Pubrec | Pubrel | Pubcomp | Unsuback], name: str, flags: int) -> _Body:
    rule = "[MQTT-3.6.1-1]" if cls is Pubrel else "[MQTT-2.2.2-2]"

    def body(buf: bytes, got: int, i: int, stop: int) -> Packet:
        _flags(got, flags, name, rule)
        if stop - i != 2:
            raise MalformedPacket(f"§2.2.3 {name} remaining length must be 2")
        return cls(_packet_id(buf, i, stop, name))

    return body


def _subscribe(buf: bytes, flags: int, i: int, stop: int) -> Packet:
    _flags(flags, 0b0010, "SUBSCRIBE", "[MQTT-3.8.1-1]")
    packet_id = _packet_id(buf, i, stop, "SUBSCRIBE")
    i += 2
    filters: list[tuple[str, int]] = []
    while i < stop:
        # Wildcard placement ([MQTT-4.7.1-2/3]) is deliberately not checked: IoT Hub device
        # ids may contain '+' and '#', and the SDK subscribes with the raw id. topics.py
        # accepts only exact filters, so a bad one gets SUBACK 0x80 instead.
        topic_filter, i = _utf8(buf, i, stop, "topic filter")
        if not topic_filter:
            raise MalformedPacket("[MQTT-4.7.3-1] topic filter is empty")
        if i >= stop:
            raise MalformedPacket("§3.8.3.1 SUBSCRIBE requested QoS missing")
        qos = buf[i]
        i += 1
        if qos & 0xFC:
            raise MalformedPacket("[MQTT-3-8.3-4] SUBSCRIBE requested QoS reserved bits set")
        if qos == 3:
            raise MalformedPacket("[MQTT-3-8.3-4] SUBSCRIBE requested QoS is 3")
        filters.append((topic_filter, qos))
    if not filters:
        raise MalformedPacket("[MQTT-3.8.3-3] SUBSCRIBE has no topic filter")
    return Subscribe(packet_id, tuple(filters))


def _suback(buf: bytes, flags: int, i: int, stop: int) -> Packet:
    _flags(flags, 0, "SUBACK")
    packet_id = _packet_id(buf, i, stop, "SUBACK")
    codes = tuple(buf[i + 2 : stop])
    if not codes:
        raise MalformedPacket("§3.9.3 SUBACK has no return code")
    for code in codes:
        if code not in (0x00, 0x01, 0x02, 0x80):
            raise MalformedPacket(f"[MQTT-3.9.3-2] SUBACK return code {code:#04x} is reserved")
    return Suback(packet_id, codes)


def _unsubscribe(buf: bytes, flags: int, i: int, stop: int) -> Packet:
    _flags(flags, 0b0010, "UNSUBSCRIBE", "[MQTT-3.10.1-1]")
    packet_id = _packet_id(buf, i, stop, "UNSUBSCRIBE")
    i += 2
    filters: list[str] = []
    while i < stop:
        topic_filter, i = _utf8(buf, i, stop, "topic filter")
        if not topic_filter:
            raise MalformedPacket("[MQTT-4.7.3-1] topic filter is empty")
        filters.append(topic_filter)
    if not filters:
        raise MalformedPacket("[MQTT-3.10.3-2] UNSUBSCRIBE has no topic filter")
    return Unsubscribe(packet_id, tuple(filters))


def _empty(packet: Pingreq | Pingresp | Disconnect, name: str, rule: str) -> _Body:
    def body(buf: bytes, flags: int, i: int, stop: int) -> Packet:
        _flags(flags, 0, name, rule)
        if stop != i:
            raise MalformedPacket(f"§2.2.3 {name} remaining length must be 0")
        return packet

    return body


def _reserved(buf: bytes, flags: int, i: int, stop: int) -> Packet:
    raise MalformedPacket("[MQTT-2.2.1] packet type 0 and 15 are reserved")  # pragma: no cover


# Indexed by packet type (the fixed header's high nibble); decode_from() has already
# refused types 0 and 15, the entries only keep the indices right.
_BODIES: tuple[_Body, ...] = (
    _reserved,
    _connect,
    _connack,
    _publish,
    _ack(Puback, "PUBACK", 0),
    _ack(Pubrec, "PUBREC", 0),
    _ack(Pubrel, "PUBREL", 0b0010),
    _ack(Pubcomp, "PUBCOMP", 0),
    _subscribe,
    _suback,
    _unsubscribe,
    _ack(Unsuback, "UNSUBACK", 0),
    _empty(_PINGREQ, "PINGREQ", "[MQTT-2.2.2-2]"),
    _empty(_PINGRESP, "PINGRESP", "[MQTT-2.2.2-2]"),
    _empty(_DISCONNECT, "DISCONNECT", "[MQTT-3.14.1-1]"),
    _reserved,
)
