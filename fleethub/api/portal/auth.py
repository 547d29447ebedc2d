"""Who calls the Portal API (issue #5, item 9): a signed-in portal user, an API token, or a
service SAS token of a shared access policy. Anonymous calls get 401.

- Session: the web portal (fleethub/web, not yet written) signs people in and sets
  ``app.state.portal_sessions`` to a `SessionResolver`: request → the signed-in Principal or
  None. It is consulted first, so a browser needs no Authorization header.
- API token: IoT Central-style tokens (`hub.api_tokens`), sent as
  ``SharedAccessSignature sr=<app>&sig=..&skn=<token id>&se=..`` or ``Bearer <that or sig>``;
  every role may read; operators may not change device models.
- Policy token: a service SAS token (``SharedAccessSignature sr=<host>&sig=..&se=..&skn=
  <policy>``, or ``Bearer`` + that). A policy with RegistryWrite may also change device
  models here, the Portal's way of administering them; configurations are changed through
  the IoT Hub API (`/configurations`), as in Azure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from fleethub.http import HubDep
from fleethub.hub.auth import sas
from fleethub.hub.auth.principal import Permission, Principal
from fleethub.hub.auth.service import authenticate_policy
from fleethub.hub.errors import Unauthorized
from fleethub.hub.hub import Hub

SessionResolver = Callable[[Request], Awaitable[Principal | None]]
#: The app.state attribute the web portal sets to its SessionResolver.
SESSIONS = "portal_sessions"


async def principal(request: Request, hub: HubDep) -> Principal:
    sessions: SessionResolver | None = getattr(request.app.state, SESSIONS, None)
    if sessions is not None:
        user = await sessions(request)
        if user is not None:
            return user
    return await from_header(hub, request.headers.get("authorization"))


async def from_header(hub: Hub, authorization: str | None) -> Principal:
    text = (authorization or "").strip()
    if not text:
        raise Unauthorized(
            "Sign in to the portal, or send an API token or a SharedAccessSignature in the "
            "Authorization header."
        )
    bare = text[7:].strip() if text[:7].lower() == "bearer " else text
    if bare.startswith(sas.PREFIX):
        token = sas.parse(bare)
        if token.skn in hub.config.policies:
            caller = authenticate_policy(
                bare, hub.config.policies, hub.config.names, "", hub.clock()
            )
            return with_model_rights(caller)
    return await hub.api_tokens.authenticate(text)


def with_model_rights(caller: Principal) -> Principal:
    """A policy that may write the registry may also edit device models through the Portal."""
    if Permission.REGISTRY_WRITE not in caller.permissions:
        return caller
    return dataclasses.replace(caller, permissions=caller.permissions | Permission.MODELS_WRITE)


Caller = Annotated[Principal, Depends(principal)]
