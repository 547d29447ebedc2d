"""Hub messages ↔ AMQP messages, both directions (wire spec §7; Azure's built-in endpoint).

C2D in: ``to = /devices/{id}/messages/devicebound``, message-id, correlation-id, user-id,
content-type/-encoding, absolute-expiry-time and application properties (``iothub-ack``
picks the feedback) become a hub Message. Events out: a D2CRecord becomes the message an
Event Hub consumer reads, with Azure's ``iothub-*`` and ``x-opt-*`` annotations.
"""

from __future__ import annotations

import json
import re
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

from fleethub.hub.clock import iso
from fleethub.hub.errors import ArgumentInvalid
from fleethub.hub.messaging.message import D2CRecord, Message
from fleethub.transports.amqp.message import AmqpMessage, Properties
from fleethub.transports.amqp.types import Long, Symbol, Timestamp

_TO = re.compile(r"^/devices/(?P<device>[^/]+)/messages/devicebound/?$")


@dataclass(frozen=True, slots=True)
class C2DRequest:
    device_id: str
    message: Message
    ack: str
    ttl: float | None


def _text(value: Any) -> str | None:
    """An AMQP id (string, ulong, uuid or binary) as text; Azure keeps ids as strings."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def c2d_request(message: AmqpMessage, now: float) -> C2DRequest:
    """Read a C2D message sent to `/messages/devicebound` (raises ArgumentInvalid)."""
    props = message.properties or Properties()
    match = _TO.match(_text(props.to) or "")
    if match is None:
        raise ArgumentInvalid("The 'to' property must be /devices/{deviceId}/messages/devicebound.")
    application = {
        _text(k) or "": _text(v) or "" for k, v in (message.application_properties or {}).items()
    }
    ack = application.pop("iothub-ack", "none")
    ttl: float | None = None
    expiry_text = None
    if props.absolute_expiry_time is not None:
        ttl = max(props.absolute_expiry_time / 1000 - now, 0.001)
        expiry_text = iso(props.absolute_expiry_time / 1000)
    elif message.header is not None and message.header.ttl:
        ttl = message.header.ttl / 1000
    body = message.body if message.data else _value_body(message)
    hub_message = Message(
        body=body,
        properties=application,
        message_id=_text(props.message_id),
        correlation_id=_text(props.correlation_id),
        user_id=_text(props.user_id),
        content_type=_text(props.content_type),
        content_encoding=_text(props.content_encoding),
        expiry_time_utc=expiry_text,
    )
    return C2DRequest(match["device"], hub_message, ack, ttl)


def _value_body(message: AmqpMessage) -> bytes:
    """An amqp-value body (some clients send one): text as UTF-8, bytes as they are."""
    value = message.value
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return b"" if value is None else json.dumps(value, default=str).encode()


def partition_of(device_id: str, partitions: int) -> int:
    """A device's partition: CRC-32 of its id, modulo the partition count (always the same)."""
    return zlib.crc32(device_id.encode("utf-8")) % partitions


def _auth_method(record: D2CRecord) -> str:
    scope = "module" if record.module_id else "device"
    return json.dumps(
        {"scope": scope, "type": record.auth_method, "issuer": "iothub"}, separators=(",", ":")
    )


def event_message(record: D2CRecord) -> AmqpMessage:
    """The Event Hub event for one telemetry log record.

    ``x-opt-sequence-number`` is the log's sequence number and ``x-opt-offset`` the same
    number as text (docs/api/amqp.md explains the mapping).
    """
    m = record.message
    enqueued = Timestamp(int(record.enqueued_time * 1000))
    annotations: dict[Any, Any] = {
        Symbol("iothub-connection-device-id"): record.device_id,
        Symbol("iothub-connection-auth-method"): _auth_method(record),
        Symbol("iothub-enqueuedtime"): enqueued,
        Symbol("iothub-message-source"): record.source,
        Symbol("x-opt-sequence-number"): Long(record.sequence_number),
        Symbol("x-opt-offset"): str(record.sequence_number),
        Symbol("x-opt-enqueued-time"): enqueued,
        Symbol("x-opt-partition-key"): record.device_id,
    }
    if record.module_id:
        annotations[Symbol("iothub-connection-module-id")] = record.module_id
    for name, value in (
        ("iothub-interface-id", m.interface_id),
        ("iothub-app-iothub-output-name", m.output_name),
        ("dt-subject", m.component),
    ):
        if value:
            annotations[Symbol(name)] = value
    properties = Properties(
        message_id=m.message_id or str(uuid.uuid4()),
        user_id=m.user_id.encode() if m.user_id else None,
        correlation_id=m.correlation_id,
        content_type=m.content_type,
        content_encoding=m.content_encoding,
    )
    return AmqpMessage(
        message_annotations=annotations,
        properties=properties,
        application_properties=dict(m.properties) or None,
        data=[m.body],
    )
