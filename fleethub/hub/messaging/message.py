"""Messages in both directions, encoding-neutral: MQTT bags, HTTPS headers and AMQP
properties all map onto these fields (wire spec §4.3)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Message:
    body: bytes
    properties: dict[str, str] = field(default_factory=dict)
    """Application properties; values are always strings."""
    message_id: str | None = None
    correlation_id: str | None = None
    user_id: str | None = None
    content_type: str | None = None
    content_encoding: str | None = None
    expiry_time_utc: str | None = None
    output_name: str | None = None
    interface_id: str | None = None
    component: str | None = None
    """IoT Plug and Play component name (`$.sub`)."""


@dataclass(slots=True)
class D2CRecord:
    """A device-to-cloud message as the telemetry log keeps it."""

    device_id: str
    module_id: str | None
    enqueued_time: float
    message: Message
    auth_method: str = "sas"
    source: str = "Telemetry"
    """Azure's iothub-message-source: Telemetry, twinChangeEvents, deviceLifecycleEvents..."""
    validation: str | None = None
    """Model verdict: None (no model), "valid", or "invalid: <reasons>"."""
    sequence_number: int = 0
    """Assigned by the log on append; increases with every record."""


@dataclass(slots=True)
class C2DMessage:
    """A cloud-to-device message waiting in (or leaving) a device's queue."""

    device_id: str
    message: Message
    enqueued_time: float
    expiry_time: float
    ack: str = "none"
    """Feedback the sender asked for: none, positive, negative or full."""
    id: int = 0
    """Assigned by the queue on enqueue."""
    delivery_count: int = 0
    lock_token: str | None = None
    locked_until: float | None = None


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """One outcome for a sender that asked for acknowledgement (Azure's feedback record)."""

    original_message_id: str
    device_id: str
    device_generation_id: str
    status_code: str
    """Success, Expired, DeliveryCountExceeded or Rejected."""
    description: str
    enqueued_time: float


@dataclass(frozen=True, slots=True)
class FeedbackBatch:
    lock_token: str
    records: list[FeedbackRecord]
    enqueued_time: float


@dataclass(frozen=True, slots=True)
class IngestFigures:
    """The telemetry writer's counters since start, for /metrics (read at scrape time, so the
    hot path pays nothing)."""

    commits: int
    messages: int
    queued: int
