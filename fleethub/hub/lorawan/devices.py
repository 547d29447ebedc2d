"""LoRaWAN devices (the Portal's Devices): identities of the one registry whose twin carries
the LoRaWAN starter kit's layout (records.py), linked to a LoRaWAN model; and the model's
downlink commands sent to a device as cloud-to-device messages.

A command goes out as the frame's bytes with an `fport` application property, which the
LoRaWAN network server turns into a downlink on that port.
"""

from __future__ import annotations

from typing import Any

from fleethub.hub import ids
from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.errors import CapabilityNotFound, DeviceAlreadyExists, ModelNotFound
from fleethub.hub.lorawan.models import LoraModels
from fleethub.hub.lorawan.records import LoraDevice, LoraDeviceDraft, LoraModel
from fleethub.hub.messaging.c2d import CloudToDevice
from fleethub.hub.messaging.message import C2DMessage, Message
from fleethub.hub.models.conformance import Conformance
from fleethub.hub.ports import IdentityStore
from fleethub.hub.registry.device import Identity, IdentitySpec
from fleethub.hub.registry.service import Registry
from fleethub.hub.registry.specs import spec_of
from fleethub.hub.twins.scan import scan
from fleethub.hub.twins.service import TwinPatch, Twins

JSON = dict[str, Any]

#: Every device that is neither an IoT Edge gateway nor a concentrator.
LIST_QUERY = (
    "SELECT * FROM devices WHERE capabilities.iotEdge = false AND "
    "(NOT IS_DEFINED(tags.deviceType) OR tags.deviceType != 'LoRa Concentrator')"
)


class LoraDevices:
    def __init__(
        self,
        registry: Registry,
        twins: Twins,
        identities: IdentityStore,
        models: LoraModels,
        c2d: CloudToDevice,
        conformance: Conformance,
    ) -> None:
        self._registry = registry
        self._twins = twins
        self._identities = identities
        self._models = models
        self._c2d = c2d
        self._conformance = conformance

    async def list(self, principal: Principal) -> list[LoraDevice]:
        require(principal, Permission.REGISTRY_READ)
        found = await scan(self._twins, principal, LIST_QUERY)
        models: dict[str, LoraModel | None] = {}
        for model_id in {m for i in found if (m := model_id_of(i))}:
            models[model_id] = await self._models.find(model_id)
        return [lora_device(i, models.get(model_id_of(i) or "")) for i in found]

    async def get(self, principal: Principal, device_id: str) -> LoraDevice:
        identity = await self._registry.get(principal, device_id, None)
        model_id = model_id_of(identity)
        return lora_device(identity, await self._models.find(model_id) if model_id else None)

    async def create(self, principal: Principal, draft: LoraDeviceDraft) -> LoraDevice:
        """A new identity with SAS keys and its twin, written in one insert."""
        require(principal, Permission.REGISTRY_WRITE)
        ids.check_device_id(draft.device_id)
        model = await self._model(draft.model_id)
        spec = IdentitySpec(status="enabled" if draft.enabled else "disabled")
        identity = self._registry.new_identity(draft.device_id, None, spec)
        identity.model_id = model.id if model else None
        tags, desired = _documents(draft, model)
        identity.twin = self._twins.merged(identity.twin, TwinPatch(tags=tags, desired=desired))
        if await self._registry.insert_many([identity]):
            raise DeviceAlreadyExists(f"A device with id '{draft.device_id}' already exists.")
        return lora_device(identity, model)

    async def update(self, principal: Principal, draft: LoraDeviceDraft) -> LoraDevice:
        """Twin and identity as the draft says; fields the draft leaves out are removed."""
        require(principal, Permission.REGISTRY_WRITE)
        identity = await self._registry.find(draft.device_id, None)
        model = await self._model(draft.model_id)
        tags, desired = _documents(draft, model)
        cleared = TwinPatch(
            tags=_with_removals(tags, _TAGS), desired=_with_removals(desired, _DESIRED)
        )
        await self._twins.patch(principal, draft.device_id, None, cleared, None)
        status = "enabled" if draft.enabled else "disabled"
        if status != identity.status:
            spec = spec_of(identity, status)
            await self._registry.put(principal, draft.device_id, None, spec, identity.etag)
        model_id = model.id if model else None
        if model_id != identity.model_id:
            await self._identities.set_model(draft.device_id, None, model_id)
            self._registry.forget_cached(draft.device_id, None)
            self._conformance.forget(draft.device_id)
        return await self.get(principal, draft.device_id)

    async def delete(self, principal: Principal, device_id: str) -> None:
        """Unlike IoT Hub's DELETE, an unknown device is a 404 here."""
        require(principal, Permission.REGISTRY_WRITE)
        await self._registry.find(device_id, None)
        await self._registry.delete(principal, device_id, None, None)

    async def send_command(
        self, principal: Principal, device_id: str, command_name: str
    ) -> C2DMessage:
        """Queue the model command's frame for the device, with its port as `fport`."""
        require(principal, Permission.SERVICE_CONNECT)
        identity = await self._registry.find(device_id, None)
        model_id = model_id_of(identity)
        model = await self._models.find(model_id) if model_id else None
        command = (
            next((c for c in model.commands if c.name == command_name), None) if model else None
        )
        if command is None:
            raise CapabilityNotFound(f"The device's model has no command '{command_name[:140]}'.")
        message = Message(
            body=bytes.fromhex(command.frame), properties={"fport": str(command.port)}
        )
        return await self._c2d.send(principal, device_id, message)

    async def _model(self, model_id: str | None) -> LoraModel | None:
        if not model_id:
            return None
        model = await self._models.find(model_id)
        if model is None:
            raise ModelNotFound(f"No LoRaWAN device model has the id '{model_id[:200]}'.")
        return model


