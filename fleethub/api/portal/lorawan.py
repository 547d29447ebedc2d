"""/api/Concentrators: LoRa Basics Station concentrators (seed 000 "Concentrators")."""

from __future__ import annotations

from fastapi import APIRouter, Response

from fleethub.api.portal import wire
from fleethub.api.portal.auth import Caller
from fleethub.http import HubDep, JsonResponse

router = APIRouter(tags=["Concentrators"])


@router.get("/api/Concentrators", summary="List the concentrators")
async def list_concentrators(hub: HubDep, who: Caller) -> JsonResponse:
    return JsonResponse([wire.concentrator_json(c) for c in await hub.concentrators.list(who)])


@router.post("/api/Concentrators", summary="Create a concentrator; routerConfig from its region")
async def create_concentrator(hub: HubDep, who: Caller, body: wire.Concentrator) -> JsonResponse:
    created = await hub.concentrators.create(who, body.to_draft())
    return JsonResponse(wire.concentrator_json(created))


@router.put("/api/Concentrators", summary="Update a concentrator")
async def update_concentrator(hub: HubDep, who: Caller, body: wire.Concentrator) -> JsonResponse:
    updated = await hub.concentrators.update(who, body.to_draft())
    return JsonResponse(wire.concentrator_json(updated))


@router.get("/api/Concentrators/{device_id:seg}", summary="Get a concentrator")
async def get_concentrator(device_id: str, hub: HubDep, who: Caller) -> JsonResponse:
    return JsonResponse(wire.concentrator_json(await hub.concentrators.get(who, device_id)))


@router.delete("/api/Concentrators/{device_id:seg}", summary="Delete a concentrator")
async def delete_concentrator(device_id: str, hub: HubDep, who: Caller) -> Response:
    await hub.concentrators.delete(who, device_id)
    return Response(status_code=200)
