"""Imports: bring every device of another IoT hub (Azure or fleethub) here with the hub-import
job of seed 003 (#6): start one from the other hub's connection string, watch the count of
imported devices grow, cancel it.

The connection string is never shown back, stored or logged: a form with an error keeps every
field but that one, and the hub keeps the secret in memory only until the import starts.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from fleethub.http import HubDep
from fleethub.hub.errors import ArgumentInvalid
from fleethub.hub.hub import Hub
from fleethub.hub.jobs import job as j
from fleethub.hub.jobs.hub_import import InvalidSecret, parse_secret
from fleethub.web import templating
from fleethub.web.forms import FormErrors, text
from fleethub.web.routing import UserDep, page_router, see_other
from fleethub.web.sessions import User

router = page_router()
DEFAULT_LOCATION = "locations/default"
ASK_FOR_CONNECTION = "Paste the other hub's connection string (an iothubowner policy)."
NOT_A_CONNECTION_STRING = (
    "This is not an IoT Hub connection string: it looks like HostName=<hub>;"
    "SharedAccessKeyName=iothubowner;SharedAccessKey=<key>."
)


async def imports_context(hub: Hub, user: User) -> dict[str, Any]:
    found = sorted(
        await hub.jobs.hub_imports(user.principal), key=lambda job: job.created_time, reverse=True
    )
    return {"imports": found, "active": any(not job.done for job in found)}


@router.get("/imports", name="imports")
async def imports(request: Request, hub: HubDep, user: UserDep) -> HTMLResponse:
    context = await imports_context(hub, user)
    if request.headers.get("hx-target") == "import-list":
        return templating.render(request, "_import_list.html", context)
    context |= {"form": {"location": DEFAULT_LOCATION}, "errors": FormErrors()}
    return templating.render(request, "imports.html", context)


def _check(form: dict[str, str], secret: str) -> FormErrors:
    errors = FormErrors()
    if not form["name"]:
        errors["name"] = "Name the import, e.g. North plant."
    elif len(form["name"]) > 1024:
        errors["name"] = "A name has at most 1024 characters."
    if not secret:
        errors["secret"] = ASK_FOR_CONNECTION
    else:
        try:
            parse_secret(secret)
        except InvalidSecret:
            errors["secret"] = NOT_A_CONNECTION_STRING
    return errors


@router.post("/imports", name="imports_create")
async def start_import(request: Request, hub: HubDep, user: UserDep) -> Response:
    raw = await request.form()
    form = {"name": text(raw, "name"), "location": text(raw, "location") or DEFAULT_LOCATION}
    secret = text(raw, "secret")
    errors = _check(form, secret)
    if not errors:
        try:
            job = await hub.jobs.start_hub_import(
                user.principal, form["name"], secret, form["location"]
            )
            return see_other(request, templating.item_url("imports", job.job_id))
        except ArgumentInvalid as problem:
            errors["location" if "location" in problem.message else "form"] = problem.message
    context = {"form": form, "errors": errors}
    return templating.render(request, "_import_create.html", context, status=422)


async def import_context(hub: Hub, user: User, import_id: str) -> dict[str, Any]:
    return {"job": await hub.jobs.hub_import(user.principal, import_id)}


@router.get("/imports/{import_id:seg}", name="import")
async def import_page(request: Request, import_id: str, hub: HubDep, user: UserDep) -> HTMLResponse:
    context = await import_context(hub, user, import_id)
    name = "_import_progress.html" if request.headers.get("hx-request") else "import.html"
    return templating.render(request, name, context)


@router.post("/imports/{import_id:seg}/cancel", name="import_cancel")
async def cancel_import(request: Request, import_id: str, hub: HubDep, user: UserDep) -> Response:
    job = await hub.jobs.cancel_hub_import(user.principal, import_id)
    context = await import_context(hub, user, import_id)
    done = "Cancelled." if job.status == j.CANCELLED else f"The import had {job.status}."
    return templating.render(request, "_import_progress.html", context | {"notice": done})
