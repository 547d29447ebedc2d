"""/statistics: registry and service counters."""

from __future__ import annotations

from fastapi import APIRouter

from fleethub.api.iothub.auth import Caller
from fleethub.http import HubDep, JsonResponse

router = APIRouter(tags=["Statistics"])


@router.get("/statistics/devices", summary="Device counts by status")
async def registry_statistics(hub: HubDep, who: Caller) -> JsonResponse:
    counts = await hub.registry.statistics(who)
    return JsonResponse(
        {
            "totalDeviceCount": counts.total,
            "enabledDeviceCount": counts.enabled,
            "disabledDeviceCount": counts.disabled,
        }
    )


@router.get("/statistics/service", summary="Connected device count")
async def service_statistics(hub: HubDep, who: Caller) -> JsonResponse:
    counts = await hub.registry.statistics(who)
    return JsonResponse({"connectedDeviceCount": counts.connected})
