"""/api/deviceTemplates: create, get, update (merge), delete and list device templates
(seed 004), with maxpagesize/nextLink paging and, on 2022-10-31-preview, filter and orderby.

Every template answer carries its `etag` (in the body, and as the ETag header for one).
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Query, Request, Response

from fleethub.api.central import wire
from fleethub.api.central.auth import PREVIEW, Caller, IfMatch, Version
from fleethub.http import HubDep, JsonResponse
from fleethub.hub.errors import ArgumentInvalid
from fleethub.hub.models.catalogue import ModelQuery

router = APIRouter(tags=["IoT Central: device templates"])

DEFAULT_PAGE = 25
MAX_PAGE = 100
SKIP_PARAM = "$skiptoken"


def _etagged(body: dict[str, Any], etag: str) -> JsonResponse:
    return JsonResponse(body, headers={"ETag": etag})


@router.get("/api/deviceTemplates", summary="List device templates")
async def list_templates(
    request: Request,
    hub: HubDep,
    who: Caller,
    version: Version,
    maxpagesize: Annotated[int | None, Query()] = None,
    top: Annotated[int | None, Query(alias="$top")] = None,
    filter_text: Annotated[str | None, Query(alias="filter", max_length=2048)] = None,
    orderby: Annotated[str | None, Query(max_length=100)] = None,
    skiptoken: Annotated[str | None, Query(alias=SKIP_PARAM, max_length=200)] = None,
) -> JsonResponse:
    if (filter_text is not None or orderby is not None) and version != PREVIEW:
        raise ArgumentInvalid(f"filter and orderby need api-version={PREVIEW}.")
    size = maxpagesize if maxpagesize is not None else top if top is not None else DEFAULT_PAGE
    if not 1 <= size <= MAX_PAGE:
        raise ArgumentInvalid(f"maxpagesize must be between 1 and {MAX_PAGE}.")
    query = ModelQuery(filter_text, orderby, _skip_of(skiptoken), size)
    page = await hub.models.list(who, query)
    body: dict[str, Any] = {"value": [wire.template_json(m) for m in page.models]}
    if page.next_skip is not None:
        token = base64.urlsafe_b64encode(orjson.dumps({"skip": page.next_skip})).decode()
        body["nextLink"] = str(request.url.include_query_params(**{SKIP_PARAM: token}))
    return JsonResponse(body)


def _skip_of(token: str | None) -> int:
    """The offset a nextLink's `$skiptoken` carries: ``{"skip": 25}``, base64url JSON."""
    if token is None:
        return 0
    try:
        skip = orjson.loads(base64.urlsafe_b64decode(token.encode()))["skip"]
    except (ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        skip = None
    if type(skip) is not int or skip < 0:
        raise ArgumentInvalid("The $skiptoken is not one this application issued.")
    return skip


@router.put("/api/deviceTemplates/{template_id:seg}", summary="Create or replace a template")
async def put_template(
    hub: HubDep,
    who: Caller,
    template_id: str,
    document: Annotated[dict[str, Any], Body()],
    if_match: IfMatch = None,
) -> JsonResponse:
    model, _created = await hub.models.put(who, template_id, document, if_match)
    return _etagged(wire.template_json(model), model.etag)


@router.get("/api/deviceTemplates/{template_id:seg}", summary="Get a device template")
async def get_template(hub: HubDep, who: Caller, template_id: str) -> JsonResponse:
    model = await hub.models.get(who, template_id)
    return _etagged(wire.template_json(model), model.etag)


@router.patch("/api/deviceTemplates/{template_id:seg}", summary="Update a device template")
async def patch_template(
    hub: HubDep,
    who: Caller,
    template_id: str,
    patch: Annotated[dict[str, Any], Body()],
    if_match: IfMatch = None,
) -> JsonResponse:
    model = await hub.models.patch(who, template_id, patch, if_match)
    return _etagged(wire.template_json(model), model.etag)


@router.delete(
    "/api/deviceTemplates/{template_id:seg}", status_code=204, summary="Delete a template"
)
async def delete_template(
    hub: HubDep, who: Caller, template_id: str, if_match: IfMatch = None
) -> Response:
    await hub.models.delete(who, template_id, if_match)
    return Response(status_code=204)
