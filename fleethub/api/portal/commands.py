"""/api/Commands: a LoRaWAN model's downlink commands (seed 000 "Commands")."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from fleethub.api.portal import wire
from fleethub.api.portal.auth import Caller
from fleethub.api.portal.device_models import image_url
from fleethub.http import HubDep, JsonResponse

router = APIRouter(tags=["Commands"])


@router.post("/api/Commands/{model_id:seg}", summary="Add a command to a device model")
async def add_command(
    model_id: str, request: Request, hub: HubDep, who: Caller, body: wire.DeviceModelCommand
) -> JsonResponse:
    """Answers with the model as it now is (the seed names no body; clients may ignore it)."""
    model = await hub.lora_models.add_command(who, model_id, body.to_domain())
    return JsonResponse(wire.device_model_json(model, image_url(request, model.id)))


@router.delete(
    "/api/Commands/{model_id:seg}/{command_id:seg}", summary="Remove a command from a model"
)
async def remove_command(model_id: str, command_id: str, hub: HubDep, who: Caller) -> Response:
    await hub.lora_models.remove_command(who, model_id, command_id)
    return Response(status_code=200)
