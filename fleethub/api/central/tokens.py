"""/api/apiTokens: create (the token text is shown once), list, get and delete API tokens."""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter, Response

from fleethub.api.central import wire
from fleethub.api.central.auth import Caller
from fleethub.http import HubDep, JsonResponse
from fleethub.hub.auth.roles import RoleAssignment

router = APIRouter(tags=["IoT Central: API tokens"])


@router.get("/api/apiTokens", summary="List API tokens")
async def list_tokens(hub: HubDep, who: Caller) -> JsonResponse:
    tokens = await hub.api_tokens.list(who)
    return JsonResponse({"value": [wire.token_json(t) for t in tokens]})


@router.put("/api/apiTokens/{token_id:seg}", summary="Create an API token")
async def create_token(
    hub: HubDep, who: Caller, token_id: str, request: wire.ApiTokenRequest
) -> JsonResponse:
    roles = [RoleAssignment(r.role, r.organization) for r in request.roles]
    expiry = None
    if request.expiry is not None:  # a time without a zone is UTC, as IoT Central reads it
        given = request.expiry
        expiry = (given if given.tzinfo else given.replace(tzinfo=UTC)).timestamp()
    token, text = await hub.api_tokens.create(who, token_id, roles, expiry)
    return JsonResponse(wire.token_json(token, text))


@router.get("/api/apiTokens/{token_id:seg}", summary="Get an API token")
async def get_token(hub: HubDep, who: Caller, token_id: str) -> JsonResponse:
    return JsonResponse(wire.token_json(await hub.api_tokens.get(who, token_id)))


@router.delete("/api/apiTokens/{token_id:seg}", status_code=204, summary="Delete an API token")
async def delete_token(hub: HubDep, who: Caller, token_id: str) -> Response:
    await hub.api_tokens.delete(who, token_id)
    return Response(status_code=204)
