"""IoT Edge gateways: the list, creating one, and a gateway's page with its modules and their
runtime status, the deployment applied, its child devices, and module methods (restart a
module through `$edgeAgent`, or any direct method on any module)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from fleethub.http import HubDep
from fleethub.hub import ids
from fleethub.hub.errors import DeviceAlreadyExists, DeviceNotOnline, GatewayTimeout, HubError
from fleethub.hub.gateways import SYSTEM_MODULES, GatewayDraft
from fleethub.hub.hub import Hub
from fleethub.web import templating
from fleethub.web.forms import FormErrors, json_field, text
from fleethub.web.routing import UserDep, page_router, see_other
from fleethub.web.sessions import User

router = page_router()
CHILDREN_SHOWN = 20
#: IoT Edge's built-in method that restarts one module: `$edgeAgent` answers it.
RESTART = "RestartModule"


async def list_context(hub: Hub, user: User) -> dict[str, Any]:
    return {"gateways": await hub.gateways.list(user.principal), "form": {}}


@router.get("/gateways", name="gateways")
async def gateways(request: Request, hub: HubDep, user: UserDep) -> HTMLResponse:
    context = await list_context(hub, user) | {"errors": FormErrors()}
    return templating.render(request, "gateways.html", context)


@router.post("/gateways", name="gateways_create")
async def create(request: Request, hub: HubDep, user: UserDep) -> Response:
    form = await request.form()
    typed = {key: text(form, key) for key in ("device_id", "type", "environment")}
    errors = FormErrors()
    try:
        ids.check_device_id(typed["device_id"])
    except HubError as problem:
        errors["device_id"] = problem.message if typed["device_id"] else "Give the gateway an id."
    if not typed["type"]:
        errors["type"] = "Say what kind of gateway it is, e.g. factory-edge."
    if not errors:
        draft = GatewayDraft(typed["device_id"], typed["type"], typed["environment"] or None)
        try:
            await hub.gateways.create(user.principal, draft)
            return see_other(request, templating.item_url("gateways", draft.device_id))
        except DeviceAlreadyExists as problem:
            errors["device_id"] = problem.message
    context = {"form": typed, "errors": errors}
    return templating.render(request, "_gateway_create.html", context, status=422)


async def gateway_context(hub: Hub, user: User, device_id: str) -> dict[str, Any]:
    gateway = await hub.gateways.get(user.principal, device_id)
    children: list[Any] = []
    if gateway.scope:
        scope, own = gateway.scope.replace("'", "''"), device_id.replace("'", "''")
        where = f"deviceScope = '{scope}' AND deviceId != '{own}'"
        query = f"SELECT * FROM devices WHERE {where}"  # noqa: S608 - IoT Hub query language
        try:
            page = await hub.twins.query(user.principal, query, CHILDREN_SHOWN, None)
            children = page.twins or []
        except HubError:
            children = []
    return {
        "gateway": gateway,
        "children": children,
        "system_modules": SYSTEM_MODULES,
        "modules": [*SYSTEM_MODULES, *(m.name for m in gateway.modules)],
        "errors": FormErrors(),
        "form": {},
        "result": None,
    }


@router.get("/gateways/{device_id:seg}", name="gateway")
async def gateway(request: Request, device_id: str, hub: HubDep, user: UserDep) -> HTMLResponse:
    context = await gateway_context(hub, user, device_id)
    return templating.render(request, "gateway.html", context)


async def _invoke(
    hub: Hub, user: User, device_id: str, module: str, method: str, payload: Any
) -> dict[str, Any]:
    """The method's answer, or why there is none, as `_result.html` shows it."""
    try:
        result = await hub.gateways.invoke(user.principal, device_id, module, method, payload)
    except (DeviceNotOnline, GatewayTimeout) as problem:
        return {"ok": False, "message": problem.message}
    return {"ok": 200 <= result.status < 300, "status": result.status, "payload": result.payload}


@router.post("/gateways/{device_id:seg}/method", name="gateway_method")
async def module_method(request: Request, device_id: str, hub: HubDep, user: UserDep) -> Response:
    form = await request.form()
    context = await gateway_context(hub, user, device_id)
    errors = FormErrors()
    module, method = text(form, "module"), text(form, "method")
    if module not in context["modules"]:
        errors["module"] = "Choose one of the gateway's modules."
    if not method:
        errors["method"] = "Name the method, e.g. RestartModule or ping."
    payload = json_field(form, "payload", errors)
    typed = {"module": module, "method": method, "payload": text(form, "payload")}
    if errors:
        context |= {"errors": errors, "form": typed}
        return templating.render(request, "_gateway_method.html", context, status=422)
    context |= {
        "form": typed,
        "result": await _invoke(hub, user, device_id, module, method, payload),
    }
    return templating.render(request, "_gateway_method.html", context)


@router.post("/gateways/{device_id:seg}/restart", name="gateway_restart")
async def restart(request: Request, device_id: str, hub: HubDep, user: UserDep) -> Response:
    """Restart one module: `RestartModule` on `$edgeAgent`, as the Azure portal does it."""
    form = await request.form()
    context = await gateway_context(hub, user, device_id)
    module = text(form, "module")
    if module not in context["modules"]:
        context["errors"] = FormErrors(module="Choose one of the gateway's modules.")
        return templating.render(request, "_gateway_method.html", context, status=422)
    payload = {"schemaVersion": "1.0", "id": module}
    result = await _invoke(hub, user, device_id, "$edgeAgent", RESTART, payload)
    typed = {"module": "$edgeAgent", "method": RESTART, "payload": json.dumps(payload)}
    context |= {"form": typed, "result": result}
    return templating.render(request, "_gateway_method.html", context)


@router.post("/gateways/{device_id:seg}/delete", name="gateway_delete")
async def delete(request: Request, device_id: str, hub: HubDep, user: UserDep) -> Response:
    await hub.gateways.delete(user.principal, device_id)
    return see_other(request, "/ui/gateways")
