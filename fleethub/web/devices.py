"""The devices list (search, filters, keyset paging) and creating a device."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from fleethub.http import HubDep
from fleethub.hub import ids
from fleethub.hub.auth.principal import Principal
from fleethub.hub.central.devices import DeviceDraft
from fleethub.hub.errors import DeviceAlreadyExists, HubError, QuerySyntaxInvalid, QueryUnsupported
from fleethub.hub.hub import Hub
from fleethub.hub.models.catalogue import ModelQuery
from fleethub.web import templating
from fleethub.web.forms import FormErrors, text
from fleethub.web.routing import UserDep, page_router, see_other
from fleethub.web.search import CONNECTIONS, STATUSES, DeviceSearch

router = page_router()
PAGE_SIZE = 50


async def model_choices(hub: Hub, principal: Principal) -> list[tuple[str, str]]:
    """(model id, label) for every model in the catalogue."""
    page = await hub.models.list(principal, ModelQuery(top=500))
    return [(m.id, m.display_name or m.id) for m in page.models]


@router.get("/devices", name="devices")
async def devices(
    request: Request,
    hub: HubDep,
    user: UserDep,
    q: str = "",
    model: str = "",
    status: str = "",
    connection: str = "",
    page: str = "",
) -> HTMLResponse:
    search = DeviceSearch(q.strip()[:2000], model[:256], status, connection)
    rows, next_page, error = [], None, None
    try:
        found = await hub.twins.query(user.principal, search.query(), PAGE_SIZE, page or None)
        rows, next_page = found.twins or [], found.continuation
    except (QuerySyntaxInvalid, QueryUnsupported) as problem:
        error = problem.message
    context = {
        "search": search,
        "rows": rows,
        "next_params": search.params(next_page) if next_page else None,
        "first_params": search.params() if page else None,
        "error": error,
    }
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "device-results":
        return templating.render(request, "_device_rows.html", context, 400 if error else 200)
    context |= {
        "models": await model_choices(hub, user.principal),
        "statuses": STATUSES,
        "connections": CONNECTIONS,
        "form": {},
        "errors": FormErrors(),
    }
    return templating.render(request, "devices.html", context, 400 if error else 200)


@router.post("/devices", name="devices_create")
async def create_device(request: Request, hub: HubDep, user: UserDep) -> Response:
    form = await request.form()
    device_id, model = text(form, "device_id"), text(form, "model")
    errors = FormErrors()
    if not device_id:
        errors["device_id"] = "Give the device an id, e.g. thermostat-01."
    else:
        try:
            ids.check_device_id(device_id)
        except HubError as problem:
            errors["device_id"] = problem.message
    models = await model_choices(hub, user.principal)
    if model and model not in {m for m, _ in models}:
        errors["model"] = "Choose a model from the list."
    if not errors:
        try:
            draft = DeviceDraft(template=model or None, enabled=text(form, "status") != "disabled")
            await hub.central.devices.create(user.principal, device_id, draft)
            return see_other(request, templating.device_url(device_id))
        except DeviceAlreadyExists as problem:
            errors["device_id"] = problem.message
    context: dict[str, Any] = {"form": {"device_id": device_id, "model": model}}
    context |= {"errors": errors, "models": models}
    return templating.render(request, "_device_create.html", context, status=422)
