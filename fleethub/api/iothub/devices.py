"""/devices: identities, modules and bulk operations (wire spec §6.3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from fleethub.api.iothub import wire
from fleethub.api.iothub.auth import Caller, IfMatch, IfNoneMatch
from fleethub.http import HubDep, JsonResponse, etagged
from fleethub.hub.auth.principal import Principal
from fleethub.hub.errors import ArgumentInvalid
from fleethub.hub.hub import Hub
from fleethub.hub.registry import bulk

router = APIRouter(tags=["Devices"])


@router.get("/devices", summary="List device identities")
async def list_devices(
    hub: HubDep,
    who: Caller,
    top: Annotated[int | None, Query(ge=1)] = None,
) -> JsonResponse:
    devices = await hub.registry.list_devices(who, top)
    return JsonResponse([wire.device_json(d) for d in devices])


async def read_identity(
    hub: Hub, who: Principal, device_id: str, module_id: str | None
) -> tuple[dict[str, object], str]:
    """A device or module identity's body and ETag: the GET routes' answer, also given by
    `fast_reads` without FastAPI's plumbing."""
    identity = await hub.registry.get(who, device_id, module_id)
    if module_id is None:
        return wire.device_json(identity), identity.etag
    return wire.module_json(identity), identity.etag


@router.get("/devices/{device_id:seg}", summary="Get a device identity")
async def get_device(device_id: str, hub: HubDep, who: Caller) -> JsonResponse:
    return etagged(*await read_identity(hub, who, device_id, None))


@router.put("/devices/{device_id:seg}", summary="Create or update a device identity")
async def put_device(
    hub: HubDep,
    who: Caller,
    device_id: str,
    device: wire.Device,
    if_match: IfMatch = None,
    if_none_match: IfNoneMatch = None,
) -> JsonResponse:
    if device.deviceId is not None and device.deviceId != device_id:
        raise ArgumentInvalid("The body's deviceId does not match the device id in the path.")
    result = await hub.registry.put(who, device_id, None, device.to_spec(), if_match, if_none_match)
    return etagged(wire.device_json(result.identity), result.identity.etag)


@router.delete("/devices/{device_id:seg}", status_code=204, summary="Delete a device identity")
async def delete_device(
    hub: HubDep,
    who: Caller,
    device_id: str,
    if_match: IfMatch = None,
) -> Response:
    await hub.registry.delete(who, device_id, None, if_match)
    return Response(status_code=204)


@router.post("/devices", summary="Create, update or delete up to 100 identities")
async def bulk_devices(
    hub: HubDep,
    who: Caller,
    items: Annotated[list[wire.ExportImportDevice], Body()],
) -> JsonResponse:
    result = await bulk.apply(hub.registry, hub.twins, who, [_bulk_item(i) for i in items])
    errors = [
        {
            "deviceId": e.device_id,
            "moduleId": e.module_id,
            "operation": e.operation,
            "errorCode": type(e.error).__name__,
            "errorStatus": e.error.message,
        }
        for e in result.errors
    ]
    body = {"isSuccessful": result.is_successful, "errors": errors, "warnings": []}
    return JsonResponse(body, status_code=200 if result.is_successful else 400)


def _bulk_item(item: wire.ExportImportDevice) -> bulk.BulkItem:
    desired = item.properties.desired if item.properties is not None else None
    mode = "update" if item.importMode == "createOrUpdate" else item.importMode
    return bulk.BulkItem(
        device_id=item.id,
        module_id=item.moduleId,
        import_mode=mode,
        spec=item.to_spec(),
        etag=item.eTag,
        twin_etag=item.twinETag,
        tags=item.tags,
        desired=wire.strip_system_keys(desired),
    )


@router.get("/devices/{device_id:seg}/modules", summary="List a device's modules")
async def list_modules(device_id: str, hub: HubDep, who: Caller) -> JsonResponse:
    modules = await hub.registry.list_modules(who, device_id)
    return JsonResponse([wire.module_json(m) for m in modules])


@router.get("/devices/{device_id:seg}/modules/{module_id:seg}", summary="Get a module identity")
async def get_module(
    hub: HubDep,
    who: Caller,
    device_id: str,
    module_id: str,
) -> JsonResponse:
    return etagged(*await read_identity(hub, who, device_id, module_id))


@router.put("/devices/{device_id:seg}/modules/{module_id:seg}", summary="Create or update a module")
async def put_module(
    hub: HubDep,
    who: Caller,
    device_id: str,
    module_id: str,
    module: wire.Module,
    if_match: IfMatch = None,
    if_none_match: IfNoneMatch = None,
) -> JsonResponse:
    if module.moduleId is not None and module.moduleId != module_id:
        raise ArgumentInvalid("The body's moduleId does not match the module id in the path.")
    if module.deviceId is not None and module.deviceId != device_id:
        raise ArgumentInvalid("The body's deviceId does not match the device id in the path.")
    result = await hub.registry.put(
        who, device_id, module_id, module.to_spec(), if_match, if_none_match
    )
    return etagged(wire.module_json(result.identity), result.identity.etag)


@router.delete(
    "/devices/{device_id:seg}/modules/{module_id:seg}",
    status_code=204,
    summary="Delete a module identity",
)
async def delete_module(
    hub: HubDep,
    who: Caller,
    device_id: str,
    module_id: str,
    if_match: IfMatch = None,
) -> Response:
    await hub.registry.delete(who, device_id, module_id, if_match)
    return Response(status_code=204)
