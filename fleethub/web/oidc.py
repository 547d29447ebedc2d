"""OpenID Connect sign-in: authorization code flow with PKCE for a public client.

authlib prepares the authorization request and checks the callback (state, code); the ID
token is verified with joserfc (authlib's JOSE library) against the provider's published
keys: signature, issuer, audience, expiry and the nonce this sign-in started with.
What the callback needs (state, nonce, code verifier, where to go next) travels in a short-
lived signed cookie, so no server-side storage is needed and any node can finish a sign-in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.parameters import parse_authorization_code_response, prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from fleethub.web.config import OidcConfig

COOKIE = "fleethub_oidc"
FLOW_SECONDS = 600
_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


class OidcFailed(Exception):
    """The sign-in cannot complete; the message is safe to show."""


@dataclass(frozen=True, slots=True)
class Flow:
    url: str
    cookie: str


class OidcClient:
    def __init__(
        self, config: OidcConfig, secret: str, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        self.config = config
        self._transport = transport
        self._signer = URLSafeTimedSerializer(secret, salt="fleethub.portal.oidc")
        self._metadata: tuple[float, dict[str, Any]] | None = None

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self._transport, timeout=10.0)

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is not None and time.monotonic() - self._metadata[0] < 600:
            return self._metadata[1]
        try:
            async with self._client() as client:
                response = await client.get(self.config.discovery_url)
                response.raise_for_status()
                document: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise OidcFailed(f"The identity provider cannot be reached: {error}") from None
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(key), str):
                raise OidcFailed(f"The provider's discovery document lacks '{key}'.")
        self._metadata = (time.monotonic(), document)
        return document

    async def start(self, redirect_uri: str, next_url: str) -> Flow:
        """The provider's authorization URL and the cookie that remembers this attempt."""
        meta = await self.metadata()
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(48)
        url = prepare_grant_uri(
            meta["authorization_endpoint"],
            client_id=self.config.client_id,
            response_type="code",
            redirect_uri=redirect_uri,
            scope=self.config.scopes,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
        )
        cookie = self._signer.dumps({"s": state, "n": nonce, "v": verifier, "next": next_url})
        return Flow(url, cookie)

    def saved(self, cookie: str | None) -> dict[str, str]:
        try:
            data = self._signer.loads(cookie or "", max_age=FLOW_SECONDS)
        except BadSignature:
            raise OidcFailed("The sign-in took too long or was not started here.") from None
        return data if isinstance(data, dict) else {}

    async def finish(
        self, callback_url: str, redirect_uri: str, cookie: str | None
    ) -> tuple[dict[str, Any], str]:
        """Check the callback, redeem the code and verify the ID token: (claims, next URL)."""
        flow = self.saved(cookie)
        try:
            params = parse_authorization_code_response(callback_url, state=flow.get("s"))
        except OAuth2Error as error:
            raise OidcFailed(f"The provider's answer is not acceptable ({error.error}).") from None
        meta = await self.metadata()
        id_token = await self._redeem(meta, params["code"], redirect_uri, flow.get("v", ""))
        claims = await self._verify(meta, id_token, flow.get("n", ""))
        return claims, flow.get("next") or "/ui/"

    async def _redeem(
        self, meta: dict[str, Any], code: str, redirect_uri: str, verifier: str
    ) -> str:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.config.client_id or "",
            "code_verifier": verifier,
        }
        try:
            async with self._client() as client:
                response = await client.post(meta["token_endpoint"], data=form)
                body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise OidcFailed(f"The token endpoint cannot be reached: {error}") from None
        if response.status_code != 200 or not isinstance(body.get("id_token"), str):
            raise OidcFailed(f"The provider refused the code ({body.get('error', 'no id_token')}).")
        return str(body["id_token"])

    async def _verify(self, meta: dict[str, Any], id_token: str, nonce: str) -> dict[str, Any]:
        try:
            async with self._client() as client:
                keys = KeySet.import_key_set((await client.get(meta["jwks_uri"])).json())
            token = jwt.decode(id_token, keys, algorithms=_ALGORITHMS)
            jwt.JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": meta["issuer"]},
                aud={"essential": True, "value": self.config.client_id or ""},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(token.claims)
        except (JoseError, ValueError, httpx.HTTPError) as error:
            raise OidcFailed(f"The ID token is not valid: {error}") from None
        return dict(token.claims)


def user_name(claims: dict[str, Any]) -> str:
    for key in ("preferred_username", "email", "name", "sub"):
        if isinstance(claims.get(key), str) and claims[key]:
            return str(claims[key])[:128]
    return "unknown"
