"""/api/devices/{deviceId}/commands: run a command (answered at once, Pending) and read its
status (seed 001 "Commands")."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request

from fleethub.api.central import wire
from fleethub.api.central.auth import Caller
from fleethub.http import HubDep, JsonResponse
from fleethub.hub.errors import ArgumentInvalid

router = APIRouter(tags=["IoT Central: commands"])


@router.post("/api/devices/{device_id:seg}/commands/{name:seg}", summary="Run a command")
async def run_command(
    hub: HubDep, who: Caller, device_id: str, name: str, request: Request
) -> JsonResponse:
    raw = await request.body()
    try:
        body = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError:
        raise ArgumentInvalid("The request body is not valid JSON.") from None
    record = await hub.central.commands.run(who, device_id, name, body)
    return JsonResponse(wire.command_json(record))


@router.get(
    "/api/devices/{device_id:seg}/commands/{command_id:seg}/status",
    summary="Get a command's status",
)
async def command_status(hub: HubDep, who: Caller, device_id: str, command_id: str) -> JsonResponse:
    record = await hub.central.commands.status(who, device_id, command_id)
    return JsonResponse(wire.command_json(record))
