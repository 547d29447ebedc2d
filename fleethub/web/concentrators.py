"""LoRa Basics Station concentrators: the list, creating one for a region, and a
concentrator's page with the router configuration the hub generated for its region."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from fleethub.http import HubDep
from fleethub.hub import ids
from fleethub.hub.errors import DeviceAlreadyExists, HubError
from fleethub.hub.lorawan.records import ConcentratorDraft
from fleethub.hub.lorawan.regions import REGIONS
from fleethub.web import templating
from fleethub.web.forms import FormErrors, text
from fleethub.web.routing import UserDep, page_router, see_other

router = page_router()
MAX_NAME = 128


@router.get("/concentrators", name="concentrators")
async def concentrators(request: Request, hub: HubDep, user: UserDep) -> HTMLResponse:
    found = await hub.concentrators.list(user.principal)
    context = {"concentrators": found, "regions": REGIONS, "form": {}, "errors": FormErrors()}
    return templating.render(request, "concentrators.html", context)


def _draft(form: FormData, errors: FormErrors, device_id: str | None = None) -> ConcentratorDraft:
    """The form as a draft; `device_id` is given when updating (the id cannot change)."""
    name, region, thumbprint = text(form, "name"), text(form, "region"), text(form, "thumbprint")
    if device_id is None:
        device_id = text(form, "device_id")
        try:
            ids.check_device_id(device_id)
        except HubError as problem:
            errors["device_id"] = problem.message if device_id else "Give it an id, its LNS id."
    if not name or len(name) > MAX_NAME:
        errors["name"] = f"Give it a name of 1 to {MAX_NAME} characters."
    if region not in REGIONS:
        errors["region"] = "Choose the region of its radio plan."
    if thumbprint:
        try:
            ids.check_thumbprint(thumbprint)
        except HubError as problem:
            errors["thumbprint"] = problem.message
    enabled = text(form, "enabled", "on") == "on"
    return ConcentratorDraft(device_id, name, region, thumbprint or None, enabled)


@router.post("/concentrators", name="concentrators_create")
async def create(request: Request, hub: HubDep, user: UserDep) -> Response:
    form = await request.form()
    errors = FormErrors()
    draft = _draft(form, errors)
    if not errors:
        try:
            await hub.concentrators.create(user.principal, draft)
            return see_other(request, templating.item_url("concentrators", draft.device_id))
        except DeviceAlreadyExists as problem:
            errors["device_id"] = problem.message
    typed = {key: text(form, key) for key in ("device_id", "name", "region", "thumbprint")}
    context = {"form": typed, "errors": errors, "regions": REGIONS}
    return templating.render(request, "_concentrator_create.html", context, status=422)


@router.get("/concentrators/{device_id:seg}", name="concentrator")
async def concentrator(
    request: Request, device_id: str, hub: HubDep, user: UserDep
) -> HTMLResponse:
    found = await hub.concentrators.get(user.principal, device_id)
    form = {"name": found.name or "", "region": found.region, "thumbprint": found.thumbprint or ""}
    context = {"concentrator": found, "regions": REGIONS, "form": form, "errors": FormErrors()}
    return templating.render(request, "concentrator.html", context)


@router.post("/concentrators/{device_id:seg}", name="concentrator_update")
async def update(request: Request, device_id: str, hub: HubDep, user: UserDep) -> Response:
    """Name, region (a new router configuration) and thumbprint."""
    form = await request.form()
    errors = FormErrors()
    found = await hub.concentrators.get(user.principal, device_id)
    given = _draft(form, errors, device_id)
    draft = ConcentratorDraft(device_id, given.name, given.region, given.thumbprint, found.enabled)
    typed = {key: text(form, key) for key in ("name", "region", "thumbprint")}
    if errors:
        context = {"concentrator": found, "regions": REGIONS, "form": typed, "errors": errors}
        return templating.render(request, "_concentrator_settings.html", context, status=422)
    updated = await hub.concentrators.update(user.principal, draft)
    context = {"concentrator": updated, "regions": REGIONS, "form": typed, "errors": errors}
    context["notice"] = f"Saved; the router configuration is now {updated.region}'s."
    return templating.render(request, "_concentrator_settings.html", context)


@router.post("/concentrators/{device_id:seg}/delete", name="concentrator_delete")
async def delete(request: Request, device_id: str, hub: HubDep, user: UserDep) -> Response:
    await hub.concentrators.delete(user.principal, device_id)
    return see_other(request, "/ui/concentrators")
