"""IoT Central's view of a device (seed 001): records the Central services and store share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """What IoT Central keeps beside an identity: its display name, whether it is simulated,
    and its cloud property values (stored hub-side, never sent to the device)."""

    device_id: str
    display_name: str | None = None
    simulated: bool = False
    cloud_properties: JSON = field(default_factory=dict)
    cloud_times: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CentralDevice:
    """One row of IoT Central's device list: an identity joined with its profile."""

    id: str
    display_name: str
    template: str | None
    simulated: bool
    provisioned: bool
    """The device has connected at least once."""
    enabled: bool
    last_seen: datetime | None = None
    firmware_version: str | None = None


@dataclass(slots=True)
class CommandRecord:
    """One command invocation (seed 001 "Commands"): Pending until the device answers."""

    id: str
    device_id: str
    name: str
    request: Any
    created_time: float
    status: str = "Pending"
    """Pending, Completed (the device answered 2xx) or Failed."""
    result: Any = None
    response_code: int | None = None
    completed_time: float | None = None


@dataclass(frozen=True, slots=True)
class RecentMessage:
    """A telemetry body as IoT Central's "latest value" read needs it."""

    enqueued_time: float
    body: bytes
    component: str | None
    content_encoding: str | None
