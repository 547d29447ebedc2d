"""Shared access policies: named keys with rights, as IoT Hub's built-in ones.

`fleethub init` creates the five Azure defaults with random keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from fleethub.hub.auth.principal import Permission
from fleethub.hub.auth.sas import new_key

RIGHTS: dict[str, Permission] = {
    "RegistryRead": Permission.REGISTRY_READ,
    "RegistryWrite": Permission.REGISTRY_WRITE,
    "ServiceConnect": Permission.SERVICE_CONNECT,
    "DeviceConnect": Permission.DEVICE_CONNECT,
}

DEFAULT_POLICIES: dict[str, tuple[str, ...]] = {
    "iothubowner": ("RegistryRead", "RegistryWrite", "ServiceConnect", "DeviceConnect"),
    "service": ("ServiceConnect",),
    "device": ("DeviceConnect",),
    "registryRead": ("RegistryRead",),
    "registryReadWrite": ("RegistryRead", "RegistryWrite"),
}


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    primary_key: str
    secondary_key: str
    rights: tuple[str, ...]

    @property
    def permissions(self) -> Permission:
        result = Permission.NONE
        for right in self.rights:
            result |= RIGHTS[right]
        return result


def default_policies() -> list[Policy]:
    return [Policy(name, new_key(), new_key(), rights) for name, rights in DEFAULT_POLICIES.items()]
