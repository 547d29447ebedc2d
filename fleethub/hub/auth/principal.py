"""The caller as the hub sees it, and the permission check every service runs first."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from fleethub.hub.errors import Forbidden


class Permission(enum.Flag):
    """IoT Hub shared-access rights."""

    NONE = 0
    REGISTRY_READ = enum.auto()
    REGISTRY_WRITE = enum.auto()
    SERVICE_CONNECT = enum.auto()
    DEVICE_CONNECT = enum.auto()
    #: Create, change and delete device models (IoT Central App Builder and Administrator).
    MODELS_WRITE = enum.auto()
    #: Create, list and delete IoT Central API tokens (App Administrator).
    API_TOKENS = enum.auto()


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a shared-access policy, a device or a module."""

    name: str
    permissions: Permission
    device_id: str | None = None
    module_id: str | None = None


#: The hub acting on its own behalf (CLI, start-up work, background jobs).
SYSTEM = Principal(
    name="system",
    permissions=Permission.REGISTRY_READ
    | Permission.REGISTRY_WRITE
    | Permission.SERVICE_CONNECT
    | Permission.DEVICE_CONNECT
    | Permission.MODELS_WRITE
    | Permission.API_TOKENS,
)


def require(principal: Principal, *any_of: Permission) -> None:
    """Raise Forbidden unless the principal holds at least one of the permissions."""
    for permission in any_of:
        if permission in principal.permissions:
            return
    names = " or ".join(p.name or "?" for p in any_of)
    raise Forbidden(f"The credential '{principal.name}' lacks the {names} permission.")
