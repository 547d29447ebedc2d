"""The Protocols the domain needs from its adapters; `store/` and `bus/` implement them.

One small Protocol per aggregate, each method one atomic operation. Only `app.py` knows
which adapters stand behind them.
"""

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

    async def set_connection(
        self, device_id: str, module_id: str | None, state: str, at: datetime
    ) -> None: ...

    async def touch_activity(
        self, keys: Sequence[tuple[str, str | None]], at: datetime
    ) -> None: ...

    async def counts(self) -> RegistryCounts: ...

    async def query(self, query: Query, page_size: int, continuation: str | None) -> QueryPage: ...
