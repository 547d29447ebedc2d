"""/api/Gateways and /api/Configs: IoT Edge gateways and deployments (seed 000 "Gateways" and
"Configs")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response
from fastapi.exceptions import RequestValidationError

from fleethub.api.portal import wire_edge
from fleethub.api.portal.auth import Caller
from fleethub.api.portal.wire_edge import GatewayModuleBody
from fleethub.http import HubDep, JsonResponse
from fleethub.hub.configurations.record import MODULES
from fleethub.hub.gateways import deployment_modules
from fleethub.hub.hub import Hub

router = APIRouter(tags=["Gateways", "Configs"])
_MISMATCH = "The body's deviceId must be the gateway id in the path."


def hub_host(request: Request, hub: Hub) -> str:
    """The hub name devices should dial: the one this client reached us by, when it is one
    of the hub's names (the server certificate covers those)."""
    host = (request.url.hostname or "").lower()
    names = hub.config.names.names
    return host if host in names or not names else sorted(names)[0]


@router.get("/api/Gateways", summary="List the IoT Edge gateways")
async def list_gateways(hub: HubDep, who: Caller) -> JsonResponse:
    return JsonResponse([wire_edge.gateway_list_item(g) for g in await hub.gateways.list(who)])


@router.post("/api/Gateways", summary="Create an IoT Edge gateway with its system modules")
async def create_gateway(
    request: Request, hub: HubDep, who: Caller, body: wire_edge.Gateway
) -> JsonResponse:
    created = await hub.gateways.create(who, body.to_draft())
    return JsonResponse(wire_edge.gateway_json(created, hub_host(request, hub)))


@router.get("/api/Gateways/{device_id:seg}", summary="Get a gateway, its modules, deployment")
async def get_gateway(device_id: str, request: Request, hub: HubDep, who: Caller) -> JsonResponse:
    gateway = await hub.gateways.get(who, device_id)
    return JsonResponse(wire_edge.gateway_json(gateway, hub_host(request, hub)))


@router.put("/api/Gateways/{gateway:seg}", summary="Update a gateway's type, environment, status")
async def update_gateway(
    gateway: str, request: Request, hub: HubDep, who: Caller, body: wire_edge.Gateway
) -> JsonResponse:
    """`gateway` is the device id; the body's deviceId must agree with it."""
    if body.deviceId != gateway:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", "deviceId"), "msg": _MISMATCH}]
        )
    updated = await hub.gateways.update(who, body.to_draft())
    return JsonResponse(wire_edge.gateway_json(updated, hub_host(request, hub)))


@router.delete("/api/Gateways/{device_id:seg}", summary="Delete a gateway")
async def delete_gateway(device_id: str, hub: HubDep, who: Caller) -> Response:
    await hub.gateways.delete(who, device_id)
    return Response(status_code=200)


@router.get(
    "/api/Gateways/{device_id:seg}/{device_type:seg}/ConnectionString",
    summary="The device's connection string (HostName=...;DeviceId=...;SharedAccessKey=...)",
)
async def connection_string(
    device_id: str, device_type: str, request: Request, hub: HubDep, who: Caller
) -> JsonResponse:
    del device_type  # the Portal's DPS enrollment type; one registry needs no such choice
    text = await hub.gateways.connection_string(who, device_id, hub_host(request, hub))
    return JsonResponse(text)


@router.post(
    "/api/Gateways/{device_id:seg}/{module_id:seg}/{method_name:seg}",
    summary="Invoke a direct method on one of the gateway's modules",
)
async def invoke_module_method(
    device_id: str,
    module_id: str,
    method_name: str,
    hub: HubDep,
    who: Caller,
    body: Annotated[GatewayModuleBody | None, Body()] = None,
) -> JsonResponse:
    payload = method_payload(method_name, body)
    result = await hub.gateways.invoke(who, device_id, module_id, method_name, payload)
    return JsonResponse(wire_edge.c2d_result(result))


def method_payload(method_name: str, body: GatewayModuleBody | None) -> object:
    """The IoT Edge agent's built-in methods get the payloads the Portal sends them; any
    other method gets the body as it came."""
    module = body or GatewayModuleBody()
    if method_name == "RestartModule":
        return {"schemaVersion": module.version or "1.0", "id": module.moduleName}
    if method_name == "GetModuleLogs":
        return {
            "schemaVersion": module.version or "1.0",
            "items": [{"id": module.moduleName, "filter": {"tail": 10}}],
            "encoding": "none",
            "contentType": "json",
        }
    return module.model_dump(exclude_none=True)


@router.get("/api/Configs", summary="List the IoT Edge deployments")
async def list_configs(hub: HubDep, who: Caller) -> JsonResponse:
    views = [v for v in await hub.configurations.list(who) if v.record.content.kind == MODULES]
    return JsonResponse(
        [wire_edge.config_list_item(v, deployment_modules(v.record.content.modules)) for v in views]
    )


@router.get("/api/Configs/{configuration_id:seg}", summary="Get a configuration and its modules")
async def get_config(configuration_id: str, hub: HubDep, who: Caller) -> JsonResponse:
    view = await hub.configurations.get(who, configuration_id)
    modules = deployment_modules(view.record.content.modules)
    return JsonResponse(wire_edge.config_list_item(view, modules))
