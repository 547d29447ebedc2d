"""/eventHubEndpoints/events/ConsumerGroups: the built-in endpoint's consumer groups.

Azure manages them through ARM (`.../IotHubs/{hub}/eventHubEndpoints/events/ConsumerGroups/
{name}`); fleethub serves the same tail of that path on its service REST API, with the same
JSON, authenticated like every service call. Listing needs ServiceConnect; creating and
deleting need ServiceConnect and RegistryWrite (iothubowner).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from fleethub.api.iothub import wire_eventhub as wire
from fleethub.api.iothub.auth import Caller
from fleethub.http import HubDep, JsonResponse

router = APIRouter(tags=["Event Hub-compatible endpoint"])


@router.get(wire.PATH, summary="List the built-in endpoint's consumer groups")
async def list_consumer_groups(hub: HubDep, who: Caller) -> JsonResponse:
    return JsonResponse(wire.consumer_group_list_json(await hub.consumer_groups.list(who)))


@router.get(wire.PATH + "/{name:seg}", summary="Get a consumer group")
async def get_consumer_group(name: str, hub: HubDep, who: Caller) -> JsonResponse:
    return JsonResponse(wire.consumer_group_json(await hub.consumer_groups.get(who, name)))


@router.put(wire.PATH + "/{name:seg}", summary="Create a consumer group (201; 200 if it exists)")
async def put_consumer_group(name: str, hub: HubDep, who: Caller) -> JsonResponse:
    """The body ARM takes (`{"properties": {"name": ...}}`) is optional and not read: the
    name in the path is the group's."""
    group, created = await hub.consumer_groups.add(who, name)
    return JsonResponse(wire.consumer_group_json(group), status_code=201 if created else 200)


@router.delete(wire.PATH + "/{name:seg}", status_code=204, summary="Delete a consumer group")
async def delete_consumer_group(name: str, hub: HubDep, who: Caller) -> Response:
    await hub.consumer_groups.remove(who, name)
    return Response(status_code=204)
