"""Ports: Identities, twins and live links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fleethub.hub.query.ast import Query
from fleethub.hub.registry.device import Identity
from fleethub.hub.twins.twin import TwinState


@dataclass(frozen=True, slots=True)
class RegistryCounts:
    total: int
    enabled: int
    disabled: int
    connected: int


@dataclass(frozen=True, slots=True)
class QueryPage:
    """One page of query results: twins for SELECT *, plain rows otherwise."""

    twins: list[Identity] | None
    rows: list[dict[str, Any]] | None
    continuation: str | None


class IdentityStore(Protocol):
    async def get(self, device_id: str, module_id: str | None) -> Identity | None: ...

    async def create(self, identity: Identity) -> None:
        """Insert; raise DeviceAlreadyExists / ModuleAlreadyExists on a duplicate."""

    async def create_many(self, identities: Sequence[Identity]) -> list[tuple[str, str | None]]:
        """Insert in one transaction; return the (device, module) keys that already existed."""

    async def update(self, identity: Identity, expected_etag_seq: int) -> bool:
        """Write the identity columns (not the twin) if etag_seq is still the expected one."""

    async def delete(self, device_id: str, module_id: str | None) -> bool:
        """Delete the identity (a device takes its modules with it); False if absent."""

    async def list_devices(self, top: int) -> list[Identity]: ...

    async def list_modules(self, device_id: str) -> list[Identity]: ...

    async def save_twin(
        self, device_id: str, module_id: str | None, twin: TwinState, expected_version: int
    ) -> bool:
        """Compare-and-swap the twin on its version."""

    async def set_connections(
        self, changes: Sequence[tuple[str, str | None, str, datetime]]
    ) -> None:
        """Write (device, module, state, at) connection changes (each row stands alone)."""

    async def touch_activity(
        self, keys: Sequence[tuple[str, str | None]], at: datetime
    ) -> None: ...

    async def connected(
        self, after: tuple[str, str | None] | None, limit: int
    ) -> list[tuple[str, str | None]]:
        """Up to `limit` (device, module) keys whose state reads Connected, in key order,
        after `after` (a page of the presence sweep)."""

    async def counts(self) -> RegistryCounts: ...

    async def query(self, query: Query, page_size: int, continuation: str | None) -> QueryPage: ...

    async def set_model(self, device_id: str, module_id: str | None, model_id: str | None) -> bool:
        """Point the identity at a model (its IoT Central template); False if absent."""


class DeviceLink(Protocol):
    """One live device connection on this node (an MQTT session, over TCP or WebSocket)."""

    device_id: str
    module_id: str | None

    def close(self, reason: str) -> None:
        """Disconnect the device (taken over, disabled, deleted, token expired)."""

    def send_desired(self, patch: dict[str, Any]) -> None:
        """Publish a desired-properties patch if the device subscribed to them."""

    def send_method(self, request_id: str, name: str, payload: bytes) -> bool:
        """Publish a method request; False when the device has not subscribed to methods."""

    def wake_c2d(self) -> None:
        """A cloud-to-device message is waiting: deliver it if the device subscribed."""


class SessionStore(Protocol):
    """MQTT persistent-session state per client id (CleanSession=0): its subscriptions.

    The device SDK never re-subscribes after a reconnect (wire spec §2.5), so subscriptions
    must outlive connections and hub restarts.
    """

    async def load(self, client_id: str) -> list[str] | None:
        """The stored subscriptions, or None when no session exists."""

    async def create(self, client_id: str) -> None:
        """Record an empty session unless one exists; it may be stored a moment later, in a
        batch. Never overwrites a session saved meanwhile."""

    async def save(self, client_id: str, filters: Sequence[str]) -> None: ...

    async def delete(self, client_id: str) -> None: ...
