"""LoRa Basics Station concentrators (the Portal's Concentrators): identities of the one
registry tagged `deviceType = "LoRa Concentrator"`, whose desired `routerConfig` is the channel
plan of their region (regions.py) and whose desired `clientThumbprint` lists the certificate
thumbprints the network server accepts from an X.509 station.
"""

from __future__ import annotations

from typing import Any

from fleethub.hub import ids
from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.errors import DeviceAlreadyExists, DeviceNotFound
from fleethub.hub.lorawan.records import CONCENTRATOR, Concentrator, ConcentratorDraft
from fleethub.hub.lorawan.regions import check_region, router_config
from fleethub.hub.registry.device import Identity, IdentitySpec
from fleethub.hub.registry.service import Registry
from fleethub.hub.registry.specs import spec_of
from fleethub.hub.twins.scan import scan
from fleethub.hub.twins.service import TwinPatch, Twins

JSON = dict[str, Any]

LIST_QUERY = "SELECT * FROM devices WHERE tags.deviceType = 'LoRa Concentrator'"


class Concentrators:
    def __init__(self, registry: Registry, twins: Twins) -> None:
        self._registry = registry
        self._twins = twins

    async def list(self, principal: Principal) -> list[Concentrator]:
        require(principal, Permission.REGISTRY_READ)
        return [concentrator(i) for i in await scan(self._twins, principal, LIST_QUERY)]

    async def get(self, principal: Principal, device_id: str) -> Concentrator:
        return concentrator(await self._existing(principal, device_id))

    async def create(self, principal: Principal, draft: ConcentratorDraft) -> Concentrator:
        require(principal, Permission.REGISTRY_WRITE)
        ids.check_device_id(draft.device_id)
        tags, desired = _documents(draft)
        spec = IdentitySpec(status="enabled" if draft.enabled else "disabled")
        identity = self._registry.new_identity(draft.device_id, None, spec)
        identity.twin = self._twins.merged(identity.twin, TwinPatch(tags=tags, desired=desired))
        if await self._registry.insert_many([identity]):
            raise DeviceAlreadyExists(f"A device with id '{draft.device_id}' already exists.")
        return concentrator(identity)

    async def update(self, principal: Principal, draft: ConcentratorDraft) -> Concentrator:
        """Name, region (a new routerConfig), thumbprint and enabled state as the draft says."""
        require(principal, Permission.REGISTRY_WRITE)
        identity = await self._existing(principal, draft.device_id)
        tags, desired = _documents(draft)
        change = TwinPatch(
            tags=tags,
            desired={
                "routerConfig": becoming(
                    identity.twin.desired.get("routerConfig"), desired["routerConfig"]
                ),
                "clientThumbprint": desired.get("clientThumbprint"),
            },
        )
        await self._twins.patch(principal, draft.device_id, None, change, None)
        status = "enabled" if draft.enabled else "disabled"
        if status != identity.status:
            spec = spec_of(identity, status)
            await self._registry.put(principal, draft.device_id, None, spec, identity.etag)
        return await self.get(principal, draft.device_id)

    async def delete(self, principal: Principal, device_id: str) -> None:
        require(principal, Permission.REGISTRY_WRITE)
        await self._existing(principal, device_id)
        await self._registry.delete(principal, device_id, None, None)

    async def _existing(self, principal: Principal, device_id: str) -> Identity:
        identity = await self._registry.get(principal, device_id, None)
        if identity.twin.tags.get("deviceType") != CONCENTRATOR:
            raise DeviceNotFound(f"The concentrator '{device_id}' does not exist.")
        return identity


def _documents(draft: ConcentratorDraft) -> tuple[JSON, JSON]:
    region = check_region(draft.region)
    tags = {"deviceName": draft.name, "deviceType": CONCENTRATOR, "loraRegion": region}
    desired: JSON = {"routerConfig": router_config(region)}
    if draft.thumbprint:
        desired["clientThumbprint"] = [ids.check_thumbprint(draft.thumbprint)]
    return tags, desired


def becoming(old: Any, new: Any) -> Any:
    """The merge patch that turns `old` into `new` (null for each key `new` lacks).

    >>> becoming({"a": {"b": 1, "c": 2}}, {"a": {"b": 3}})
    {'a': {'b': 3, 'c': None}}
    """
    if not isinstance(old, dict) or not isinstance(new, dict):
        return new
    patch = {key: None for key in old if key not in new}
    patch.update({key: becoming(old.get(key), value) for key, value in new.items()})
    return patch


def concentrator(identity: Identity) -> Concentrator:
    tags, desired = identity.twin.tags, identity.twin.desired
    thumbprints = desired.get("clientThumbprint")
    config = desired.get("routerConfig")
    name, region = tags.get("deviceName"), tags.get("loraRegion")
    return Concentrator(
        device_id=identity.device_id,
        name=name if isinstance(name, str) else None,
        region=region if isinstance(region, str) else None,
        thumbprint=thumbprints[0] if isinstance(thumbprints, list) and thumbprints else None,
        connected=identity.connection_state == "Connected",
        enabled=identity.status == "enabled",
        # A station connects under its own identity: it has logged in once it has connected.
        logged_in=identity.connection_state_updated_time is not None,
        router_config=config if isinstance(config, dict) else {},
    )
