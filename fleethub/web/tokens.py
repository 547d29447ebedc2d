"""API tokens (IoT Central's): the list, creating one with a role (the token is shown once,
then only its hash is kept), and deleting one. Administrators only."""

from __future__ import annotations

import time
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from fleethub.http import HubDep
from fleethub.hub.auth.roles import ROLES, RoleAssignment
from fleethub.hub.errors import ApiTokenAlreadyExists, ArgumentInvalid
from fleethub.hub.hub import Hub
from fleethub.web import access, templating
from fleethub.web.forms import FormErrors, int_field, text
from fleethub.web.routing import UserDep, page_router, see_other
from fleethub.web.sessions import ROLE_IDS, User

router = page_router()
DAY = 86400.0
MAX_DAYS = 3650
ROLE_NAMES = {role_id: name for name, role_id in ROLE_IDS.items()}


async def tokens_context(hub: Hub, user: User) -> dict[str, Any]:
    found = sorted(await hub.api_tokens.list(user.principal), key=lambda t: t.id)
    return {
        "tokens": found,
        "roles": ROLE_IDS,
        "role_names": ROLE_NAMES,
        "role_titles": {role_id: title for role_id, (title, _) in ROLES.items()},
        "form": {"role": "operator", "days": "365"},
        "errors": FormErrors(),
        "created": None,
        "now": time.time(),
    }


@router.get("/tokens", name="tokens")
async def tokens(request: Request, hub: HubDep, user: UserDep) -> HTMLResponse:
    access.require(user, access.ADMINISTER)
    return templating.render(request, "tokens.html", await tokens_context(hub, user))


@router.post("/tokens", name="tokens_create")
async def create(request: Request, hub: HubDep, user: UserDep) -> Response:
    access.require(user, access.ADMINISTER)
    form = await request.form()
    errors = FormErrors()
    token_id, role = text(form, "token_id"), text(form, "role")
    days = int_field(form, "days", errors, 1, MAX_DAYS, 365)
    if not token_id:
        errors["token_id"] = "Name the token after what uses it, e.g. billing-export."  # noqa: S105 - a message, not a secret
    if role not in ROLE_IDS:
        errors["role"] = "Choose administrator, builder or operator."
    context = await tokens_context(hub, user)
    if not errors:
        expiry = time.time() + days * DAY
        try:
            _, secret = await hub.api_tokens.create(
                user.principal, token_id, [RoleAssignment(ROLE_IDS[role])], expiry
            )
        except ApiTokenAlreadyExists:
            errors["token_id"] = "A token with this id exists already; choose another."  # noqa: S105 - a message, not a secret
        except ArgumentInvalid as problem:
            errors["token_id" if "id" in problem.message else "days"] = problem.message
        else:
            context = await tokens_context(hub, user)
            context["created"] = {"id": token_id, "text": secret, "role": role}
            return templating.render(request, "_tokens.html", context)
    typed = {"token_id": token_id, "role": role, "days": text(form, "days")}
    return templating.render(
        request, "_tokens.html", context | {"errors": errors, "form": typed}, 422
    )


@router.post("/tokens/{token_id:seg}/delete", name="token_delete")
async def delete(request: Request, token_id: str, hub: HubDep, user: UserDep) -> Response:
    access.require(user, access.ADMINISTER)
    await hub.api_tokens.delete(user.principal, token_id)
    return see_other(request, "/ui/tokens")
