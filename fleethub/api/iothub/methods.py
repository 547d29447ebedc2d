"""POST /twins/{id}[/modules/{mid}]/methods: direct methods (CloudToDeviceMethod → Result)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from fleethub.api.iothub.auth import Caller
from fleethub.http import HubDep, JsonResponse

router = APIRouter(tags=["Direct methods"])


class CloudToDeviceMethod(BaseModel):
    model_config = ConfigDict(extra="ignore")

    methodName: str = Field(min_length=1, max_length=128)
    payload: Any = None
    responseTimeoutInSeconds: int | None = None
    connectTimeoutInSeconds: int | None = None


@router.post("/twins/{device_id:seg}/methods", summary="Invoke a direct method on a device")
async def invoke_device_method(
    hub: HubDep, who: Caller, device_id: str, request: CloudToDeviceMethod
) -> JsonResponse:
    return await _invoke(hub, who, device_id, None, request)


@router.post(
    "/twins/{device_id:seg}/modules/{module_id:seg}/methods",
    summary="Invoke a direct method on a module",
)
async def invoke_module_method(
    hub: HubDep, who: Caller, device_id: str, module_id: str, request: CloudToDeviceMethod
) -> JsonResponse:
    return await _invoke(hub, who, device_id, module_id, request)


async def _invoke(
    hub: HubDep, who: Caller, device_id: str, module_id: str | None, request: CloudToDeviceMethod
) -> JsonResponse:
    result = await hub.methods.invoke(
        who,
        device_id,
        module_id,
        request.methodName,
        request.payload,
        request.responseTimeoutInSeconds,
        request.connectTimeoutInSeconds,
    )
    return JsonResponse({"status": result.status, "payload": result.payload})
