"""MQTT 3.1.1 control packets as frozen dataclasses, and the errors a bad packet raises.

Implements the packet shapes of OASIS MQTT 3.1.1 §3; the byte rules live in codec.py.
See docs/design/mqtt.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TypeAlias


class ProtocolError(Exception):
    """The peer broke MQTT 3.1.1 or the IoT Hub dialect; the connection must be closed."""


class MalformedPacket(ProtocolError):
    """A packet breaks a rule of MQTT 3.1.1; the message names the rule, e.g. [MQTT-3.8.1-1]."""


class PacketTooLarge(ProtocolError):
    """The remaining length needs more than 4 bytes, or the packet exceeds the size we accept."""


class UnsupportedProtocolLevel(ProtocolError):
    """A CONNECT for another MQTT version: answer CONNACK rc=1, then close [MQTT-3.1.2-2]."""

    def __init__(self, protocol_name: str, level: int) -> None:
        super().__init__(f"[MQTT-3.1.2-2] protocol {protocol_name!r} level {level} not supported")
        self.protocol_name = protocol_name
        self.level = level


class ConnackCode(IntEnum):
    """CONNACK return codes, MQTT 3.1.1 §3.2.2.3 (Table 3.1)."""

    ACCEPTED = 0
    UNACCEPTABLE_PROTOCOL_VERSION = 1
    IDENTIFIER_REJECTED = 2
    SERVER_UNAVAILABLE = 3
    BAD_USERNAME_OR_PASSWORD = 4
    NOT_AUTHORIZED = 5


class PacketType(IntEnum):
    """The fixed header's high nibble, MQTT 3.1.1 §2.2.1. 0 and 15 are reserved."""

    CONNECT = 1
    CONNACK = 2
    PUBLISH = 3
    PUBACK = 4
    PUBREC = 5
    PUBREL = 6
    PUBCOMP = 7
    SUBSCRIBE = 8
    SUBACK = 9
    UNSUBSCRIBE = 10
    UNSUBACK = 11
    PINGREQ = 12
    PINGRESP = 13
    DISCONNECT = 14


# SUBACK return code for a refused subscription (§3.9.3); 0x00-0x02 grant that QoS.
SUBACK_FAILURE = 0x80


@dataclass(frozen=True, slots=True)
class Connect:
    client_id: str
    keep_alive: int = 60
    clean_session: bool = True
    username: str | None = None
    password: bytes | None = None
    will_topic: str | None = None
    will_message: bytes | None = None
    will_qos: int = 0
    will_retain: bool = False
    protocol_name: str = "MQTT"
    protocol_level: int = 4


@dataclass(frozen=True, slots=True)
class Connack:
    session_present: bool
    return_code: int


@dataclass(frozen=True, slots=True)
class Publish:
    """`packet_id` is None exactly when qos is 0 (§2.3.1)."""

    topic: str
    payload: bytes = b""
    qos: int = 0
    retain: bool = False
    dup: bool = False
    packet_id: int | None = None


@dataclass(frozen=True, slots=True)
class Puback:
    packet_id: int


@dataclass(frozen=True, slots=True)
class Pubrec:
    packet_id: int


@dataclass(frozen=True, slots=True)
class Pubrel:
    packet_id: int


@dataclass(frozen=True, slots=True)
class Pubcomp:
    packet_id: int


@dataclass(frozen=True, slots=True)
class Subscribe:
    """`filters` holds (topic filter, requested QoS) pairs in the order sent."""

    packet_id: int
    filters: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Suback:
    """One return code per requested filter: the granted QoS or SUBACK_FAILURE."""

    packet_id: int
    return_codes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    packet_id: int
    filters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unsuback:
    packet_id: int


@dataclass(frozen=True, slots=True)
class Pingreq:
    pass


@dataclass(frozen=True, slots=True)
class Pingresp:
    pass


@dataclass(frozen=True, slots=True)
class Disconnect:
    pass


Packet: TypeAlias = (
    Connect
    | Connack
    | Publish
    | Puback
    | Pubrec
    | Pubrel
    | Pubcomp
    | Subscribe
    | Suback
    | Unsubscribe
    | Unsuback
    | Pingreq
    | Pingresp
    | Disconnect
)
