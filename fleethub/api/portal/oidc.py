"""GET /OIDCSettings: the OpenID Connect settings a portal client signs in with (seed 000
"OIDCSettings"). Anonymous by necessity: a client reads them before anyone has signed in.
No secret is ever part of them."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request

from fleethub.http import JsonResponse

router = APIRouter(tags=["OIDCSettings"])

#: The app.state attribute app.py sets from Settings.
STATE = "portal_oidc"


@dataclass(frozen=True, slots=True)
class OidcSettings:
    authority: str | None = None
    client_id: str | None = None
    scope: str | None = None
    metadata_url: str | None = None


@router.get("/OIDCSettings", summary="The OpenID Connect settings (no secrets)")
async def oidc_settings(request: Request) -> JsonResponse:
    settings: OidcSettings = getattr(request.app.state, STATE, None) or OidcSettings()
    return JsonResponse(
        {
            "authority": settings.authority,
            "metadataUrl": settings.metadata_url,
            "clientId": settings.client_id,
            "scope": settings.scope,
        }
    )
