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
from dataclasses import dataclass
from pathlib import Path

from fleethub import tls
from fleethub.hub.auth.policies import Policy, default_policies


@dataclass(frozen=True, slots=True)
class HubIdentity:
    hostnames: list[str]
    policies: list[Policy]

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
        return load(data_dir)
    names = list(dict.fromkeys([*tls.DEFAULT_NAMES, *extra_names]))
    tls.create_ca_and_server(tls.TlsFiles.in_dir(data_dir), names)
    identity = HubIdentity(hostnames=names, policies=default_policies())
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
    return HubIdentity(hostnames=list(body["hostnames"]), policies=policies)


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
