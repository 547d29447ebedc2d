"""IoT Central API tokens (`/api/apiTokens/{tokenId}`): create, list, delete, and turn an
Authorization header into a Principal whose permissions come from the token's roles.

IoT Central sends tokens as `SharedAccessSignature sr=..&sig=..&skn=<id>&se=..`; `Bearer`
followed by that text, or by the bare `sig`, is accepted too.
"""

from __future__ import annotations

import re

from fleethub.hub.auth import sas
from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.auth.roles import (
    ADMINISTRATOR,
    ROLES,
    ApiToken,
    BootstrapToken,
    RoleAssignment,
    hash_secret,
    new_secret,
    secret_matches,
    token_text,
)
from fleethub.hub.clock import Clock
from fleethub.hub.errors import (
    ApiTokenAlreadyExists,
    ApiTokenNotFound,
    ArgumentInvalid,
    Unauthorized,
)
from fleethub.hub.ports import ApiTokenStore

_TOKEN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
#: IoT Central's API tokens last a year unless the request names an earlier expiry.
DEFAULT_LIFETIME = 365 * 24 * 3600.0
MAX_LIFETIME = 10 * DEFAULT_LIFETIME


class ApiTokens:
    def __init__(self, store: ApiTokenStore, clock: Clock, app_id: str) -> None:
        self._store = store
        self._clock = clock
        self._app_id = app_id

    async def create(
        self,
        principal: Principal,
        token_id: str,
        roles: list[RoleAssignment],
        expiry: float | None,
    ) -> tuple[ApiToken, str]:
        """Store a new token; the text is returned this once and never again."""
        require(principal, Permission.API_TOKENS)
        if not _TOKEN_ID.match(token_id):
            raise ArgumentInvalid(
                f"Token id '{token_id[:140]}' is invalid: use 1-128 letters, digits, '-', '_' "
                "or '.', starting with a letter or digit."
            )
        _check_roles(roles)
        now = self._clock()
        expiry = now + DEFAULT_LIFETIME if expiry is None else expiry
        if not now < expiry <= now + MAX_LIFETIME:
            raise ArgumentInvalid("The expiry must be in the future and within ten years.")
        secret = new_secret()
        token = ApiToken(token_id, tuple(roles), expiry, hash_secret(secret), now)
        if not await self._store.insert(token):
            raise ApiTokenAlreadyExists(f"An API token with id '{token_id}' already exists.")
        return token, token_text(self._app_id, token_id, secret, expiry)

    async def get(self, principal: Principal, token_id: str) -> ApiToken:
        require(principal, Permission.API_TOKENS)
        token = await self._store.get(token_id)
        if token is None:
            raise ApiTokenNotFound(f"The API token '{token_id[:140]}' does not exist.")
        return token

    async def list(self, principal: Principal) -> list[ApiToken]:
        require(principal, Permission.API_TOKENS)
        return await self._store.list()

    async def delete(self, principal: Principal, token_id: str) -> None:
        require(principal, Permission.API_TOKENS)
        if not await self._store.delete(token_id):
            raise ApiTokenNotFound(f"The API token '{token_id[:140]}' does not exist.")

    async def authenticate(self, authorization: str | None) -> Principal:
        """The caller behind an Authorization header; Unauthorized when it proves nothing."""
        text = (authorization or "").strip()
        if not text:
            raise Unauthorized("The Authorization header is missing.")
        if text[:7].lower() == "bearer ":
            text = text[7:].strip()
        if text.startswith(sas.PREFIX):
            parsed = sas.parse(text)
            token = await self._store.get(parsed.skn) if parsed.skn else None
            secret = parsed.sig
        else:
            secret = text
            token = await self._store.find(hash_secret(secret))
        if token is None or not secret_matches(secret, token.secret_hash):
            raise Unauthorized("The API token is not valid for this application.")
        if token.expiry <= self._clock():
            raise Unauthorized(f"The API token '{token.id}' has expired.")
        return Principal(name=f"apiToken:{token.id}", permissions=token.permissions)

    async def adopt(self, bootstrap: BootstrapToken) -> bool:
        """Take in the administrator token `fleethub init` minted (once per secret)."""
        token = ApiToken(
            id=bootstrap.id,
            roles=(RoleAssignment(ADMINISTRATOR),),
            expiry=bootstrap.expiry,
            secret_hash=bootstrap.secret_hash,
            created_time=self._clock(),
        )
        return await self._store.adopt(token)


def _check_roles(roles: list[RoleAssignment]) -> None:
    if not roles:
        raise ArgumentInvalid("An API token needs at least one role.")
    for assignment in roles:
        if assignment.role not in ROLES:
            known = ", ".join(f"{rid} ({name})" for rid, (name, _) in ROLES.items())
            raise ArgumentInvalid(f"Role '{assignment.role[:60]}' is not one of {known}.")
