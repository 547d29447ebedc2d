"""Authorization header → Principal for the archivist API.

The archivist API takes `Authorization: Bearer <token>` (seed 003); here the token is a
service SAS token, the same one the IoT Hub API takes (`SharedAccessSignature sr=...`, with or
without that prefix). A bare `SharedAccessSignature ...` header works too. No api-version.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from fleethub.http import HubDep
from fleethub.hub.auth.principal import Principal
from fleethub.hub.auth.sas import PREFIX
from fleethub.hub.auth.service import authenticate_policy


def sas_of(header: str | None) -> str | None:
    """`Bearer sr=h&sig=s&se=1&skn=p` → `SharedAccessSignature sr=h&sig=s&se=1&skn=p`."""
    if header is None:
        return None
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return header
    token = rest.strip()
    return token if token.startswith(PREFIX) else PREFIX + token


async def principal(request: Request, hub: HubDep) -> Principal:
    return authenticate_policy(
        sas_of(request.headers.get("authorization")),
        hub.config.policies,
        hub.config.names,
        request.scope["path"].strip("/"),
        hub.clock(),
    )


Caller = Annotated[Principal, Depends(principal)]
