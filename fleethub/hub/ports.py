"""The Protocols the domain needs from its adapters; `store/` and `bus/` implement them.

One small Protocol per aggregate, each method one atomic operation. Only `app.py` knows
which adapters stand behind them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fleethub.hub.messaging.message import C2DMessage, D2CRecord, FeedbackBatch, FeedbackRecord
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


class TelemetryLog(Protocol):
    async def append(self, record: D2CRecord) -> None:
        """Return once the record is durable; concurrent appends share one group commit.

        Sets `record.sequence_number`. Raises ServiceUnavailable when the store is down.
        """

    async def read(
        self,
        device_id: str | None,
        since: float | None,
        until: float | None,
        after_sequence: int | None,
        limit: int,
    ) -> list[D2CRecord]:
        """Records in sequence order, optionally for one device and an enqueued-time range."""

    async def prune(self, older_than: float) -> int:
        """Delete records enqueued before `older_than` (retention); return how many."""


class C2DQueue(Protocol):
    async def enqueue(self, message: C2DMessage, max_queued: int) -> C2DMessage:
        """Append to the device's queue (assigning `id`); raise DeviceMaximumQueueDepthExceeded
        when `max_queued` messages already wait."""

    async def next_ready(self, device_id: str, now: float, limit: int) -> list[C2DMessage]:
        """Unexpired messages that are not locked (or whose lock lapsed), oldest first."""

    async def lock(
        self, device_id: str, message_id: int, token: str, until: float
    ) -> C2DMessage | None:
        """Mark one message delivered: delivery_count + 1, lock token and expiry set."""

    async def remove(self, device_id: str, lock_token: str) -> C2DMessage | None:
        """Take a locked message out of the queue (complete or reject); None if unknown."""

    async def unlock(self, device_id: str, lock_token: str) -> bool:
        """Abandon: the message becomes ready again."""

    async def take_expired(self, now: float) -> list[C2DMessage]:
        """Remove and return every message past its expiry time."""

    async def purge(self, device_id: str) -> int: ...

    async def depth(self, device_id: str) -> int: ...


class FeedbackStore(Protocol):
    async def add(self, records: Sequence[FeedbackRecord]) -> None: ...

    async def receive(self, token: str, now: float, lock_seconds: float) -> FeedbackBatch | None:
        """Lock every unlocked record (up to 500) under `token`; None when there is none."""

    async def complete(self, token: str) -> bool: ...

    async def abandon(self, token: str) -> bool: ...


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

    async def save(self, client_id: str, filters: Sequence[str]) -> None: ...

    async def delete(self, client_id: str) -> None: ...
