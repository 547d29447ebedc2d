"""IoT Central API tokens and their roles: the records, the permission matrix and the secret
handling (secrets are never stored; only their SHA-256 is, compared in constant time).

Role ids are IoT Central's built-in ones (`GET /api/roles`), so clients that hard-code them work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fleethub.hub.auth.principal import Permission

ADMINISTRATOR = "ca310b8d-2f4a-44e0-a36e-957c202cd8d4"
BUILDER = "344138e9-8de4-4497-8c54-5237e96d6aaf"
OPERATOR = "ae2c9854-393b-4f97-8c42-479d70ce626e"

_OPERATE = Permission.REGISTRY_READ | Permission.REGISTRY_WRITE | Permission.SERVICE_CONNECT
_BUILD = _OPERATE | Permission.MODELS_WRITE

#: role id → (display name, permissions). Operators run devices but cannot change templates;
#: builders also edit templates; only administrators manage API tokens.
ROLES: dict[str, tuple[str, Permission]] = {
    ADMINISTRATOR: ("App Administrator", _BUILD | Permission.API_TOKENS),
    BUILDER: ("App Builder", _BUILD),
    OPERATOR: ("App Operator", _OPERATE),
}


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    role: str
    organization: str | None = None


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: str
    roles: tuple[RoleAssignment, ...]
    expiry: float
    secret_hash: str
    """Hex SHA-256 of the secret (the token's `sig`); the secret itself is never kept."""
    created_time: float

    @property
    def permissions(self) -> Permission:
        result = Permission.NONE
        for assignment in self.roles:
            result |= ROLES[assignment.role][1] if assignment.role in ROLES else Permission.NONE
        return result


@dataclass(frozen=True, slots=True)
class BootstrapToken:
    """The first administrator token `fleethub init` minted: its hash waits in hub.json until
    `fleethub serve` adopts it into the store (the store may not be open at init time)."""

    id: str
    secret_hash: str
    expiry: float


def new_secret() -> str:
    """32 random bytes, URL-safe base64 without padding (safe inside the token text)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)


def token_text(app_id: str, token_id: str, secret: str, expiry: float) -> str:
    """The token as IoT Central shows it once, e.g.
    ``SharedAccessSignature sr=<app id>&sig=<secret>&skn=<token id>&se=<expiry ms>``."""
    return f"SharedAccessSignature sr={app_id}&sig={secret}&skn={token_id}&se={int(expiry * 1000)}"
