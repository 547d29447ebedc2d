"""The AMQP 1.0 message format: sections ↔ bytes (OASIS AMQP 1.0 Part 3, §3.2).

A message is a sequence of described sections: header, delivery-annotations,
message-annotations, properties, application-properties, a body (data, amqp-sequence or
amqp-value) and a footer. ``decode_message(encode_message(m)) == m`` for every message built
from codec values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fleethub.transports.amqp.codec import decode, encode
from fleethub.transports.amqp.performatives import (
    ANY,
    BINARY,
    BOOL,
    STRING,
    SYMBOL,
    UBYTE,
    UINT,
    Composite,
    Kind,
    from_list,
)
from fleethub.transports.amqp.types import DecodeError, Described, Timestamp, ULong

TIMESTAMP = Kind("timestamp", lambda v: isinstance(v, int) and not isinstance(v, bool), Timestamp)


@dataclass(frozen=True, slots=True, kw_only=True)
class Header(Composite):
    """§3.2.1."""

    DESCRIPTOR = 0x70
    NAME = "amqp:header:list"
    durable: bool | None = field(default=None, metadata=BOOL.meta)
    priority: int | None = field(default=None, metadata=UBYTE.meta)
    ttl: int | None = field(default=None, metadata=UINT.meta)
    first_acquirer: bool | None = field(default=None, metadata=BOOL.meta)
    delivery_count: int | None = field(default=None, metadata=UINT.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Properties(Composite):
    """§3.2.4; times are Timestamp milliseconds, ids may be str, ulong, uuid or binary."""

    DESCRIPTOR = 0x73
    NAME = "amqp:properties:list"
    message_id: Any = field(default=None, metadata=ANY.meta)
    user_id: bytes | None = field(default=None, metadata=BINARY.meta)
    to: str | None = field(default=None, metadata=ANY.meta)
    subject: str | None = field(default=None, metadata=STRING.meta)
    reply_to: str | None = field(default=None, metadata=ANY.meta)
    correlation_id: Any = field(default=None, metadata=ANY.meta)
    content_type: str | None = field(default=None, metadata=SYMBOL.meta)
    content_encoding: str | None = field(default=None, metadata=SYMBOL.meta)
    absolute_expiry_time: int | None = field(default=None, metadata=TIMESTAMP.meta)
    creation_time: int | None = field(default=None, metadata=TIMESTAMP.meta)
    group_id: str | None = field(default=None, metadata=STRING.meta)
    group_sequence: int | None = field(default=None, metadata=UINT.meta)
    reply_to_group_id: str | None = field(default=None, metadata=STRING.meta)


_HEADER, _DELIVERY_ANN, _MESSAGE_ANN, _PROPERTIES, _APP_PROPS = 0x70, 0x71, 0x72, 0x73, 0x74
_DATA, _SEQUENCE, _VALUE, _FOOTER = 0x75, 0x76, 0x77, 0x78
_ORDER = (_HEADER, _DELIVERY_ANN, _MESSAGE_ANN, _PROPERTIES, _APP_PROPS, _DATA, _FOOTER)


@dataclass(slots=True)
class AmqpMessage:
    """One message. `data` holds the data sections' bytes; `value` an amqp-value body."""

    header: Header | None = None
    delivery_annotations: dict[Any, Any] | None = None
    message_annotations: dict[Any, Any] | None = None
    properties: Properties | None = None
    application_properties: dict[Any, Any] | None = None
    data: list[bytes] | None = None
    sequence: list[list[Any]] | None = None
    value: Any = None
    has_value: bool = False
    footer: dict[Any, Any] | None = None

    @property
    def body(self) -> bytes:
        """The data sections joined (what Azure calls the message body)."""
        return b"".join(self.data or ())


def encode_message(message: AmqpMessage) -> bytes:
    """The sections in the order §3.2 requires; absent ones are left out."""
    parts: list[bytes] = []
    if message.header is not None:
        parts.append(encode(message.header.described()))
    for code, section in (
        (_DELIVERY_ANN, message.delivery_annotations),
        (_MESSAGE_ANN, message.message_annotations),
    ):
        if section is not None:
            parts.append(encode(Described(ULong(code), section)))
    if message.properties is not None:
        parts.append(encode(message.properties.described()))
    if message.application_properties is not None:
        parts.append(encode(Described(ULong(_APP_PROPS), message.application_properties)))
    for chunk in message.data or ():
        parts.append(encode(Described(ULong(_DATA), chunk)))
    for items in message.sequence or ():
        parts.append(encode(Described(ULong(_SEQUENCE), items)))
    if message.has_value:
        parts.append(encode(Described(ULong(_VALUE), message.value)))
    if message.footer is not None:
        parts.append(encode(Described(ULong(_FOOTER), message.footer)))
    return b"".join(parts)


def decode_message(data: bytes) -> AmqpMessage:
    """Sections in any order are accepted; each must be a described value we know."""
    message = AmqpMessage()
    pos = 0
    while pos < len(data):
        section, pos = decode(data, pos)
        if not isinstance(section, Described) or not isinstance(section.descriptor, int):
            raise DecodeError("a message section is not a described type (§3.2)")
        code = int(section.descriptor)
        if code == _HEADER:
            message.header = from_list(Header, section.value)
        elif code == _PROPERTIES:
            message.properties = from_list(Properties, section.value)
        elif code in (_DELIVERY_ANN, _MESSAGE_ANN, _APP_PROPS, _FOOTER):
            _set_map(message, code, section.value)
        elif code == _DATA and isinstance(section.value, bytes):
            message.data = [*(message.data or []), section.value]
        elif code == _SEQUENCE and isinstance(section.value, list):
            message.sequence = [*(message.sequence or []), section.value]
        elif code == _VALUE:
            message.value, message.has_value = section.value, True
        else:
            raise DecodeError(f"unknown or malformed message section 0x{code:02x} (§3.2)")
    return message


def _set_map(message: AmqpMessage, code: int, value: Any) -> None:
    if value is not None and not isinstance(value, dict):
        raise DecodeError(f"message section 0x{code:02x} is not a map (§3.2)")
    name = {
        _DELIVERY_ANN: "delivery_annotations",
        _MESSAGE_ANN: "message_annotations",
        _APP_PROPS: "application_properties",
        _FOOTER: "footer",
    }[code]
    setattr(message, name, value)
