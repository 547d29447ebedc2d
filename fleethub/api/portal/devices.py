"""/api/Devices: LoRaWAN devices and their model's commands (seed 000 "Devices")."""

from __future__ import annotations

from collections.abc import Awaitable

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError

from fleethub.api.portal import wire
from fleethub.api.portal.auth import Caller
from fleethub.api.portal.device_models import image_url
from fleethub.http import HubDep, JsonResponse
from fleethub.hub.errors import ModelNotFound
from fleethub.hub.lorawan.records import LoraDevice

router = APIRouter(tags=["Devices"])


def _image(request: Request, device: LoraDevice) -> str | None:
    return image_url(request, device.model_id) if device.model_id else None


async def _with_model(write: Awaitable[LoraDevice]) -> LoraDevice:
    """A modelId naming no model is a fault of the body's modelId field (a 400, not a 404)."""
    try:
        return await write
    except ModelNotFound as error:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", "modelId"), "msg": error.message}]
        ) from None


@router.get("/api/Devices", summary="List the devices (not gateways or concentrators)")
async def list_devices(request: Request, hub: HubDep, who: Caller) -> JsonResponse:
    devices = await hub.lora_devices.list(who)
    return JsonResponse([wire.device_list_item(d, _image(request, d)) for d in devices])


@router.post("/api/Devices", summary="Create a device: identity with SAS keys and its twin")
async def create_device(
    request: Request, hub: HubDep, who: Caller, body: wire.DeviceDetails
) -> JsonResponse:
    device = await _with_model(hub.lora_devices.create(who, body.to_draft()))
    return JsonResponse(wire.device_details(device, _image(request, device)))


@router.put("/api/Devices", summary="Update a device's twin and identity")
async def update_device(
    request: Request, hub: HubDep, who: Caller, body: wire.DeviceDetails
) -> JsonResponse:
    device = await _with_model(hub.lora_devices.update(who, body.to_draft()))
    return JsonResponse(wire.device_details(device, _image(request, device)))


@router.get("/api/Devices/{device_id:seg}", summary="Get a device")
async def get_device(device_id: str, request: Request, hub: HubDep, who: Caller) -> JsonResponse:
    device = await hub.lora_devices.get(who, device_id)
    return JsonResponse(wire.device_details(device, _image(request, device)))


@router.delete("/api/Devices/{device_id:seg}", summary="Delete a device")
async def delete_device(device_id: str, hub: HubDep, who: Caller) -> Response:
    await hub.lora_devices.delete(who, device_id)
    return Response(status_code=200)


@router.post(
    "/api/Devices/{device_id:seg}/{command_id:seg}",
    summary="Send one of the model's commands: its frame as a C2D message with `fport`",
)
async def send_command(device_id: str, command_id: str, hub: HubDep, who: Caller) -> Response:
    await hub.lora_devices.send_command(who, device_id, command_id)
    return Response(status_code=200)
