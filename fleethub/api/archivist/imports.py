"""/archivist/v2/iothubgdr: start, list, read, cancel and forget hub-to-hub imports (seed 003)."""

from __future__ import annotations

from fastapi import APIRouter

from fleethub.api.archivist import wire
from fleethub.api.archivist.auth import Caller
from fleethub.http import HubDep, JsonResponse

router = APIRouter(prefix="/archivist/v2", tags=["Imports (archivist)"])


@router.post("/iothubgdr", summary="Import every device of another IoT hub")
async def create_import(
    hub: HubDep, who: Caller, request: wire.CreateIoTHubGDRConnectionRequest
) -> JsonResponse:
    job = await hub.jobs.start_hub_import(
        who,
        request.display_name,
        request.secret.get_secret_value(),
        request.arc_home_location_identity,
    )
    return JsonResponse(wire.operation(job))


@router.get("/iothubgdr", summary="List imports")
async def list_imports(hub: HubDep, who: Caller) -> JsonResponse:
    return JsonResponse(wire.operations(await hub.jobs.hub_imports(who)))


@router.get("/iothubgdr/{import_id:seg}", summary="Get one import")
async def get_import(hub: HubDep, who: Caller, import_id: str) -> JsonResponse:
    return JsonResponse(wire.operation(await hub.jobs.hub_import(who, import_id)))


@router.post("/iothubgdr/{import_id:seg}:cancel", summary="Cancel an import")
async def cancel_import(hub: HubDep, who: Caller, import_id: str) -> JsonResponse:
    return JsonResponse(wire.operation(await hub.jobs.cancel_hub_import(who, import_id)))


@router.delete("/iothubgdr/{import_id:seg}", summary="Forget an import (it goes on running)")
async def delete_import(hub: HubDep, who: Caller, import_id: str) -> JsonResponse:
    await hub.jobs.forget_hub_import(who, import_id)
    return JsonResponse({})
