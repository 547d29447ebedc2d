"""/configurations: automatic device management and IoT Edge deployments, and
/devices/{id}/applyConfigurationContent (wire spec §6.3, IoTHubConfigurationManager)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from fleethub.api.iothub import wire_configurations as wire
from fleethub.api.iothub.auth import Caller, IfMatch
from fleethub.http import HubDep, JsonResponse, etagged

router = APIRouter(tags=["Configurations"])


def _etagged(body: wire.JSON) -> JsonResponse:
    return etagged(body, body["etag"])


@router.get("/configurations", summary="List configurations")
async def list_configurations(
    hub: HubDep, who: Caller, top: Annotated[int | None, Query()] = None
) -> JsonResponse:
    views = await hub.configurations.list(who, top)
    return JsonResponse([wire.configuration_json(v) for v in views])


@router.post("/configurations/testQueries", summary="Check a target condition and metric queries")
async def test_queries(
    hub: HubDep, who: Caller, body: wire.ConfigurationQueriesTestInput
) -> JsonResponse:
    target_error, metric_errors = await hub.configurations.test_queries(
        who, body.targetCondition, body.customMetricQueries or {}
    )
    return JsonResponse(
        {"targetConditionError": target_error, "customMetricQueryErrors": metric_errors}
    )


@router.get("/configurations/{configuration_id:seg}", summary="Get a configuration")
async def get_configuration(configuration_id: str, hub: HubDep, who: Caller) -> JsonResponse:
    return _etagged(wire.configuration_json(await hub.configurations.get(who, configuration_id)))


@router.put("/configurations/{configuration_id:seg}", summary="Create or update a configuration")
async def put_configuration(
    configuration_id: str,
    hub: HubDep,
    who: Caller,
    body: wire.Configuration,
    if_match: IfMatch = None,
) -> JsonResponse:
    """If-Match arrives unquoted from the SDK's configuration manager (wire spec §6.2)."""
    view, _ = await hub.configurations.put(who, body.to_domain(configuration_id), if_match)
    return _etagged(wire.configuration_json(view))


@router.delete(
    "/configurations/{configuration_id:seg}", status_code=204, summary="Delete a configuration"
)
async def delete_configuration(
    configuration_id: str, hub: HubDep, who: Caller, if_match: IfMatch = None
) -> Response:
    await hub.configurations.delete(who, configuration_id, if_match)
    return Response(status_code=204)


@router.post(
    "/devices/{device_id:seg}/applyConfigurationContent",
    status_code=204,
    summary="Apply modules content to one IoT Edge device",
)
async def apply_configuration_content(
    device_id: str, hub: HubDep, who: Caller, body: wire.ConfigurationContent
) -> Response:
    await hub.configurations.apply_to_edge_device(who, device_id, body.to_domain())
    return Response(status_code=204)
