"""The device page: identity, status toggle, keys and connection strings, and the sections
that twin.py, telemetry.py, messaging.py and commands.py update in place."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from fleethub.http import HubDep
from fleethub.hub.errors import PreconditionFailed
from fleethub.hub.hub import Hub
from fleethub.hub.registry.device import Identity
from fleethub.hub.registry.specs import spec_of
from fleethub.web import templating
from fleethub.web.capabilities import capabilities_of
from fleethub.web.dtdl_form import command_fields
from fleethub.web.forms import FormErrors, text
from fleethub.web.routing import UserDep, page_router, see_other
from fleethub.web.sessions import User

router = page_router()
WAITING_SHOWN = 20


def connection_strings(request: Request, identity: Identity) -> list[tuple[str, str]]:
    """(label, connection string) for a device with symmetric keys, as devices use them."""
    if identity.auth.type != "sas":
        return []
    host = request.url.hostname or "localhost"
    base = f"HostName={host};DeviceId={identity.device_id}"
    return [
        ("Primary connection string", f"{base};SharedAccessKey={identity.auth.primary_key}"),
        ("Secondary connection string", f"{base};SharedAccessKey={identity.auth.secondary_key}"),
    ]


async def device_context(request: Request, hub: Hub, user: User, device_id: str) -> dict[str, Any]:
    """Everything the device page shows; each section's fragment renders from it too."""
    identity = await hub.twins.get(user.principal, device_id, None)
    capabilities = await capabilities_of(hub, identity.model_id)
    return {
        "device": identity,
        "twin": identity.twin,
        "capabilities": capabilities,
        "commands": [(c, command_fields(c)) for c in capabilities.commands],
        "connection_strings": connection_strings(request, identity),
        "waiting": await hub.c2d.waiting(user.principal, device_id, WAITING_SHOWN),
        "depth": await hub.c2d.depth(device_id),
        "feedback": await hub.c2d.feedback_of(user.principal, device_id, 20),
        "errors": FormErrors(),
        "form": {},
    }


@router.get("/devices/{device_id:seg}", name="device")
async def device_page(request: Request, device_id: str, hub: HubDep, user: UserDep) -> HTMLResponse:
    context = await device_context(request, hub, user, device_id)
    return templating.render(request, "device.html", context)


@router.get("/devices/{device_id:seg}/section/{section}", name="device_section")
async def device_section(
    request: Request, device_id: str, section: str, hub: HubDep, user: UserDep
) -> HTMLResponse:
    """One section re-rendered (htmx polling and refresh buttons): identity, twin or c2d."""
    if section not in ("identity", "twin", "c2d"):
        return templating.render(request, "_alert.html", {"message": "No such section."}, 404)
    context = await device_context(request, hub, user, device_id)
    return templating.render(request, f"_device_{section}.html", context)


@router.post("/devices/{device_id:seg}/status", name="device_status")
async def set_status(request: Request, device_id: str, hub: HubDep, user: UserDep) -> Response:
    form = await request.form()
    status = text(form, "status")
    if status not in ("enabled", "disabled"):
        context = await device_context(request, hub, user, device_id)
        context["errors"] = FormErrors(status="Choose enabled or disabled.")
        return templating.render(request, "_device_identity.html", context, 422)
    identity = await hub.registry.get(user.principal, device_id, None)
    etag = text(form, "etag") or identity.etag
    try:
        await hub.registry.put(user.principal, device_id, None, spec_of(identity, status), etag)
    except PreconditionFailed:
        context = await device_context(request, hub, user, device_id)
        message = "Someone changed this device after you opened it; this is how it is now."
        context["errors"] = FormErrors(form=message)
        return templating.render(request, "_device_identity.html", context, 409)
    context = await device_context(request, hub, user, device_id)
    context["notice"] = f"The device is now {status}."
    return templating.render(request, "_device_identity.html", context)


@router.post("/devices/{device_id:seg}/delete", name="device_delete")
async def delete_device(request: Request, device_id: str, hub: HubDep, user: UserDep) -> Response:
    await hub.registry.delete(user.principal, device_id, None, None)
    return see_other(request, "/ui/devices")
