"""api-version check and Authorization header → Principal for the IoT Central API.

IoT Central requires `api-version` on every call; fleethub serves 2022-07-31 and
2022-10-31-preview (the version seed 004's filter, orderby and maxpagesize need).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request

from fleethub.http import HubDep
from fleethub.hub.auth.principal import Principal
from fleethub.hub.errors import ArgumentInvalid

GA = "2022-07-31"
PREVIEW = "2022-10-31-preview"
API_VERSIONS = (GA, PREVIEW)


async def api_version(version: Annotated[str | None, Query(alias="api-version")] = None) -> str:
    if not version:
        raise ArgumentInvalid(
            f"The api-version query parameter is required: {' or '.join(API_VERSIONS)}."
        )
    if version not in API_VERSIONS:
        raise ArgumentInvalid(
            f"The api-version '{version[:40]}' is not supported; use {' or '.join(API_VERSIONS)}."
        )
    return version


async def principal(
    request: Request, hub: HubDep, _version: Annotated[str, Depends(api_version)]
) -> Principal:
    """The caller, from an API token (checked after the api-version, as IoT Central does)."""
    return await hub.api_tokens.authenticate(request.headers.get("authorization"))


Caller = Annotated[Principal, Depends(principal)]
Version = Annotated[str, Depends(api_version)]
IfMatch = Annotated[str | None, Header()]
