"""/api/devices/{deviceId}/properties/{name}: read a reported (or cloud) property, and write a
desired (or cloud) one after checking it against the device's template (seed 001)."""

from __future__ import annotations

from fastapi import APIRouter

from fleethub.api.central import wire
from fleethub.api.central.auth import Caller
from fleethub.http import HubDep, JsonResponse

router = APIRouter(tags=["IoT Central: properties"])


@router.get("/api/devices/{device_id:seg}/properties/{name:seg}", summary="Get a property")
async def get_property(hub: HubDep, who: Caller, device_id: str, name: str) -> JsonResponse:
    value = await hub.central.properties.read(who, device_id, name)
    return JsonResponse(wire.property_json(value))


@router.patch("/api/devices/{device_id:seg}/properties/{name:seg}", summary="Update a property")
async def update_property(
    hub: HubDep, who: Caller, device_id: str, name: str, update: wire.PropertyUpdate
) -> JsonResponse:
    value = await hub.central.properties.write(who, device_id, name, update.value)
    return JsonResponse(wire.property_json(value))
