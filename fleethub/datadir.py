"""The data dir: what `fleethub init` creates and every other command reads.

    data/
      hub.json            host names and shared access policies (mode 0600: it holds keys)
      tls/ca.pem          the CA devices must trust; ca-key.pem, server.pem, server-key.pem
      fleethub.db         the SQLite store (unless --store names PostgreSQL)

Nodes of one cluster share one data dir's contents, so they present the same certificate
and accept the same keys.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from fleethub import tls
from fleethub.hub.auth.passwords import hash_password, new_password
from fleethub.hub.auth.policies import Policy, default_policies
from fleethub.hub.auth.roles import BootstrapToken, hash_secret, new_secret, token_text
from fleethub.hub.auth.tokens import DEFAULT_LIFETIME

#: Id of the IoT Central administrator API token `fleethub init` mints (issue #4).
CENTRAL_ADMIN_ID = "fleethub-admin"


@dataclass(frozen=True, slots=True)
class CentralConfig:
    """The IoT Central application's id, name and creation time, and the hash of the first
    administrator API token until `fleethub serve` adopts it into the store."""

    app_id: str
    display_name: str
    created_time: float
    admin: BootstrapToken | None = None


@dataclass(frozen=True, slots=True)
class PortalConfig:
    """The web portal's cookie-signing secret and its local administrator, whose password
    `fleethub init` prints once; only its argon2 hash is kept."""

    session_secret: str
    admin_user: str = "admin"
    admin_hash: str | None = None


@dataclass(frozen=True, slots=True)
class HubIdentity:
    hostnames: list[str]
    policies: list[Policy]
    central: CentralConfig | None = None
    portal: PortalConfig | None = None

    def policy(self, name: str) -> Policy:
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise KeyError(name)


def device_cas(data_dir: Path) -> list[Path]:
    """CA certificates registered for CA-signed device certificates (data/device-cas/*.pem)."""
    folder = data_dir / "device-cas"
    return sorted(folder.glob("*.pem")) if folder.is_dir() else []


def hub_file(data_dir: Path) -> Path:
    return data_dir / "hub.json"


def is_initialised(data_dir: Path) -> bool:
    return hub_file(data_dir).exists() and tls.TlsFiles.in_dir(data_dir).server_cert.exists()


def init(data_dir: Path, extra_names: list[str]) -> HubIdentity:
    """Create the data dir, CA, server certificate and policies; keep what already exists."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if is_initialised(data_dir):
        identity = load(data_dir)
        if identity.central is None:  # a data dir from before the IoT Central API
            identity = replace(identity, central=_new_central())
            _save(data_dir, identity)
        if identity.portal is None:  # a data dir from before the web portal
            identity = replace(identity, portal=PortalConfig(secrets.token_urlsafe(32)))
            _save(data_dir, identity)
        return identity
    names = list(dict.fromkeys([*tls.DEFAULT_NAMES, *extra_names]))
    tls.create_ca_and_server(tls.TlsFiles.in_dir(data_dir), names)
    identity = HubIdentity(
        hostnames=names,
        policies=default_policies(),
        central=_new_central(),
        portal=PortalConfig(secrets.token_urlsafe(32)),
    )
    _save(data_dir, identity)
    return identity


def _save(data_dir: Path, identity: HubIdentity) -> None:
    body = {
        "hostnames": identity.hostnames,
        "policies": [
            {
                "keyName": p.name,
                "primaryKey": p.primary_key,
                "secondaryKey": p.secondary_key,
                "rights": list(p.rights),
            }
            for p in identity.policies
        ],
    }
    if identity.central is not None:
        body["central"] = _central_json(identity.central)
    if identity.portal is not None:
        body["portal"] = {
            "sessionSecret": identity.portal.session_secret,
            "adminUser": identity.portal.admin_user,
            "adminPasswordHash": identity.portal.admin_hash,
        }
    path = hub_file(data_dir)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(body, out, indent=2)


def load(data_dir: Path) -> HubIdentity:
    body = json.loads(hub_file(data_dir).read_text())
    policies = [
        Policy(p["keyName"], p["primaryKey"], p["secondaryKey"], tuple(p["rights"]))
        for p in body["policies"]
    ]
    central = _central_of(body["central"]) if "central" in body else None
    portal = None
    if isinstance(body.get("portal"), dict):
        given = body["portal"]
        portal = PortalConfig(
            str(given["sessionSecret"]),
            str(given.get("adminUser") or "admin"),
            given.get("adminPasswordHash"),
        )
    return HubIdentity(
        hostnames=list(body["hostnames"]), policies=policies, central=central, portal=portal
    )


def _new_central() -> CentralConfig:
    return CentralConfig(
        app_id=str(uuid.uuid4()), display_name="fleethub", created_time=time.time()
    )


def _central_json(central: CentralConfig) -> dict[str, object]:
    admin = central.admin
    return {
        "appId": central.app_id,
        "displayName": central.display_name,
        "createdTime": central.created_time,
        "adminToken": (
            None
            if admin is None
            else {"id": admin.id, "sha256": admin.secret_hash, "expiry": admin.expiry}
        ),
    }


def _central_of(body: dict[str, object]) -> CentralConfig:
    admin = body.get("adminToken")
    token = None
    if isinstance(admin, dict):
        token = BootstrapToken(str(admin["id"]), str(admin["sha256"]), float(admin["expiry"]))
    return CentralConfig(
        app_id=str(body["appId"]),
        display_name=str(body.get("displayName", "fleethub")),
        created_time=float(str(body.get("createdTime", 0.0))),
        admin=token,
    )


def mint_central_admin(data_dir: Path) -> str:
    """A new IoT Central administrator token: its hash goes to hub.json for `fleethub serve`
    to adopt; the token text is returned once and kept nowhere."""
    identity = init(data_dir, [])
    assert identity.central is not None  # init() always sets it
    secret = new_secret()
    expiry = time.time() + DEFAULT_LIFETIME
    admin = BootstrapToken(CENTRAL_ADMIN_ID, hash_secret(secret), expiry)
    _save(data_dir, replace(identity, central=replace(identity.central, admin=admin)))
    return token_text(identity.central.app_id, CENTRAL_ADMIN_ID, secret, expiry)


def mint_portal_admin(data_dir: Path) -> str:
    """A new password for the portal's local administrator: its argon2 hash goes to hub.json;
    the password is returned once and kept nowhere."""
    identity = init(data_dir, [])
    assert identity.portal is not None  # init() always sets it
    password = new_password()
    portal = replace(identity.portal, admin_hash=hash_password(password))
    _save(data_dir, replace(identity, portal=portal))
    return password


def set_portal_admin_hash(data_dir: Path, admin_hash: str) -> None:
    """Keep a new argon2 hash for the portal's administrator (the portal's settings page)."""
    identity = load(data_dir)
    assert identity.portal is not None  # init() always sets it
    _save(data_dir, replace(identity, portal=replace(identity.portal, admin_hash=admin_hash)))


def connection_string(
    identity: HubIdentity, policy_name: str, port: int, host: str | None = None
) -> str:
    policy = identity.policy(policy_name)
    host = host or identity.hostnames[0]
    hostname = host if port == 443 else f"{host}:{port}"
    return (
        f"HostName={hostname};SharedAccessKeyName={policy.name};"
        f"SharedAccessKey={policy.primary_key}"
    )
