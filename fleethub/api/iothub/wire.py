"""Azure IoT Hub JSON shapes (wire spec §6.4): request models and response renderers.

Requests are parsed with pydantic models named as Azure's schemas; responses are built as
plain dicts (the hot read paths skip model validation). Unknown request fields are ignored,
as the service does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fleethub.hub.registry.device import Authentication, Identity, IdentitySpec
from fleethub.hub.twins.twin import with_metadata

NEVER = "0001-01-01T00:00:00Z"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SymmetricKey(_Model):
    primaryKey: str | None = None
    secondaryKey: str | None = None


class X509Thumbprint(_Model):
    primaryThumbprint: str | None = None
    secondaryThumbprint: str | None = None


class AuthenticationMechanism(_Model):
    symmetricKey: SymmetricKey | None = None
    x509Thumbprint: X509Thumbprint | None = None
    type: Literal["sas", "selfSigned", "certificateAuthority", "none"] = "sas"

    def to_domain(self) -> Authentication:
        keys, prints = self.symmetricKey, self.x509Thumbprint
        return Authentication(
            type=self.type,
            primary_key=(keys and keys.primaryKey) or None,
            secondary_key=(keys and keys.secondaryKey) or None,
            primary_thumbprint=(prints and prints.primaryThumbprint) or None,
            secondary_thumbprint=(prints and prints.secondaryThumbprint) or None,
        )


def _auth_of(mechanism: AuthenticationMechanism | None) -> Authentication:
    # Absent parts are read as their defaults without building default models: bulk imports
    # convert thousands of items a second, and each model built is a validation.
    return mechanism.to_domain() if mechanism is not None else Authentication()


def _iot_edge(capabilities: DeviceCapabilities | None) -> bool:
    return capabilities is not None and capabilities.iotEdge


class DeviceCapabilities(_Model):
    iotEdge: bool = False


class Device(_Model):
    deviceId: str | None = None
    status: Literal["enabled", "disabled"] = "enabled"
    statusReason: str | None = Field(None, max_length=128)
    authentication: AuthenticationMechanism | None = None
    capabilities: DeviceCapabilities | None = None
    deviceScope: str | None = None
    parentScopes: list[str] | None = None
    etag: str | None = None

    def to_spec(self) -> IdentitySpec:
        return IdentitySpec(
            status=self.status,
            status_reason=self.statusReason,
            auth=_auth_of(self.authentication),
            iot_edge=_iot_edge(self.capabilities),
            device_scope=self.deviceScope,
            parent_scopes=tuple(self.parentScopes or ()),
        )


class Module(_Model):
    moduleId: str | None = None
    deviceId: str | None = None
    managedBy: str | None = None
    authentication: AuthenticationMechanism | None = None
    etag: str | None = None

    def to_spec(self) -> IdentitySpec:
        return IdentitySpec(
            auth=_auth_of(self.authentication),
            managed_by=self.managedBy,
        )


class TwinProperties(_Model):
    desired: dict[str, Any] | None = None
    reported: dict[str, Any] | None = None


class Twin(_Model):
    deviceId: str | None = None
    moduleId: str | None = None
    tags: dict[str, Any] | None = None
    properties: TwinProperties | None = None
    etag: str | None = None


class QuerySpecification(_Model):
    query: str = Field(min_length=1)


class PropertyContainer(_Model):
    desired: dict[str, Any] | None = None
    reported: dict[str, Any] | None = None


class ExportImportDevice(_Model):
    id: str = Field(min_length=1)
    moduleId: str | None = None
    eTag: str | None = None
    importMode: str = "createOrUpdate"
    status: Literal["enabled", "disabled"] = "enabled"
    statusReason: str | None = None
    authentication: AuthenticationMechanism | None = None
    twinETag: str | None = None
    tags: dict[str, Any] | None = None
    properties: PropertyContainer | None = None
    capabilities: DeviceCapabilities | None = None
    deviceScope: str | None = None
    parentScopes: list[str] | None = None

    def to_spec(self) -> IdentitySpec:
        if self.model_fields_set <= _ITEM_ONLY:  # the common bulk create: an id and a mode
            return _DEFAULT_SPEC
        return IdentitySpec(
            status=self.status,
            status_reason=self.statusReason,
            auth=_auth_of(self.authentication),
            iot_edge=_iot_edge(self.capabilities),
            device_scope=self.deviceScope,
            parent_scopes=tuple(self.parentScopes or ()),
        )


#: Fields that say nothing about the identity itself; an item with only these gets the
#: defaults, shared (IdentitySpec and its Authentication are never mutated).
_ITEM_ONLY = frozenset({"id", "moduleId", "importMode", "eTag", "twinETag", "tags", "properties"})
_DEFAULT_SPEC = IdentitySpec()


def strip_system_keys(doc: dict[str, Any] | None) -> dict[str, Any] | None:
    """A twin read back and sent again carries `$metadata`/`$version`; Azure drops them."""
    if doc is None:
        return None
    return {k: v for k, v in doc.items() if k not in ("$metadata", "$version")}


def time_text(value: datetime | None) -> str:
    if value is None:
        return NEVER
    # isoformat: the same text as strftime("%Y-%m-%dT%H:%M:%S.%fZ") at a fraction of the CPU.
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _auth(i: Identity) -> dict[str, Any]:
    a = i.auth
    return {
        "symmetricKey": {"primaryKey": a.primary_key, "secondaryKey": a.secondary_key},
        "x509Thumbprint": {
            "primaryThumbprint": a.primary_thumbprint,
            "secondaryThumbprint": a.secondary_thumbprint,
        },
        "type": a.type,
    }


def device_json(i: Identity) -> dict[str, Any]:
    return {
        "deviceId": i.device_id,
        "generationId": i.generation_id,
        "etag": i.etag,
        "connectionState": i.connection_state,
        "status": i.status,
        "statusReason": i.status_reason,
        "connectionStateUpdatedTime": time_text(i.connection_state_updated_time),
        "statusUpdatedTime": time_text(i.status_updated_time),
        "lastActivityTime": time_text(i.last_activity_time),
        "cloudToDeviceMessageCount": i.c2d_count,
        "authentication": _auth(i),
        "capabilities": {"iotEdge": i.iot_edge},
        "deviceScope": i.device_scope,
        "parentScopes": i.parent_scopes,
    }


def module_json(i: Identity) -> dict[str, Any]:
    return {
        "moduleId": i.module_id,
        "managedBy": i.managed_by,
        "deviceId": i.device_id,
        "generationId": i.generation_id,
        "etag": i.etag,
        "connectionState": i.connection_state,
        "connectionStateUpdatedTime": time_text(i.connection_state_updated_time),
        "lastActivityTime": time_text(i.last_activity_time),
        "cloudToDeviceMessageCount": i.c2d_count,
        "authentication": _auth(i),
    }


def twin_json(i: Identity) -> dict[str, Any]:
    t = i.twin
    body: dict[str, Any] = {"deviceId": i.device_id}
    if i.module_id is not None:
        body["moduleId"] = i.module_id
    body.update(
        {
            "etag": t.etag,
            "deviceEtag": i.etag,
            "status": i.status,
            "statusReason": i.status_reason,
            "statusUpdateTime": time_text(i.status_updated_time),
            "connectionState": i.connection_state,
            "lastActivityTime": time_text(i.last_activity_time),
            "cloudToDeviceMessageCount": i.c2d_count,
            "authenticationType": i.auth.type,
            "x509Thumbprint": {
                "primaryThumbprint": i.auth.primary_thumbprint,
                "secondaryThumbprint": i.auth.secondary_thumbprint,
            },
            "modelId": i.model_id or "",
            "version": t.version,
            "tags": t.tags,
            "properties": {
                "desired": with_metadata(t.desired, t.desired_metadata, t.desired_version),
                "reported": with_metadata(t.reported, t.reported_metadata, t.reported_version),
            },
            "capabilities": {"iotEdge": i.iot_edge},
        }
    )
    if i.device_scope:
        body["deviceScope"] = i.device_scope
        body["parentScopes"] = i.parent_scopes
    return body
