"""OpenID Connect sign-in (fleethub/web/oidc.py) against a FAKE identity provider.

A real provider (Entra ID, Keycloak...) cannot run here, so this test serves a small fake
one itself, over ASGI: discovery document, JWKS, token endpoint (checking the PKCE
verifier) and ID tokens signed with a key made for the test. The browser's trip to the
provider's login page is skipped: the test reads the authorization redirect and comes back
to the callback as the provider would.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fleethub import web
from fleethub.hub.hub import Hub
from tests.web.conftest import Browser, portal_app, web_config

ISSUER = "https://idp.example"
CLIENT = "fleethub-portal"


class FakeProvider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.codes: dict[str, dict[str, str]] = {}
        self.claims: dict[str, Any] = {}
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/token", self.token, methods=["POST"]),
            ]
        )

    async def discovery(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/authorize",
                "token_endpoint": f"{ISSUER}/token",
                "jwks_uri": f"{ISSUER}/jwks",
            }
        )

    async def jwks(self, request: Request) -> JSONResponse:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        grant = self.codes.pop(str(form["code"]), None)
        verifier = str(form.get("code_verifier", ""))
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if grant is None or challenge != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": CLIENT,
            "sub": "u-1",
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "preferred_username": "ada@example.com",
            "roles": ["builder"],
        } | self.claims
        token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        return JSONResponse({"id_token": token, "access_token": "x", "token_type": "Bearer"})

    def authorize(self, location: str) -> tuple[str, str]:
        """What the provider's login page would do: remember the grant, return (code, state)."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        assert params["client_id"] == CLIENT
        assert params["code_challenge_method"] == "S256"
        assert "openid" in params["scope"].split()
        code = f"code-{len(self.codes)}"
        self.codes[code] = {"nonce": params["nonce"], "challenge": params["code_challenge"]}
        return code, params["state"]


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
async def oidc_browser(hub: Hub, provider: FakeProvider) -> Any:
    oidc = web.OidcConfig(authority=ISSUER, client_id=CLIENT, scope="email")
    config = web_config(oidc=oidc, http_transport=httpx.ASGITransport(app=provider.app))
    transport = httpx.ASGITransport(app=portal_app(hub, config))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://localhost:8443") as client:
        yield Browser(client)


async def start(browser: Browser, provider: FakeProvider) -> tuple[str, str]:
    page = await browser.get("/ui/signin")
    assert "OpenID Connect" in page.text
    redirect = await browser.get("/ui/signin/oidc?next=/ui/devices")
    assert redirect.status_code == 303
    assert redirect.headers["location"].startswith(f"{ISSUER}/authorize?")
    return provider.authorize(redirect.headers["location"])


async def test_sign_in_with_the_provider(oidc_browser: Browser, provider: FakeProvider) -> None:
    code, state = await start(oidc_browser, provider)
    back = await oidc_browser.get(f"/ui/signin/oidc/callback?code={code}&state={state}")
    assert back.status_code == 303
    assert back.headers["location"] == "/ui/devices"
    page = await oidc_browser.get("/ui/devices")
    assert page.status_code == 200
    assert "ada@example.com · builder" in page.text


async def test_a_forged_state_is_refused(oidc_browser: Browser, provider: FakeProvider) -> None:
    code, _ = await start(oidc_browser, provider)
    back = await oidc_browser.get(f"/ui/signin/oidc/callback?code={code}&state=forged")
    assert back.status_code == 400
    assert "Sign-in failed" in back.text
    assert (await oidc_browser.get("/ui/")).status_code == 303


async def test_a_callback_not_started_here_is_refused(oidc_browser: Browser) -> None:
    back = await oidc_browser.get("/ui/signin/oidc/callback?code=x&state=y")
    assert back.status_code == 400
    assert "was not started here" in back.text


@pytest.mark.parametrize(
    ("claims", "reason"),
    [({"aud": "someone-else"}, "aud"), ({"iss": "https://evil"}, "iss"), ({"nonce": "n"}, "nonce")],
)
async def test_id_token_claims_are_checked(
    oidc_browser: Browser, provider: FakeProvider, claims: dict[str, Any], reason: str
) -> None:
    provider.claims = claims
    code, state = await start(oidc_browser, provider)
    back = await oidc_browser.get(f"/ui/signin/oidc/callback?code={code}&state={state}")
    assert back.status_code == 400
    assert "The ID token is not valid" in back.text
    assert (await oidc_browser.get("/ui/")).status_code == 303


async def test_without_settings_there_is_no_oidc(browser: Browser) -> None:
    assert "OpenID Connect" not in (await browser.get("/ui/signin")).text
    assert (await browser.get("/ui/signin/oidc")).status_code == 404
