"""Direct methods and model commands from the device page. A model command's form is
generated from its DTDL request schema (dtdl_form.py) and its payload checked against the
model before it is sent; the device's answer (or why there was none) shows under the form."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from fleethub.http import HubDep
from fleethub.hub.errors import DeviceNotOnline, GatewayTimeout
from fleethub.hub.hub import Hub
from fleethub.hub.methods import MAX_TIMEOUT, MIN_RESPONSE_TIMEOUT
from fleethub.web import templating
from fleethub.web.capabilities import capabilities_of
from fleethub.web.dtdl_form import command_fields, payload_of
from fleethub.web.forms import FormErrors, int_field, json_field, text
from fleethub.web.routing import UserDep, page_router
from fleethub.web.sessions import User

router = page_router()


async def _invoke(
    hub: Hub, user: User, device_id: str, name: str, payload: Any, wait: int
) -> dict[str, Any]:
    """The outcome to show: the device's status and payload, or why it did not answer."""
    try:
        result = await hub.methods.invoke(user.principal, device_id, None, name, payload, wait)
    except (DeviceNotOnline, GatewayTimeout) as error:
        return {"ok": False, "message": error.message}
    return {"ok": 200 <= result.status < 300, "status": result.status, "payload": result.payload}


@router.post("/devices/{device_id:seg}/methods", name="device_method")
async def invoke_method(request: Request, device_id: str, hub: HubDep, user: UserDep) -> Response:
    form = await request.form()
    errors = FormErrors()
    name = text(form, "method_name")
    if not name:
        errors["method_name"] = "Name the method, e.g. reboot."
    elif len(name) > 128:
        errors["method_name"] = "Method names have at most 128 characters."
    payload = json_field(form, "payload", errors)
    timeout = int_field(form, "timeout", errors, MIN_RESPONSE_TIMEOUT, MAX_TIMEOUT, 30)
    await hub.registry.get(user.principal, device_id, None)
    result = None if errors else await _invoke(hub, user, device_id, name, payload, timeout)
    typed = {k: text(form, k) for k in ("method_name", "payload", "timeout")}
    context = {"device_id": device_id, "errors": errors, "form": typed, "result": result}
    return templating.render(request, "_method_form.html", context, 422 if errors else 200)


@router.post("/devices/{device_id:seg}/commands/{name:seg}", name="device_command")
async def run_command(
    request: Request, device_id: str, name: str, hub: HubDep, user: UserDep
) -> Response:
    identity = await hub.registry.get(user.principal, device_id, None)
    capabilities = await capabilities_of(hub, identity.model_id)
    command = capabilities.command(name)
    if command is None:
        message = f"The device's model has no command '{name[:128]}'."
        return templating.render(request, "_alert.html", {"message": message}, 404)
    form = await request.form()
    errors = FormErrors()
    payload = payload_of(command, form, errors)
    timeout = int_field(form, "timeout", errors, MIN_RESPONSE_TIMEOUT, MAX_TIMEOUT, 30)
    validator = await hub.models.validator(identity.model_id or "")
    if not errors and validator is not None:
        verdict = validator.command(name, payload)
        if not verdict.ok:
            errors["form"] = "; ".join(verdict.reasons)
    result = None if errors else await _invoke(hub, user, device_id, name, payload, timeout)
    context = {
        "device_id": device_id,
        "command": command,
        "fields": command_fields(command),
        "errors": errors,
        "form": {k: v for k, v in form.items() if isinstance(v, str)},
        "result": result,
    }
    return templating.render(request, "_command_form.html", context, 422 if errors else 200)
