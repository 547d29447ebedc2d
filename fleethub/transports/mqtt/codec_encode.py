"""MQTT 3.1.1 packets → bytes, without I/O (OASIS MQTT 3.1.1 §2-§3).

encode() handles every packet; encode_puback() and encode_publish() are the server's hot paths.
Bad arguments are our own bug, not the peer's, so they raise ValueError, not ProtocolError.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

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

MAX_REMAINING_LENGTH = 268_435_455  # §2.2.3: four 7-bit groups

_HEADER_ID = struct.Struct(">BBH")  # fixed header with a 1-byte remaining length, then a u16
_U16 = struct.Struct(">H")
# Remaining lengths below 128 take one byte; keep those bytes ready.
_SHORT_LENGTHS = tuple(bytes((n,)) for n in range(128))


def remaining_length(n: int) -> bytes:
    """§2.2.3 variable-length encoding: remaining_length(321) == b"\\xc1\\x02"."""
    if n < 128:
        if n < 0:
            raise ValueError(f"remaining length {n} is negative")
        return _SHORT_LENGTHS[n]
    if n > MAX_REMAINING_LENGTH:
        raise ValueError(f"remaining length {n} exceeds {MAX_REMAINING_LENGTH}")
    out = bytearray()
    while n:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | 0x80 if n else byte)
    return bytes(out)


def encode_puback(packet_id: int) -> bytes:
    """PUBACK for one QoS 1 PUBLISH: encode_puback(10) == b"\\x40\\x02\\x00\\x0a"."""
    if not 0 < packet_id < 0x10000:
        raise ValueError(f"packet id {packet_id} outside 1..65535")
    return _HEADER_ID.pack(0x40, 2, packet_id)


def encode_publish(
    topic: str,
    payload: bytes | bytearray | memoryview,
    qos: int = 0,
    packet_id: int | None = None,
    *,
    retain: bool = False,
    dup: bool = False,
) -> bytes:
    """PUBLISH without building a dataclass first.

    The topic is not checked for wildcards: IoT Hub device ids may contain '+' and '#', and
    the SDK finds its C2D messages by substring (wire spec §4.2), so such topics must go out.
    """
    name = topic.encode()
    size = len(name)
    if size > 0xFFFF:
        raise ValueError("topic longer than 65535 bytes")
    if qos:
        if qos not in (1, 2) or packet_id is None or not 0 < packet_id < 0x10000:
            raise ValueError(f"QoS {qos} PUBLISH needs a packet id in 1..65535")
        length = size + 4 + len(payload)
        packet_id_bytes = _U16.pack(packet_id)
    elif packet_id is not None or dup:
        raise ValueError("QoS 0 PUBLISH takes neither a packet id nor DUP")
    else:
        length = size + 2 + len(payload)
        packet_id_bytes = b""
    first = 0x30 | (0x08 if dup else 0) | qos << 1 | (0x01 if retain else 0)
    if length < 128:
        # One struct call packs type, 1-byte remaining length and topic length together.
        return b"".join((_HEADER_ID.pack(first, length, size), name, packet_id_bytes, payload))
    return b"".join(
        (bytes((first,)), remaining_length(length), _U16.pack(size), name, packet_id_bytes, payload)
    )


def encode(packet: Packet) -> bytes:
    """The bytes of any packet: encode(Pingreq()) == b"\\xc0\\x00"."""
    return _ENCODERS[type(packet)](packet)


# --- field writers -------------------------------------------------------------------------


def _utf8(text: str) -> bytes:
    data = text.encode()
    return _binary(data)


def _binary(data: bytes) -> bytes:
    if len(data) > 0xFFFF:
        raise ValueError("string or binary field longer than 65535 bytes")
    return _U16.pack(len(data)) + data


def _packet_id(packet_id: int) -> bytes:
    if not 0 < packet_id < 0x10000:
        raise ValueError(f"packet id {packet_id} outside 1..65535")
    return _U16.pack(packet_id)


def _frame(first: int, body: bytes) -> bytes:
    return bytes((first,)) + remaining_length(len(body)) + body


# --- packets -------------------------------------------------------------------------------


def _connect(p: Connect) -> bytes:
    if (p.will_topic is None) != (p.will_message is None):
        raise ValueError("will topic and will message go together")
    if p.password is not None and p.username is None:
        raise ValueError("[MQTT-3.1.2-22] a password needs a user name")
    will = p.will_topic is not None
    if not will and (p.will_qos or p.will_retain):
        raise ValueError("will QoS and retain need a will")
    if p.will_qos not in (0, 1, 2):
        raise ValueError(f"will QoS {p.will_qos}")
    if not 0 <= p.keep_alive <= 0xFFFF:
        raise ValueError(f"keep alive {p.keep_alive} outside 0..65535")
    flags = (
        (0x80 if p.username is not None else 0)
        | (0x40 if p.password is not None else 0)
        | (0x20 if p.will_retain else 0)
        | p.will_qos << 3
        | (0x04 if will else 0)
        | (0x02 if p.clean_session else 0)
    )
    parts = [
        _utf8(p.protocol_name),
        bytes((p.protocol_level, flags)),
        _U16.pack(p.keep_alive),
        _utf8(p.client_id),
    ]
    if p.will_topic is not None and p.will_message is not None:
        parts += (_utf8(p.will_topic), _binary(p.will_message))
    if p.username is not None:
        parts.append(_utf8(p.username))
    if p.password is not None:
        parts.append(_binary(p.password))
    return _frame(0x10, b"".join(parts))


def _connack(p: Connack) -> bytes:
    if not 0 <= p.return_code <= 5:
        raise ValueError(f"CONNACK return code {p.return_code}")
    return bytes((0x20, 2, 1 if p.session_present else 0, p.return_code))


def _publish(p: Publish) -> bytes:
    return encode_publish(p.topic, p.payload, p.qos, p.packet_id, retain=p.retain, dup=p.dup)


def _with_id(first: int) -> Callable[[Any], bytes]:
    def encoder(p: Puback | Pubrec | Pubrel | Pubcomp | Unsuback) -> bytes:
        return bytes((first, 2)) + _packet_id(p.packet_id)

    return encoder


def _subscribe(p: Subscribe) -> bytes:
    if not p.filters:
        raise ValueError("[MQTT-3.8.3-3] SUBSCRIBE needs a topic filter")
    parts = [_packet_id(p.packet_id)]
    for topic_filter, qos in p.filters:
        if qos not in (0, 1, 2):
            raise ValueError(f"requested QoS {qos}")
        parts += (_utf8(topic_filter), bytes((qos,)))
    return _frame(0x82, b"".join(parts))


def _suback(p: Suback) -> bytes:
    if not p.return_codes or any(c not in (0, 1, 2, 0x80) for c in p.return_codes):
        raise ValueError(f"SUBACK return codes {p.return_codes}")
    return _frame(0x90, _packet_id(p.packet_id) + bytes(p.return_codes))


def _unsubscribe(p: Unsubscribe) -> bytes:
    if not p.filters:
        raise ValueError("[MQTT-3.10.3-2] UNSUBSCRIBE needs a topic filter")
    return _frame(0xA2, _packet_id(p.packet_id) + b"".join(_utf8(f) for f in p.filters))


def _constant(data: bytes) -> Callable[[Any], bytes]:
    return lambda _packet: data


_ENCODERS: dict[type, Callable[[Any], bytes]] = {
    Connect: _connect,
    Connack: _connack,
    Publish: _publish,
    Puback: _with_id(0x40),
    Pubrec: _with_id(0x50),
    Pubrel: _with_id(0x62),  # [MQTT-3.6.1-1] flags 0010
    Pubcomp: _with_id(0x70),
    Subscribe: _subscribe,
    Suback: _suback,
    Unsubscribe: _unsubscribe,
    Unsuback: _with_id(0xB0),
    Pingreq: _constant(b"\xc0\x00"),
    Pingresp: _constant(b"\xd0\x00"),
    Disconnect: _constant(b"\xe0\x00"),
}
