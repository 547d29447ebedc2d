"""Claims-based security: CBS tokens checked like the REST SAS tokens (wire spec §3.1, §7).

Two token producers reach `$cbs`, and both sign ``sr-as-sent + "\\n" + se`` with a shared
access policy's key:

- azure-iot-hub (uamqp): ``sr`` is the raw HostName (``localhost:8443``) and the key is
  base64-decoded first, as for REST;
- azure-eventhub (pyamqp): ``sr`` is ``quote_plus("sb://host/hub/consumergroups/$Default")``
  and the key's *text* is the HMAC key (Event Hubs' convention), not its decoded bytes.

A token grants its policy's permissions on every address below its resource until `se`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from fleethub.hub.auth import sas
from fleethub.hub.auth.principal import Permission, Principal
from fleethub.hub.errors import Unauthorized
from fleethub.hub.hub import Hub
from fleethub.transports.amqp.links import Refused


@dataclass(frozen=True, slots=True)
class Claim:
    scope: str
    """The path below the hub the token covers, lower-cased: "" is the whole hub."""
    expires: float
    principal: Principal


def strip_scheme(address: str) -> str:
    """``amqps://localhost/messages/devicebound`` → ``localhost/messages/devicebound``."""
    _, sep, rest = address.partition("://")
    return rest if sep else address


def _raw_key_signature(key: str, sr: str, se: int) -> bytes:
    digest = hmac.new(key.encode(), f"{sr}\n{se}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest)


class Claims:
    """The tokens one connection has put, and the checks a link attach runs against them."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._claims: list[Claim] = []

    def put(self, text: str) -> Claim:
        """Verify a token (policy, signature, expiry, audience) and remember what it grants."""
        token = sas.parse(text)
        now = self._hub.clock()
        policy = self._hub.config.policies.get(token.skn or "")
        if policy is None:
            raise Unauthorized("The token names no known shared access policy (skn).")
        if token.se <= now:
            raise Unauthorized("The SharedAccessSignature has expired.")
        keys = [policy.primary_key, policy.secondary_key]
        try:
            sas.verify(token, keys, now)
        except Unauthorized:
            given = token.sig.encode()
            ok = False
            for key in keys:
                ok |= hmac.compare_digest(_raw_key_signature(key, token.sr, token.se), given)
            if not ok:
                raise
        scope = self._hub.config.names.split(strip_scheme(token.resource))
        if scope is None:
            raise Unauthorized("The token's resource (sr) is not this hub.")
        principal = Principal(name=policy.name, permissions=policy.permissions)
        claim = Claim(scope.lower(), float(token.se), principal)
        self._claims = [c for c in self._claims if c.expires > now and c.scope != claim.scope]
        self._claims.append(claim)
        return claim

    def authorize(self, path: str, permission: Permission) -> Principal:
        """The principal of an unexpired token covering `path` (below the hub) with `permission`.

        Raises Refused with amqp:unauthorized-access otherwise (§2.8.15).
        """
        now = self._hub.clock()
        wanted = path.strip("/").lower()
        covered = False
        for claim in self._claims:
            if claim.expires <= now:
                continue
            if claim.scope and not (wanted == claim.scope or wanted.startswith(claim.scope + "/")):
                continue
            covered = True
            if permission in claim.principal.permissions:
                return claim.principal
        reason = "lacks the permission" if covered else "covers no token put to $cbs"
        raise Refused("amqp:unauthorized-access", f"'{path[:200]}' {reason}.")

    def any_valid(self) -> Principal:
        """Any unexpired claim's principal ($management checks each request's entity itself)."""
        now = self._hub.clock()
        for claim in self._claims:
            if claim.expires > now:
                return claim.principal
        raise Refused("amqp:unauthorized-access", "no valid token was put to $cbs.")

    @property
    def expires(self) -> float | None:
        """When the last claim lapses (None without claims): the link checks run again then."""
        return max((c.expires for c in self._claims), default=None)
