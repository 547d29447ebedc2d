"""GET /api/apps/app: the application itself (seed 001 "Applications")."""

from __future__ import annotations

from fastapi import APIRouter

from fleethub.api.central import wire
from fleethub.api.central.auth import Caller
from fleethub.http import HubDep, JsonResponse

router = APIRouter(tags=["IoT Central: application"])


@router.get("/api/apps/app", summary="Get the application")
async def get_application(hub: HubDep, who: Caller) -> JsonResponse:
    del who  # any valid token may read it
    return JsonResponse(wire.application_json(hub.central.info))
