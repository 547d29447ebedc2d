"""IoT Central device properties (seed 001 "Properties"): reported values with their time,
and writes checked against the device's model before they are sent.

A writable property becomes a desired property of the twin; a cloud property (seed 004's
"Cloud" co-type) is stored in the hub only and never reaches the device.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.central.records import DeviceProfile
from fleethub.hub.clock import Clock, iso
from fleethub.hub.errors import CapabilityNotFound, PayloadInvalid
from fleethub.hub.models.conformance import Conformance
from fleethub.hub.models.dtdl import Property, Validator
from fleethub.hub.ports import DeviceProfileStore
from fleethub.hub.registry.service import Registry
from fleethub.hub.twins.service import TwinPatch, Twins


@dataclass(frozen=True, slots=True)
class PropertyValue:
    value: Any
    time: str | None
    """ISO 8601: when the device reported it, or when it was written here."""


class DeviceProperties:
    def __init__(
        self,
        registry: Registry,
        twins: Twins,
        conformance: Conformance,
        profiles: DeviceProfileStore,
        clock: Clock,
    ) -> None:
        self._registry = registry
        self._twins = twins
        self._conformance = conformance
        self._profiles = profiles
        self._clock = clock

    async def read(self, principal: Principal, device_id: str, name: str) -> PropertyValue:
        require(principal, Permission.REGISTRY_READ)
        identity = await self._registry.find(device_id, None)
        found = _property(await self._conformance.validator_of(device_id), name)
        if found is not None and found.cloud:
            profile = await self._profiles.get(device_id)
            if profile is None or name not in profile.cloud_properties:
                raise CapabilityNotFound(f"The cloud property '{name}' has no value yet.")
            stamp = profile.cloud_times.get(name)
            return PropertyValue(profile.cloud_properties[name], iso(stamp) if stamp else None)
        reported = identity.twin.reported
        if name not in reported:
            raise CapabilityNotFound(f"The device has not reported the property '{name[:200]}'.")
        value = reported[name]
        if found is not None and found.writable and _is_ack(value):
            value = value["value"]  # IoT Plug and Play acknowledges writes as {value, ac, av}
        metadata = identity.twin.reported_metadata.get(name)
        stamp = metadata.get("$lastUpdated") if isinstance(metadata, dict) else None
        return PropertyValue(value, stamp if isinstance(stamp, str) else None)

    async def write(
        self, principal: Principal, device_id: str, name: str, value: Any
    ) -> PropertyValue:
        """Validate `value` against the model, then store it (cloud) or send it (desired)."""
        require(principal, Permission.REGISTRY_WRITE)
        await self._registry.find(device_id, None)
        validator = await self._conformance.validator_of(device_id)
        found = _property(validator, name)
        if validator is not None:
            verdict = validator.writable_property(name, value)
            if not verdict.ok:
                raise PayloadInvalid(f"'{name}' cannot take that value.", verdict.reasons)
        now = self._clock()
        if found is not None and found.cloud:
            await self._write_cloud(device_id, name, value, now)
            return PropertyValue(value, iso(now))
        twin = await self._twins.patch(
            principal, device_id, None, TwinPatch(desired={name: value}), None
        )
        metadata = twin.twin.desired_metadata.get(name)
        stamp = metadata.get("$lastUpdated") if isinstance(metadata, dict) else None
        return PropertyValue(value, stamp if isinstance(stamp, str) else iso(now))

    async def _write_cloud(self, device_id: str, name: str, value: Any, now: float) -> None:
        profile = await self._profiles.get(device_id) or DeviceProfile(device_id)
        values, times = dict(profile.cloud_properties), dict(profile.cloud_times)
        if value is None:
            values.pop(name, None)
            times.pop(name, None)
        else:
            values[name], times[name] = value, now
        await self._profiles.put(
            dataclasses.replace(profile, cloud_properties=values, cloud_times=times)
        )


def _property(validator: Validator | None, name: str) -> Property | None:
    """The model's property `name`; CapabilityNotFound when the model has none by that name."""
    if validator is None:
        return None
    content = validator.interface.content(name)
    if not isinstance(content, Property):
        raise CapabilityNotFound(f"The device's template has no property '{name[:200]}'.")
    return content


def _is_ack(value: Any) -> bool:
    return isinstance(value, dict) and "value" in value and "ac" in value
