"""Ports: Models, API tokens, IoT Central records, configurations and pictures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from fleethub.hub.auth.roles import ApiToken
from fleethub.hub.central.records import CommandRecord, DeviceProfile
from fleethub.hub.configurations.record import Configuration, DeviceStatus
from fleethub.hub.lorawan.records import Avatar
from fleethub.hub.models.record import ModelRecord
from fleethub.hub.registry.device import Identity


class ModelStore(Protocol):
    """The model catalogue (device templates); every write is one atomic statement."""

    async def get(self, model_id: str) -> ModelRecord | None: ...

    async def list(self) -> list[ModelRecord]: ...

    async def insert(self, model: ModelRecord) -> bool:
        """False when a model with that id already exists."""

    async def replace(self, model: ModelRecord, expected_etag: str) -> bool:
        """Compare-and-swap on the stored ETag."""

    async def delete(self, model_id: str, expected_etag: str) -> bool: ...

    async def users(self, model_id: str) -> int:
        """How many identities point at the model."""


class ApiTokenStore(Protocol):
    async def get(self, token_id: str) -> ApiToken | None: ...

    async def find(self, secret_hash: str) -> ApiToken | None:
        """The token whose secret hashes to `secret_hash` (for bare bearer tokens)."""

    async def list(self) -> list[ApiToken]: ...

    async def insert(self, token: ApiToken) -> bool:
        """False when a token with that id already exists."""

    async def delete(self, token_id: str) -> bool: ...

    async def adopt(self, token: ApiToken) -> bool:
        """Insert a bootstrap token once per secret, ever: False if that secret was adopted
        before (even if the token was deleted since) or the id is taken."""


class DeviceProfileStore(Protocol):
    """IoT Central's per-device data beside the identity (display name, cloud properties)."""

    async def get(self, device_id: str) -> DeviceProfile | None: ...

    async def put(self, profile: DeviceProfile) -> None:
        """Insert or replace."""

    async def delete(self, device_id: str) -> None: ...

    async def list_devices(self) -> list[tuple[Identity, DeviceProfile | None]]:
        """Every device identity (no modules) with its profile, ordered by device id; twins
        carry reported properties only."""


class CommandLog(Protocol):
    """IoT Central command invocations and their outcomes."""

    async def add(self, record: CommandRecord) -> None: ...

    async def finish(self, record: CommandRecord) -> None:
        """Write status, result, response code and completed time."""

    async def get(self, device_id: str, command_id: str) -> CommandRecord | None: ...

    async def delete_device(self, device_id: str) -> None: ...


class ConfigurationStore(Protocol):
    """IoT Hub configurations and, per configuration, where it stands on each device (#5)."""

    async def get(self, configuration_id: str) -> Configuration | None: ...

    async def list(self) -> list[Configuration]:
        """Every configuration, by id."""

    async def insert(self, configuration: Configuration) -> bool:
        """False when the id is taken."""

    async def replace(self, configuration: Configuration, expected_etag_seq: int) -> bool:
        """Compare-and-swap on the etag counter."""

    async def delete(self, configuration_id: str) -> bool:
        """Delete the configuration and its device states; False if absent."""

    async def set_statuses(
        self, configuration_id: str, statuses: Mapping[str, DeviceStatus]
    ) -> None:
        """Replace the configuration's device states (nothing is kept for a deleted one)."""

    async def set_device_statuses(
        self, device_id: str, statuses: Mapping[str, DeviceStatus]
    ) -> None:
        """Replace one device's states across configurations."""

    async def statuses(self, configuration_id: str) -> dict[str, DeviceStatus]:
        """device id → state, for one configuration."""

    async def device_statuses(self, device_id: str) -> dict[str, DeviceStatus]:
        """configuration id → state, for one device."""

    async def counts(self) -> dict[str, dict[tuple[str, str | None], int]]:
        """configuration id → (status, outcome) → how many devices."""


class AvatarStore(Protocol):
    """Device-model pictures (the Portal's avatars): files in the data dir or database rows."""

    async def get(self, model_id: str) -> Avatar | None: ...

    async def put(self, avatar: Avatar) -> None:
        """Insert or replace."""

    async def delete(self, model_id: str) -> bool: ...
