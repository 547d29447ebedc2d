"""Device and module authentication at connect time: SAS tokens and X.509 certificates.

The MQTT username is ``{HostName}/{clientId}/?api-version=...`` (wire spec §2.3); the client id
is ``device`` or ``device/module``. The hub name in the username and the token may differ from
the host dialled (GatewayHostName), so both are checked against the configured hub names.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from fleethub.hub.auth import sas
from fleethub.hub.auth.policies import Policy
from fleethub.hub.auth.principal import Permission, Principal
from fleethub.hub.auth.service import HubNames
from fleethub.hub.errors import Unauthorized
from fleethub.hub.registry.device import Identity


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """What the TLS layer learned about a client certificate."""

    thumbprint_sha1: str
    thumbprint_sha256: str
    common_name: str | None
    chain_trusted: bool
    """True when the chain verified against a device CA the operator registered."""


@dataclass(frozen=True, slots=True)
class DeviceLogin:
    principal: Principal
    identity: Identity
    auth_method: str
    expires_at: float | None
    """When the SAS token expires (the connection is closed then); None for X.509."""


def parse_client_id(client_id: str) -> tuple[str, str | None]:
    """``"dev"`` → (dev, None); ``"dev/mod"`` → (dev, mod)."""
    device, sep, module = client_id.partition("/")
    if not device or (sep and (not module or "/" in module)):
        raise Unauthorized(f"Client id '{client_id[:140]}' is not 'device' or 'device/module'.")
    return device, module or None


def check_username(username: str | None, client_id: str, names: HubNames) -> None:
    """The username must name this hub and the same client id as CONNECT."""
    if not username:
        raise Unauthorized("The MQTT username is missing.")
    head = username.split("/?", 1)[0]
    host, _, rest = head.partition("/")
    if names.split(host) is None:
        raise Unauthorized("The username names another hub.")
    if rest.rstrip("/") != client_id:
        raise Unauthorized("The username's client id differs from the CONNECT client id.")


def device_resource(host: str, device_id: str, module_id: str | None) -> str:
    base = f"{host}/devices/{device_id}"
    return base if module_id is None else f"{base}/modules/{module_id}"


def verify_sas(
    password: str,
    identity: Identity,
    policies: dict[str, Policy],
    names: HubNames,
    now: float,
) -> float:
    """Check a device token against the identity's keys (or a DeviceConnect policy).

    Returns the token's expiry. The resource must be the identity's own
    (``{hub}/devices/{id}[/modules/{mid}]``); a policy token may also cover a prefix of it.
    """
    if identity.auth.type != "sas":
        raise Unauthorized("This identity authenticates with X.509, not a SAS token.")
    token = sas.parse(password)
    if token.skn:
        policy = policies.get(token.skn)
        if policy is None or Permission.DEVICE_CONNECT not in policy.permissions:
            raise Unauthorized("The token's policy does not grant DeviceConnect.")
        keys = [policy.primary_key, policy.secondary_key]
    else:
        keys = [k for k in (identity.auth.primary_key, identity.auth.secondary_key) if k]
    sas.verify(token, keys, now)
    scope = names.split(unquote(token.sr))
    own = device_resource("", identity.device_id, identity.module_id).lstrip("/")
    if scope is None or not (scope == own or (token.skn and own.startswith(scope + "/"))):
        raise Unauthorized("The token's resource is not this device.")
    return float(token.se)


def verify_certificate(certificate: ClientCertificate | None, identity: Identity) -> None:
    auth = identity.auth
    if certificate is None:
        raise Unauthorized("No client certificate was presented.")
    if auth.type == "selfSigned":
        offered = {certificate.thumbprint_sha1.upper(), certificate.thumbprint_sha256.upper()}
        known = {t for t in (auth.primary_thumbprint, auth.secondary_thumbprint) if t}
        if not offered & known:
            raise Unauthorized("The certificate's thumbprint matches neither registered one.")
        return
    if auth.type == "certificateAuthority":
        if not certificate.chain_trusted:
            raise Unauthorized("The certificate does not chain to a registered device CA.")
        if certificate.common_name != (identity.module_id or identity.device_id):
            raise Unauthorized("The certificate's common name is not the device id.")
        return
    raise Unauthorized("This identity authenticates with a SAS token, not a certificate.")


def login(
    identity: Identity,
    password: str | None,
    certificate: ClientCertificate | None,
    policies: dict[str, Policy],
    names: HubNames,
    now: float,
) -> DeviceLogin:
    """Authenticate a looked-up identity with whatever credential the client offered."""
    if identity.status != "enabled":
        raise Unauthorized("The device is disabled.")
    expires: float | None = None
    if password:
        expires = verify_sas(password, identity, policies, names, now)
        method = "sas"
    else:
        verify_certificate(certificate, identity)
        method = "x509"
    principal = Principal(
        name=f"device:{identity.device_id}",
        permissions=Permission.DEVICE_CONNECT,
        device_id=identity.device_id,
        module_id=identity.module_id,
    )
    return DeviceLogin(principal, identity, method, expires)
