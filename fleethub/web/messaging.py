"""Cloud-to-device messages from the device page: send with properties, the queue waiting
for the device, purge it, and the delivery feedback not yet collected by a receiver."""

from __future__ import annotations

from fastapi import Request, Response

from fleethub.http import HubDep
from fleethub.hub.messaging.c2d import ACKS
from fleethub.hub.messaging.message import Message
from fleethub.web import templating
from fleethub.web.device import device_context
from fleethub.web.forms import FormErrors, int_field, properties_field, text
from fleethub.web.routing import UserDep, page_router

router = page_router()
MAX_BODY = 64 * 1024


@router.post("/devices/{device_id:seg}/c2d", name="device_c2d")
async def send_c2d(request: Request, device_id: str, hub: HubDep, user: UserDep) -> Response:
    form = await request.form()
    errors = FormErrors()
    body = text(form, "body")
    if not body:
        errors["body"] = 'Write the message to send, e.g. {"led": "on"}.'
    elif len(body.encode()) > MAX_BODY:
        errors["body"] = f"Keep the message under {MAX_BODY // 1024} KiB."
    properties = properties_field(form, "properties", errors)
    ack = text(form, "ack", "none")
    if ack not in ACKS:
        errors["ack"] = "Choose one of the listed acknowledgements."
    ttl = int_field(form, "ttl", errors, 1, 48 * 3600, 3600)
    typed = {k: text(form, k) for k in ("body", "properties", "ack", "ttl", "message_id")}
    notice = None
    if not errors:
        message = Message(body.encode(), properties, message_id=typed["message_id"] or None)
        if body.startswith(("{", "[")):
            message.content_type = "application/json"
        sent = await hub.c2d.send(user.principal, device_id, message, ack, float(ttl))
        notice = f"Queued message {sent.message.message_id}."
        typed = {}
    context = await device_context(request, hub, user, device_id)
    context |= {"errors": errors, "form": typed, "notice": notice}
    return templating.render(request, "_device_c2d.html", context, 422 if errors else 200)


@router.post("/devices/{device_id:seg}/c2d/purge", name="device_c2d_purge")
async def purge_c2d(request: Request, device_id: str, hub: HubDep, user: UserDep) -> Response:
    purged = await hub.c2d.purge(user.principal, device_id)
    context = await device_context(request, hub, user, device_id)
    context["notice"] = f"Removed {purged} waiting message{'s' if purged != 1 else ''}."
    return templating.render(request, "_device_c2d.html", context)
