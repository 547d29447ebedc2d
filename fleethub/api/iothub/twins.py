"""/twins: get, patch and replace device and module twins."""

from __future__ import annotations

from fastapi import APIRouter

from fleethub.api.iothub import wire
from fleethub.api.iothub.auth import Caller, IfMatch
from fleethub.http import HubDep, JsonResponse, etagged
from fleethub.hub.auth.principal import Principal
from fleethub.hub.hub import Hub
from fleethub.hub.registry.device import Identity
from fleethub.hub.twins.service import TwinPatch

router = APIRouter(tags=["Twins"])


def _twin_response(identity: Identity) -> JsonResponse:
    return etagged(wire.twin_json(identity), identity.twin.etag)


async def read_twin(
    hub: Hub, who: Principal, device_id: str, module_id: str | None
) -> tuple[dict[str, object], str]:
    """A device or module twin's body and ETag: the GET routes' answer, also given by
    `fast_reads` without FastAPI's plumbing."""
    identity = await hub.twins.get(who, device_id, module_id)
    return wire.twin_json(identity), identity.twin.etag


def _patch_of(twin: wire.Twin) -> TwinPatch:
    desired = twin.properties.desired if twin.properties else None
    return TwinPatch(tags=twin.tags, desired=wire.strip_system_keys(desired))


@router.get("/twins/{device_id:seg}", summary="Get a device twin")
async def get_twin(device_id: str, hub: HubDep, who: Caller) -> JsonResponse:
    return etagged(*await read_twin(hub, who, device_id, None))


@router.patch("/twins/{device_id:seg}", summary="Update tags and desired properties")
async def patch_twin(
    hub: HubDep,
    who: Caller,
    device_id: str,
    twin: wire.Twin,
    if_match: IfMatch = None,
) -> JsonResponse:
    identity = await hub.twins.patch(who, device_id, None, _patch_of(twin), if_match)
    return _twin_response(identity)


@router.put("/twins/{device_id:seg}", summary="Replace tags and desired properties")
async def replace_twin(
    hub: HubDep,
    who: Caller,
    device_id: str,
    twin: wire.Twin,
    if_match: IfMatch = None,
) -> JsonResponse:
    identity = await hub.twins.replace(who, device_id, None, _patch_of(twin), if_match)
    return _twin_response(identity)


@router.get("/twins/{device_id:seg}/modules/{module_id:seg}", summary="Get a module twin")
async def get_module_twin(
    hub: HubDep,
    who: Caller,
    device_id: str,
    module_id: str,
) -> JsonResponse:
    return etagged(*await read_twin(hub, who, device_id, module_id))


@router.patch("/twins/{device_id:seg}/modules/{module_id:seg}", summary="Update a module twin")
async def patch_module_twin(
    hub: HubDep,
    who: Caller,
    device_id: str,
    module_id: str,
    twin: wire.Twin,
    if_match: IfMatch = None,
) -> JsonResponse:
    identity = await hub.twins.patch(who, device_id, module_id, _patch_of(twin), if_match)
    return _twin_response(identity)


@router.put("/twins/{device_id:seg}/modules/{module_id:seg}", summary="Replace a module twin")
async def replace_module_twin(
    hub: HubDep,
    who: Caller,
    device_id: str,
    module_id: str,
    twin: wire.Twin,
    if_match: IfMatch = None,
) -> JsonResponse:
    identity = await hub.twins.replace(who, device_id, module_id, _patch_of(twin), if_match)
    return _twin_response(identity)
