"""Authorization header → Principal for the IoT Hub service API; api-version check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request

from fleethub.http import HubDep
from fleethub.hub.auth.principal import Principal
from fleethub.hub.errors import ArgumentInvalid
from fleethub.hub.hub import Hub

#: Service API versions Azure has published; requests naming another are refused, as Azure does.
API_VERSIONS = frozenset(
    {
        "2016-11-14",
        "2017-06-30",
        "2017-11-08-preview",
        "2018-01-26",
        "2018-04-01",
        "2018-06-30",
        "2018-08-30-preview",
        "2019-03-30",
        "2019-07-01-preview",
        "2019-10-01",
        "2020-03-13",
        "2020-05-31-preview",
        "2020-06-30",
        "2020-06-30-preview",
        "2020-09-30",
        "2021-04-12",
        "2021-11-30",
    }
)


def check_api_version(version: str | None) -> str:
    if not version:
        raise ArgumentInvalid("The api-version query parameter is required.")
    if version not in API_VERSIONS:
        raise ArgumentInvalid(f"The api-version '{version[:40]}' is not supported.")
    return version


def authenticate(hub: Hub, path: str, authorization: str | None) -> Principal:
    """The caller, from a policy-signed SAS token scoped to the resource at ``path``."""
    return hub.service_tokens.authenticate(
        authorization, hub.config.policies, hub.config.names, path.strip("/"), hub.clock()
    )


async def api_version(version: Annotated[str | None, Query(alias="api-version")] = None) -> str:
    return check_api_version(version)


async def principal(
    request: Request, hub: HubDep, _version: Annotated[str, Depends(api_version)]
) -> Principal:
    return authenticate(hub, request.scope["path"], request.headers.get("authorization"))


Caller = Annotated[Principal, Depends(principal)]
IfMatch = Annotated[str | None, Header()]
IfNoneMatch = Annotated[str | None, Header()]
