"""Service-side authentication: a policy-signed SAS token becomes a Principal.

Used by every REST face; the audience check accepts any configured hub name with or without
a port, since the service SDK signs ``quote_plus(HostName)`` and HostName may carry one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fleethub.hub.auth import sas
from fleethub.hub.auth.policies import Policy
from fleethub.hub.auth.principal import Principal
from fleethub.hub.errors import Unauthorized


@dataclass(frozen=True, slots=True)
class HubNames:
    """The host names this hub answers to (case-insensitive), e.g. localhost, 127.0.0.1."""

    names: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, names: Iterable[str]) -> HubNames:
        return cls(frozenset(n.lower() for n in names))

    def split(self, resource: str) -> str | None:
        """The path below the hub for ``host[:port][/path]``, or None when the host is not ours.

        >>> HubNames.of(["localhost"]).split("localhost:8443/devices/d1")
        'devices/d1'
        """
        host, _, path = resource.partition("/")
        name, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
        if port and not port.isdigit():
            return None
        return path.strip("/") if (name or host).lower() in self.names else None


def authenticate_policy(
    authorization: str | None,
    policies: dict[str, Policy],
    names: HubNames,
    resource: str,
    now: float,
) -> Principal:
    """Check a service token: policy key, expiry, audience (a prefix of ``resource``)."""
    policy, _, scope = _verify(authorization, policies, names, now)
    _check_scope(scope, resource)
    return Principal(name=policy.name, permissions=policy.permissions)


class ServiceTokens:
    """`authenticate_policy` that remembers tokens it verified.

    Service SDKs sign one token and send it for an hour; remembering it saves the parse and
    the HMAC of every request. A remembered token is still checked each time for expiry, for
    its policy being configured with the same keys, and for covering the request's resource.
    """

    def __init__(self, limit: int = 1024) -> None:
        self._verified: dict[str, tuple[Policy, int, str, Principal]] = {}
        self._limit = limit

    def authenticate(
        self,
        authorization: str | None,
        policies: dict[str, Policy],
        names: HubNames,
        resource: str,
        now: float,
    ) -> Principal:
        known = self._verified.get(authorization) if authorization else None
        if known is not None:
            policy, expiry, scope, principal = known
            if expiry > now and policies.get(policy.name) is policy:
                _check_scope(scope, resource)
                return principal
        policy, expiry, scope = _verify(authorization, policies, names, now)
        _check_scope(scope, resource)
        principal = Principal(name=policy.name, permissions=policy.permissions)
        if len(self._verified) >= self._limit:
            self._verified.clear()
        if authorization:  # always: _verify refuses a missing header
            self._verified[authorization] = (policy, expiry, scope, principal)
        return principal


def _verify(
    authorization: str | None, policies: dict[str, Policy], names: HubNames, now: float
) -> tuple[Policy, int, str]:
    """The policy that signed the token, its expiry, and the path below the hub it covers."""
    if not authorization:
        raise Unauthorized("The Authorization header is missing.")
    token = sas.parse(authorization)
    policy = policies.get(token.skn or "")
    if policy is None:
        raise Unauthorized("The token names no known shared access policy (skn).")
    sas.verify(token, [policy.primary_key, policy.secondary_key], now)
    scope = names.split(token.resource)
    if scope is None:
        raise Unauthorized("The token's resource (sr) is not this hub.")
    return policy, token.se, scope


def _check_scope(scope: str, resource: str) -> None:
    if scope and not (resource == scope or resource.startswith(scope + "/")):
        raise Unauthorized("The token's resource (sr) does not cover this request.")
