"""IoT Central devices (seed 001 "Devices"): identities of the one registry, shown with a
display name, a template (the identity's model) and the simulated/provisioned/enabled flags.

The display name, the simulated flag and cloud property values live in a profile beside the
identity, as IoT Central keeps them beside IoT Hub's registry.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.central.records import CentralDevice, DeviceProfile
from fleethub.hub.errors import ArgumentInvalid, DeviceNotFound, FilterInvalid
from fleethub.hub.events import IdentitiesChanged
from fleethub.hub.models.conformance import Conformance
from fleethub.hub.models.dtdl import DtmiError, parse_dtmi
from fleethub.hub.odata import FieldType, ODataError, matches, parse_filter
from fleethub.hub.ports import CommandLog, DeviceProfileStore, IdentityStore
from fleethub.hub.registry.device import Authentication, Identity, IdentitySpec
from fleethub.hub.registry.service import Registry

#: Seed 001: `$filter` works over these device fields.
FILTER_FIELDS: dict[str, FieldType] = {
    "id": "string",
    "displayName": "string",
    "template": "string",
    "simulated": "boolean",
    "provisioned": "boolean",
    "enabled": "boolean",
}
MAX_DISPLAY_NAME = 200


@dataclass(frozen=True, slots=True)
class DeviceDraft:
    display_name: str | None = None
    template: str | None = None
    simulated: bool = False
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class DeviceChange:
    """A PATCH: None leaves a field as it is."""

    display_name: str | None = None
    template: str | None = None
    simulated: bool | None = None
    enabled: bool | None = None


class CentralDevices:
    def __init__(
        self,
        registry: Registry,
        identities: IdentityStore,
        profiles: DeviceProfileStore,
        commands: CommandLog,
        conformance: Conformance,
    ) -> None:
        self._registry = registry
        self._identities = identities
        self._profiles = profiles
        self._commands = commands
        self._conformance = conformance

    async def list(
        self, principal: Principal, filter_text: str | None, top: int | None
    ) -> list[CentralDevice]:
        require(principal, Permission.REGISTRY_READ)
        try:
            where = parse_filter(filter_text, FILTER_FIELDS) if filter_text is not None else None
        except ODataError as error:
            raise FilterInvalid(str(error)) from None
        devices = [_device(i, p) for i, p in await self._profiles.list_devices()]
        if where is not None:
            devices = [d for d in devices if matches(where, _row(d))]
        return devices if top is None else devices[:top]

    async def get(self, principal: Principal, device_id: str) -> CentralDevice:
        require(principal, Permission.REGISTRY_READ)
        identity = await self._registry.find(device_id, None)
        return _device(identity, await self._profiles.get(device_id))

    async def create(
        self, principal: Principal, device_id: str, draft: DeviceDraft
    ) -> CentralDevice:
        """A new identity with generated keys; an existing id is a DeviceAlreadyExists."""
        require(principal, Permission.REGISTRY_WRITE)
        _check_draft(draft.display_name, draft.template)
        status = "enabled" if draft.enabled else "disabled"
        await self._registry.put(principal, device_id, None, IdentitySpec(status=status))
        if draft.template is not None:
            await self._identities.set_model(device_id, None, draft.template)
            self._registry.forget_cached(device_id, None)
            self._conformance.forget(device_id)
        await self._profiles.put(DeviceProfile(device_id, draft.display_name, draft.simulated))
        return await self.get(principal, device_id)

    async def update(
        self, principal: Principal, device_id: str, change: DeviceChange
    ) -> CentralDevice:
        require(principal, Permission.REGISTRY_WRITE)
        _check_draft(change.display_name, change.template)
        identity = await self._registry.find(device_id, None)
        if change.enabled is not None and change.enabled != (identity.status == "enabled"):
            spec = _spec(identity, "enabled" if change.enabled else "disabled")
            await self._registry.put(principal, device_id, None, spec, if_match=identity.etag)
        if change.template is not None and change.template != identity.model_id:
            await self._identities.set_model(device_id, None, change.template)
            self._registry.forget_cached(device_id, None)
            self._conformance.forget(device_id)
        if change.display_name is not None or change.simulated is not None:
            profile = await self._profiles.get(device_id) or DeviceProfile(device_id)
            if change.display_name is not None:
                profile = dataclasses.replace(profile, display_name=change.display_name)
            if change.simulated is not None:
                profile = dataclasses.replace(profile, simulated=change.simulated)
            await self._profiles.put(profile)
        return await self.get(principal, device_id)

    async def delete(self, principal: Principal, device_id: str) -> None:
        """Unlike IoT Hub's DELETE, an unknown device is a 404 here (seed 001)."""
        require(principal, Permission.REGISTRY_WRITE)
        if await self._registry.lookup(device_id, None) is None:
            raise DeviceNotFound(f"The device '{device_id}' does not exist.")
        await self._registry.delete(principal, device_id, None, None)

    async def credentials(self, principal: Principal, device_id: str) -> Authentication:
        require(principal, Permission.REGISTRY_WRITE)
        return (await self._registry.find(device_id, None)).auth

    async def identities_changed(self, events: IdentitiesChanged) -> None:
        """A device deleted through any face takes its profile and command records along."""
        for event in events:
            if event.change == "deleted" and event.module_id is None:
                await self._profiles.delete(event.device_id)
                await self._commands.delete_device(event.device_id)


def _check_draft(display_name: str | None, template: str | None) -> None:
    if display_name is not None and len(display_name) > MAX_DISPLAY_NAME:
        raise ArgumentInvalid(f"displayName may hold at most {MAX_DISPLAY_NAME} characters.")
    if template is not None:
        try:
            parse_dtmi(template, dtdl_version=3)
        except DtmiError as error:
            raise ArgumentInvalid(f"template '{template[:200]}': {error.message}") from None


def _spec(identity: Identity, status: str) -> IdentitySpec:
    return IdentitySpec(
        status=status,
        status_reason=identity.status_reason,
        auth=identity.auth,
        iot_edge=identity.iot_edge,
        device_scope=identity.device_scope,
        parent_scopes=tuple(identity.parent_scopes),
        managed_by=identity.managed_by,
    )


def _device(identity: Identity, profile: DeviceProfile | None) -> CentralDevice:
    reported = identity.twin.reported
    firmware = reported.get("firmwareVersion")
    return CentralDevice(
        id=identity.device_id,
        display_name=(profile.display_name if profile else None) or identity.device_id,
        template=identity.model_id,
        simulated=profile.simulated if profile else False,
        provisioned=identity.connection_state_updated_time is not None,
        enabled=identity.status == "enabled",
        last_seen=identity.last_activity_time,
        firmware_version=firmware if isinstance(firmware, str) else None,
    )


def _row(device: CentralDevice) -> dict[str, str | bool | None]:
    return {
        "id": device.id,
        "displayName": device.display_name,
        "template": device.template,
        "simulated": device.simulated,
        "provisioned": device.provisioned,
        "enabled": device.enabled,
    }
