"""Identity records (devices and modules) and their invariants.

A device is an Identity whose module_id is None; a module carries its device's id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from fleethub.hub import ids
from fleethub.hub.auth.sas import new_key
from fleethub.hub.errors import ArgumentInvalid
from fleethub.hub.twins.twin import TwinState

AUTH_TYPES = ("sas", "selfSigned", "certificateAuthority", "none")
STATUSES = ("enabled", "disabled")


@dataclass(slots=True)
class Authentication:
    type: str = "sas"
    primary_key: str | None = None
    secondary_key: str | None = None
    primary_thumbprint: str | None = None
    secondary_thumbprint: str | None = None


@dataclass(slots=True)
class Identity:
    device_id: str
    module_id: str | None
    generation_id: str
    created_time: datetime
    etag_seq: int = 1
    status: str = "enabled"
    status_reason: str | None = None
    status_updated_time: datetime | None = None
    connection_state: str = "Disconnected"
    connection_state_updated_time: datetime | None = None
    last_activity_time: datetime | None = None
    c2d_count: int = 0
    auth: Authentication = field(default_factory=Authentication)
    iot_edge: bool = False
    device_scope: str | None = None
    parent_scopes: list[str] = field(default_factory=list)
    managed_by: str | None = None
    model_id: str | None = None
    twin: TwinState = field(default_factory=TwinState)

    @property
    def etag(self) -> str:
        return ids.identity_etag(self.etag_seq)

    @property
    def is_module(self) -> bool:
        return self.module_id is not None


@dataclass(frozen=True, slots=True)
class IdentitySpec:
    """What a caller may set on an identity; everything else the hub fills in."""

    status: str = "enabled"
    status_reason: str | None = None
    auth: Authentication = field(default_factory=Authentication)
    iot_edge: bool = False
    device_scope: str | None = None
    parent_scopes: tuple[str, ...] = ()
    managed_by: str | None = None


def checked_auth(auth: Authentication, draw: ids.Draw = secrets.token_bytes) -> Authentication:
    """Validate keys and thumbprints; generate SAS keys Azure would generate (from `draw`)."""
    if auth.type not in AUTH_TYPES:
        raise ArgumentInvalid(f"Authentication type '{auth.type}' is not one of {AUTH_TYPES}.")
    if auth.type == "sas":
        primary = ids.check_sas_key(auth.primary_key) if auth.primary_key else None
        secondary = ids.check_sas_key(auth.secondary_key) if auth.secondary_key else None
        if (primary is None) != (secondary is None):
            raise ArgumentInvalid("Give both symmetric keys or neither (both are generated).")
        if primary is not None and primary == secondary:
            raise ArgumentInvalid("The primary and secondary keys must differ.")
        return Authentication("sas", primary or new_key(draw=draw), secondary or new_key(draw=draw))
    if auth.type == "selfSigned":
        if not auth.primary_thumbprint:
            raise ArgumentInvalid("A selfSigned identity needs a primary thumbprint.")
        return Authentication(
            "selfSigned",
            primary_thumbprint=ids.check_thumbprint(auth.primary_thumbprint),
            secondary_thumbprint=(
                ids.check_thumbprint(auth.secondary_thumbprint)
                if auth.secondary_thumbprint
                else None
            ),
        )
    return Authentication(auth.type)


def check_status(status: str) -> str:
    if status not in STATUSES:
        raise ArgumentInvalid(f"Status '{status}' is not 'enabled' or 'disabled'.")
    return status
