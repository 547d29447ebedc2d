"""/api/devices: list ($filter, $top), create, get, update, delete (seed 001 "Devices"),
plus IoT Central's device credentials and fleethub's validation counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from fleethub.api.central import wire
from fleethub.api.central.auth import Caller
from fleethub.http import HubDep, JsonResponse

router = APIRouter(tags=["IoT Central: devices"])


@router.get("/api/devices", summary="List devices")
async def list_devices(
    hub: HubDep,
    who: Caller,
    filter_text: Annotated[str | None, Query(alias="$filter", max_length=2048)] = None,
    top: Annotated[int | None, Query(alias="$top", ge=1)] = None,
) -> JsonResponse:
    devices = await hub.central.devices.list(who, filter_text, top)
    return JsonResponse({"devices": [wire.device_json(d) for d in devices]})


@router.put("/api/devices/{device_id:seg}", summary="Create a device")
async def create_device(
    hub: HubDep, who: Caller, device_id: str, device: wire.Device
) -> JsonResponse:
    created = await hub.central.devices.create(who, device_id, device.to_draft())
    return JsonResponse(wire.device_json(created, detail=True))


@router.get("/api/devices/{device_id:seg}", summary="Get a device")
async def get_device(hub: HubDep, who: Caller, device_id: str) -> JsonResponse:
    device = await hub.central.devices.get(who, device_id)
    return JsonResponse(wire.device_json(device, detail=True))


@router.patch("/api/devices/{device_id:seg}", summary="Update a device")
async def update_device(
    hub: HubDep, who: Caller, device_id: str, change: wire.DevicePatch
) -> JsonResponse:
    device = await hub.central.devices.update(who, device_id, change.to_change())
    return JsonResponse(wire.device_json(device, detail=True))


@router.delete("/api/devices/{device_id:seg}", status_code=204, summary="Delete a device")
async def delete_device(hub: HubDep, who: Caller, device_id: str) -> Response:
    await hub.central.devices.delete(who, device_id)
    return Response(status_code=204)


@router.get("/api/devices/{device_id:seg}/credentials", summary="Get a device's credentials")
async def get_credentials(hub: HubDep, who: Caller, device_id: str) -> JsonResponse:
    auth = await hub.central.devices.credentials(who, device_id)
    return JsonResponse(wire.credentials_json(auth, hub.central.info.id))


@router.get(
    "/api/devices/{device_id:seg}/validation",
    summary="Telemetry checked against the device's template (fleethub)",
)
async def get_validation(hub: HubDep, who: Caller, device_id: str) -> JsonResponse:
    counts = await hub.central.telemetry.validation(who, device_id)
    return JsonResponse(wire.validation_json(counts))