_TAGS = ("deviceName", "modelId", "modelName", "locationCode", "assetId", "deviceType")
_DESIRED = ("AppEUI", "AppKey", "SensorDecoder")


def _documents(draft: LoraDeviceDraft, model: LoraModel | None) -> tuple[JSON, JSON]:
    """(tags, desired) for the draft; a model's decoder is the default decoder."""
    tags = {
        "deviceName": draft.name,
        "modelId": model.id if model else None,
        "modelName": model.name if model else draft.model_name,
        "locationCode": draft.location_code,
        "assetId": draft.asset_id,
        "deviceType": draft.device_type,
    }
    desired = {
        "AppEUI": draft.app_eui,
        "AppKey": draft.app_key,
        "SensorDecoder": draft.sensor_decoder or (model.sensor_decoder_url if model else None),
    }
    return _present(tags), _present(desired)


def _present(document: JSON) -> JSON:
    return {key: value for key, value in document.items() if value is not None}


def _with_removals(document: JSON, keys: tuple[str, ...]) -> JSON:
    """The document plus a null (remove) for each of `keys` it lacks."""
    return {**{key: None for key in keys}, **document}


def model_id_of(identity: Identity) -> str | None:
    tag = identity.twin.tags.get("modelId")
    return identity.model_id or (tag if isinstance(tag, str) else None)


def _text(document: JSON, key: str) -> str | None:
    value = document.get(key)
    return value if isinstance(value, str) else None


def lora_device(identity: Identity, model: LoraModel | None) -> LoraDevice:
    tags, desired = identity.twin.tags, identity.twin.desired
    return LoraDevice(
        device_id=identity.device_id,
        name=_text(tags, "deviceName"),
        model_id=model_id_of(identity),
        model_name=model.name if model else _text(tags, "modelName"),
        connected=identity.connection_state == "Connected",
        enabled=identity.status == "enabled",
        status_updated_time=identity.status_updated_time,
        app_eui=_text(desired, "AppEUI"),
        app_key=_text(desired, "AppKey"),
        location_code=_text(tags, "locationCode"),
        asset_id=_text(tags, "assetId"),
        device_type=_text(tags, "deviceType"),
        sensor_decoder=_text(desired, "SensorDecoder"),
        logged_in="DevAddr" in identity.twin.reported,
        commands=model.commands if model else (),
    )
