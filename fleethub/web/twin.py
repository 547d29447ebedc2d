"""The twin editor: desired properties and tags edited as JSON documents, sent as a merge
patch of what changed, under the ETag the editor was loaded with. A stale ETag (someone
else wrote first) keeps the user's text and shows the twin as it is now, with a conflict
message, instead of overwriting their change."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from fleethub.http import HubDep
from fleethub.hub.errors import PreconditionFailed
from fleethub.hub.twins.service import TwinPatch
from fleethub.web import templating
from fleethub.web.device import device_context
from fleethub.web.forms import FormErrors, json_field, text
from fleethub.web.routing import UserDep, page_router

router = page_router()
CONFLICT = (
    "Someone changed this twin after you opened it, so your edit was not applied. "
    "The twin below is the current one; your text is kept: review it and save again."
)


def merge_patch(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The JSON merge patch (RFC 7396) that turns `old` into `new`: removed keys → null."""
    patch: dict[str, Any] = {key: None for key in old.keys() - new.keys()}
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            inner = merge_patch(before, value)
            if inner:
                patch[key] = inner
        elif key not in old or value != before:
            patch[key] = value
    return patch


@router.post("/devices/{device_id:seg}/twin", name="device_twin")
async def save_twin(request: Request, device_id: str, hub: HubDep, user: UserDep) -> Response:
    form = await request.form()
    errors = FormErrors()
    desired = json_field(form, "desired", errors, object_only=True)
    tags = json_field(form, "tags", errors, object_only=True)
    etag = text(form, "etag")
    typed = {"desired": text(form, "desired"), "tags": text(form, "tags")}
    context = await device_context(request, hub, user, device_id)
    current = context["twin"]
    if not errors and etag != current.etag:
        errors["form"] = CONFLICT
    if not errors:
        change = TwinPatch(
            tags=merge_patch(current.tags, tags) if tags is not None else None,
            desired=merge_patch(current.desired, desired) if desired is not None else None,
        )
        validator = await hub.models.validator(context["device"].model_id or "")
        if validator is not None and change.desired:
            verdict = validator.desired_patch(change.desired)
            if not verdict.ok:
                errors["desired"] = "; ".join(verdict.reasons)
        if not errors and (change.tags or change.desired):
            try:
                await hub.twins.patch(user.principal, device_id, None, change, etag)
            except PreconditionFailed:
                errors["form"] = CONFLICT
        if not errors:
            context = await device_context(request, hub, user, device_id)
            context["notice"] = "Saved." if change.tags or change.desired else "Nothing changed."
            return templating.render(request, "_device_twin.html", context)
    context |= {"errors": errors, "form": typed}
    status = 409 if errors.get("form") == CONFLICT else 422
    return templating.render(request, "_device_twin.html", context, status)
