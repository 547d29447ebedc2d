"""Models (device templates): the catalogue's list, creating a model (blank, or from the
thermostat template of seed 004), and deleting one. The model page's editors live in
model_editor.py (DTDL) and model_lorawan.py (LoRaWAN profile, commands, picture)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from fleethub.http import HubDep
from fleethub.hub.errors import ModelInvalid
from fleethub.hub.hub import Hub
from fleethub.hub.models.catalogue import MAX_ID_LENGTH, ModelQuery
from fleethub.hub.models.dtdl import DtmiError, parse_dtmi
from fleethub.hub.models.record import ModelRecord
from fleethub.web import access, templating
from fleethub.web.forms import FormErrors, text
from fleethub.web.routing import UserDep, page_router, see_other
from fleethub.web.sessions import User

router = page_router()
STARTERS = Path(__file__).parent / "starters"
#: Starting points offered by "New model": value → (label, file under starters/ or None).
STARTS = {
    "blank": ("An empty DTDL interface", None),
    "thermostat": ("The thermostat template (IoT Central, seed 004)", "thermostat.json"),
}
MAX_NAME = 64


def model_url(model_id: str, *rest: str) -> str:
    return templating.model_url(model_id, *rest)


def starter(start: str, model_id: str, name: str) -> dict[str, Any]:
    """The first document of a new model: the thermostat template (renamed) or a blank
    DTDL v3 Interface."""
    file = STARTS[start][1]
    if file is None:
        return {
            "@context": "dtmi:dtdl:context;3",
            "@id": model_id,
            "@type": "Interface",
            "displayName": name,
            "contents": [],
        }
    document: dict[str, Any] = json.loads((STARTERS / file).read_text())
    return {**document, "@id": model_id, "displayName": name}


async def list_context(hub: Hub, user: User) -> dict[str, Any]:
    page = await hub.models.list(user.principal, ModelQuery(top=500))
    return {"models": page.models, "starts": STARTS, "form": {"start": "thermostat"}}


@router.get("/models", name="models")
async def models(request: Request, hub: HubDep, user: UserDep) -> HTMLResponse:
    context = await list_context(hub, user) | {"errors": FormErrors()}
    return templating.render(request, "models.html", context)


def _check(form: dict[str, str]) -> FormErrors:
    errors = FormErrors()
    if not form["name"]:
        errors["name"] = "Give the model a name, e.g. Thermostat."
    elif len(form["name"]) > MAX_NAME:
        errors["name"] = f"A name has at most {MAX_NAME} characters."
    if not form["model_id"]:
        errors["model_id"] = "Give the model a DTMI, e.g. dtmi:contoso:thermostat;1."
    elif len(form["model_id"]) > MAX_ID_LENGTH:
        errors["model_id"] = f"A model id has at most {MAX_ID_LENGTH} characters."
    else:
        try:
            parse_dtmi(form["model_id"], dtdl_version=3)
        except DtmiError as error:
            errors["model_id"] = f"Not a DTMI: {error.message}. Example: dtmi:contoso:thermostat;1."
    if form["start"] not in STARTS:
        errors["start"] = "Choose a starting point from the list."
    return errors


@router.post("/models", name="models_create")
async def create_model(request: Request, hub: HubDep, user: UserDep) -> Response:
    access.require(user, access.BUILD)
    raw = await request.form()
    form = {key: text(raw, key) for key in ("name", "model_id", "start")}
    errors = _check(form)
    if not errors and await hub.models.find(form["model_id"]) is not None:
        errors["model_id"] = "A model with this id exists already; open it from the list."
    if not errors:
        document = starter(form["start"], form["model_id"], form["name"])
        try:
            await hub.models.put(user.principal, form["model_id"], document)
            return see_other(request, model_url(form["model_id"]))
        except ModelInvalid as problem:
            errors["form"] = problem.message
    context = await list_context(hub, user) | {"errors": errors, "form": form}
    return templating.render(request, "_model_create.html", context, status=422)


@router.post("/models/{model_id:seg}/delete", name="model_delete")
async def delete_model(request: Request, model_id: str, hub: HubDep, user: UserDep) -> Response:
    """ModelInUse (409) while devices use the model: the page says to reassign them."""
    access.require(user, access.BUILD)
    record: ModelRecord = await hub.models.get(user.principal, model_id)
    if record.lorawan is not None:
        await hub.lora_models.delete(user.principal, model_id)  # its picture goes too
    else:
        await hub.models.delete(user.principal, model_id)
    return see_other(request, "/ui/models")
