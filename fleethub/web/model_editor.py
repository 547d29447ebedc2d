"""The model page and its DTDL editor: the document as JSON, checked by the hub's DTDL
validator before it is saved, with every error shown under the line its JSON path names.

Saving sends the ETag the editor was loaded with, so a model changed meanwhile (by the API or
another user) is not overwritten: the user's text is kept and the conflict explained.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from fleethub.http import HubDep
from fleethub.hub.errors import ArgumentInvalid, ModelInvalid, PreconditionFailed
from fleethub.hub.hub import Hub
from fleethub.hub.lorawan.models import lora_model
from fleethub.hub.models import template
from fleethub.hub.models.dtdl import DtdlValidationError, parse
from fleethub.hub.models.record import ModelRecord
from fleethub.web import access, json_lines, templating
from fleethub.web.forms import FormErrors, text
from fleethub.web.routing import UserDep, page_router
from fleethub.web.sessions import User

router = page_router()
CONFLICT = (
    "Someone changed this model after you opened it, so your edit was not saved. "
    "Your text is kept below; reload the page to see theirs."
)


def problems_of(document: dict[str, Any], model_id: str) -> list[tuple[str, str]]:
    """(JSON path, message) of every DTDL error, as the catalogue would find them."""
    try:
        parse(template.normalize(document, model_id))
    except DtdlValidationError as error:
        return [(e.path, f"{e.message} [{e.rule}]") for e in error.errors]
    return []


async def model_context(request: Request, hub: Hub, user: User, model_id: str) -> dict[str, Any]:
    record: ModelRecord = await hub.models.get(user.principal, model_id)
    lines = json_lines.pretty(record.document)
    avatar = None
    if record.lorawan is not None:
        avatar = await hub.lora_models.avatar(user.principal, model_id)
    return {
        "model": record,
        "lora": lora_model(record) if record.lorawan is not None else None,
        "avatar": avatar,
        "document_text": json_lines.text_of(lines),
        "lines": None,
        "problems": [],
        "errors": FormErrors(),
        "form": {},
        "can_edit": user.can(access.BUILD),
    }


@router.get("/models/{model_id:seg}", name="model")
async def model_page(request: Request, model_id: str, hub: HubDep, user: UserDep) -> HTMLResponse:
    context = await model_context(request, hub, user, model_id)
    return templating.render(request, "model.html", context)


def _parsed(raw: str, errors: FormErrors) -> dict[str, Any] | None:
    if not raw:
        errors["document"] = "The document is empty: write the model's DTDL as JSON."
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        errors["document"] = (
            f"Not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}."
        )
        return None
    if not isinstance(value, dict):
        errors["document"] = 'A model is a JSON object: { "@type": "Interface", ... }.'
        return None
    return value


@router.post("/models/{model_id:seg}/document", name="model_document")
async def save_document(request: Request, model_id: str, hub: HubDep, user: UserDep) -> Response:
    access.require(user, access.BUILD)
    form = await request.form()
    raw, etag = text(form, "document"), text(form, "etag")
    context = await model_context(request, hub, user, model_id)
    errors = FormErrors()
    document = _parsed(raw, errors)
    context["document_text"] = raw
    if document is not None:
        problems = problems_of(document, model_id)
        if problems:
            lines = json_lines.pretty(document)
            context["problems"] = json_lines.annotate(lines, problems)
            context["lines"] = lines
            context["document_text"] = json_lines.text_of(lines)
            errors["document"] = f"{len(problems)} DTDL problem(s); each is shown at its line."
    if document is not None and not errors:
        try:
            await hub.models.put(user.principal, model_id, document, etag or None)
        except PreconditionFailed:
            errors["form"] = CONFLICT
        except (ModelInvalid, ArgumentInvalid) as problem:
            errors["document"] = problem.message
    if errors:
        context |= {"errors": errors}
        status = 409 if errors.get("form") == CONFLICT else 422
        return templating.render(request, "_model_document.html", context, status)
    context = await model_context(request, hub, user, model_id)
    context["notice"] = "Saved: the document is valid DTDL."
    return templating.render(request, "_model_document.html", context)
