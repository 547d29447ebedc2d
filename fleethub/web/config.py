"""What the portal needs from outside, as plain values: app.py builds a WebConfig from the
data dir (session secret, local administrator) and Settings (OpenID Connect)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """OpenID Connect sign-in (a public client with PKCE: no client secret is needed)."""

    authority: str | None = None
    client_id: str | None = None
    scope: str | None = None
    metadata_url: str | None = None
    #: The ID-token claim holding the user's portal role(s); absent or unknown: operator.
    role_claim: str = "roles"

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and (self.metadata_url or self.authority))

    @property
    def discovery_url(self) -> str:
        if self.metadata_url:
            return self.metadata_url
        return f"{(self.authority or '').rstrip('/')}/.well-known/openid-configuration"

    @property
    def scopes(self) -> str:
        wanted = (self.scope or "").split()
        return " ".join(dict.fromkeys(["openid", *wanted, "profile"]))


@dataclass(frozen=True, slots=True)
class WebConfig:
    #: Signs session cookies (hub.json "portal.sessionSecret", made by `fleethub init`).
    session_secret: str
    admin_user: str = "admin"
    #: argon2 hash of the administrator's password; None: only OIDC users can sign in.
    admin_hash: str | None = None
    oidc: OidcConfig = field(default_factory=OidcConfig)
    #: How long a sign-in lasts.
    session_seconds: int = 12 * 3600
    #: Outbound HTTP for OIDC discovery, keys and tokens; None: the network (tests hand in
    #: a transport to a fake provider).
    http_transport: httpx.AsyncBaseTransport | None = None
    #: The hub's CA certificate, offered for download on the settings page; None: not offered.
    ca_path: Path | None = None
    #: Keeps a new administrator password's argon2 hash (app.py: in hub.json); None: the
    #: password is changed only with `fleethub init --portal-admin-password`.
    save_admin_hash: Callable[[str], None] | None = None
