"""A model's LoRaWAN profile (AppEUI, sensor decoder), its downlink commands (frame, port)
and its picture: the Portal API's DeviceModel view of the same catalogue model."""

from __future__ import annotations

import re

from fastapi import Request, Response
from starlette.datastructures import UploadFile

from fleethub.http import HubDep
from fleethub.hub.errors import ArgumentInvalid, CapabilityAlreadyExists
from fleethub.hub.lorawan.models import (
    MAX_AVATAR_BYTES,
    MAX_PORT,
    MIN_PORT,
    check_command,
)
from fleethub.hub.lorawan.records import LoraModelDraft, ModelCommand
from fleethub.web import access, templating
from fleethub.web.forms import FormErrors, int_field, text
from fleethub.web.model_editor import model_context
from fleethub.web.routing import UserDep, page_router

router = page_router()
_APP_EUI = re.compile(r"^[0-9A-Fa-f]{16}$")


def _fragment(request: Request, context: dict[str, object], status: int = 200) -> Response:
    return templating.render(request, "_model_lorawan.html", context, status)


@router.post("/models/{model_id:seg}/lorawan", name="model_lorawan")
async def save_profile(request: Request, model_id: str, hub: HubDep, user: UserDep) -> Response:
    access.require(user, access.BUILD)
    form = await request.form()
    typed = {key: text(form, key) for key in ("app_eui", "decoder", "description")}
    errors = FormErrors()
    if not _APP_EUI.match(typed["app_eui"]):
        errors["app_eui"] = "An AppEUI is 16 hex digits, e.g. 70B3D57ED0000001."
    decoder = typed["decoder"]
    if decoder and not decoder.startswith(("http://", "https://")):
        errors["decoder"] = "Write an http(s) URL, or leave it empty."
    context = await model_context(request, hub, user, model_id)
    if not errors:
        record = context["model"]
        existing = context["lora"]
        draft = LoraModelDraft(
            name=record.display_name or model_id[:64],
            app_eui=typed["app_eui"].upper(),
            description=typed["description"] or None,
            sensor_decoder_url=decoder or None,
            commands=existing.commands if existing is not None else (),
        )
        try:
            await hub.lora_models.update(user.principal, model_id, draft)
        except ArgumentInvalid as problem:
            errors["form"] = problem.message
    if errors:
        return _fragment(request, context | {"errors": errors, "form": typed}, 422)
    context = await model_context(request, hub, user, model_id)
    return _fragment(request, context | {"notice": "LoRaWAN profile saved."})


@router.post("/models/{model_id:seg}/commands", name="model_command_add")
async def add_command(request: Request, model_id: str, hub: HubDep, user: UserDep) -> Response:
    access.require(user, access.BUILD)
    form = await request.form()
    errors = FormErrors()
    name, frame = text(form, "name"), text(form, "frame").upper()
    port = int_field(form, "port", errors, MIN_PORT, MAX_PORT, 1)
    command = ModelCommand(name, frame, port)
    if not name:
        errors["name"] = "Name the command, e.g. turnOn."
    elif "port" not in errors:
        try:
            check_command(command)
        except ArgumentInvalid as problem:
            errors["frame" if "frame" in problem.message.lower() else "name"] = problem.message
    if not errors:
        try:
            await hub.lora_models.add_command(user.principal, model_id, command)
        except CapabilityAlreadyExists as problem:
            errors["name"] = problem.message
    context = await model_context(request, hub, user, model_id)
    if errors:
        typed = {"name": name, "frame": frame, "port": text(form, "port")}
        return _fragment(request, context | {"errors": errors, "command": typed}, 422)
    return _fragment(request, context | {"notice": f"Command {name} added."})


@router.post("/models/{model_id:seg}/commands/{name:seg}/delete", name="model_command_delete")
async def remove_command(
    request: Request, model_id: str, name: str, hub: HubDep, user: UserDep
) -> Response:
    access.require(user, access.BUILD)
    await hub.lora_models.remove_command(user.principal, model_id, name)
    context = await model_context(request, hub, user, model_id)
    return _fragment(request, context | {"notice": f"Command {name} removed."})


@router.post("/models/{model_id:seg}/avatar", name="model_avatar")
async def upload_avatar(request: Request, model_id: str, hub: HubDep, user: UserDep) -> Response:
    access.require(user, access.BUILD)
    form = await request.form()
    upload = form.get("avatar")
    errors = FormErrors()
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["avatar"] = "Choose a PNG, JPEG, GIF or WebP picture."
    else:
        data = await upload.read(MAX_AVATAR_BYTES + 1)
        await form.close()  # the spooled upload file
        try:
            await hub.lora_models.set_avatar(user.principal, model_id, data, upload.content_type)
        except ArgumentInvalid as problem:
            errors["avatar"] = problem.message
    context = await model_context(request, hub, user, model_id)
    if errors:
        return _fragment(request, context | {"errors": errors}, 422)
    return _fragment(request, context | {"notice": "Picture saved."})


@router.get("/models/{model_id:seg}/avatar", name="model_avatar_image")
async def avatar(request: Request, model_id: str, hub: HubDep, user: UserDep) -> Response:
    found = await hub.lora_models.avatar(user.principal, model_id)
    if found is None:
        return Response(status_code=404)
    headers = {"Cache-Control": "private, max-age=60", "X-Content-Type-Options": "nosniff"}
    return Response(found.data, media_type=found.content_type, headers=headers)
