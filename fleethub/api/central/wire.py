"""IoT Central JSON shapes (seeds 001 and 004): request models and response renderers.

Requests are pydantic models named after IoT Central's schemas; responses are plain dicts.
Times are ISO 8601 with milliseconds, as IoT Central writes them (`2023-10-26T15:00:00.000Z`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fleethub.hub.auth.roles import ApiToken
from fleethub.hub.central.application import Application
from fleethub.hub.central.devices import DeviceChange, DeviceDraft
from fleethub.hub.central.properties import PropertyValue
from fleethub.hub.central.records import CentralDevice, CommandRecord
from fleethub.hub.central.telemetry import TelemetryValue
from fleethub.hub.models.conformance import ValidationCounts
from fleethub.hub.models.record import ModelRecord
from fleethub.hub.registry.device import Authentication

JSON = dict[str, Any]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Device(_Model):
    """PUT /api/devices/{deviceId} (seed 001 "Create Device")."""

    displayName: str | None = Field(None, max_length=200)
    template: str | None = Field(None, max_length=256)
    simulated: bool = False
    enabled: bool = True

    def to_draft(self) -> DeviceDraft:
        return DeviceDraft(self.displayName, self.template, self.simulated, self.enabled)


class DevicePatch(_Model):
    """PATCH /api/devices/{deviceId} (seed 001 "Update Device"): only what is given changes."""

    displayName: str | None = Field(None, max_length=200)
    template: str | None = Field(None, max_length=256)
    simulated: bool | None = None
    enabled: bool | None = None

    def to_change(self) -> DeviceChange:
        return DeviceChange(self.displayName, self.template, self.simulated, self.enabled)


class PropertyUpdate(_Model):
    """PATCH /api/devices/{deviceId}/properties/{name}: `{"value": ...}` (null removes it)."""

    value: Any = Field(...)


class RoleAssignment(_Model):
    role: str = Field(min_length=1, max_length=64)
    organization: str | None = Field(None, max_length=128)


class ApiTokenRequest(_Model):
    """PUT /api/apiTokens/{tokenId}."""

    roles: list[RoleAssignment] = Field(min_length=1, max_length=10)
    expiry: datetime | None = None


def time_of(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _datetime(value: datetime | None) -> str | None:
    return None if value is None else time_of(value.timestamp())


def application_json(app: Application) -> JSON:
    created = time_of(app.created_time)
    return {
        "id": app.id,
        "displayName": app.display_name,
        "template": app.template,
        "location": app.location,
        "state": "Running",
        "createdTime": created,
        "lastUpdatedTime": created,
    }


def device_json(device: CentralDevice, *, detail: bool = False) -> JSON:
    """A device; `detail` adds lastSeen and firmwareVersion when known (seed 001 "Get")."""
    body: JSON = {"id": device.id, "displayName": device.display_name}
    if device.template is not None:
        body["template"] = device.template
    body.update(simulated=device.simulated, provisioned=device.provisioned, enabled=device.enabled)
    if detail and device.last_seen is not None:
        body["lastSeen"] = _datetime(device.last_seen)
    if detail and device.firmware_version is not None:
        body["firmwareVersion"] = device.firmware_version
    return body


def credentials_json(auth: Authentication, scope: str) -> JSON:
    """IoT Central's DeviceCredentials; `idScope` names the application (no DPS here)."""
    body: JSON = {"idScope": scope}
    if auth.type == "sas":
        body["symmetricKey"] = {"primaryKey": auth.primary_key, "secondaryKey": auth.secondary_key}
    elif auth.type == "selfSigned":
        body["x509"] = {
            "clientCertificates": {
                "primary": {"thumbprint": auth.primary_thumbprint},
                "secondary": {"thumbprint": auth.secondary_thumbprint},
            }
        }
    return body


def property_json(value: PropertyValue) -> JSON:
    return {"value": value.value, "lastReportedTime": _reformat(value.time)}


def _reformat(text: str | None) -> str | None:
    """Twin metadata's `2026-11-22T23:06:21.123456Z` as IoT Central's `...21.123Z`."""
    if text is None:
        return None
    try:
        return time_of(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return text


def telemetry_json(value: TelemetryValue) -> JSON:
    return {"value": value.value, "timestamp": time_of(value.time)}


def validation_json(counts: ValidationCounts) -> JSON:
    return {
        "messages": counts.messages,
        "invalid": counts.invalid,
        "lastInvalidTime": time_of(counts.last_invalid_time),
        "lastReasons": counts.last_reasons,
    }


def command_json(record: CommandRecord) -> JSON:
    body: JSON = {"commandId": record.id, "status": record.status}
    if record.status != "Pending":
        body["result"] = record.result
        body["completedTime"] = time_of(record.completed_time)
    return body


def template_json(model: ModelRecord) -> JSON:
    """The stored template with IoT Central's `etag` first (seed 004's answers)."""
    return {"etag": model.etag, **model.document}


def token_json(token: ApiToken, text: str | None = None) -> JSON:
    roles = [
        {"role": r.role, **({"organization": r.organization} if r.organization else {})}
        for r in token.roles
    ]
    body: JSON = {"id": token.id, "roles": roles, "expiry": time_of(token.expiry)}
    if text is not None:
        body["token"] = text
    return body
