"""Ports: Telemetry, consumer groups and cloud-to-device queues."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from fleethub.hub.central.records import RecentMessage
from fleethub.hub.messaging.consumer_groups import ConsumerGroup
from fleethub.hub.messaging.message import (
    C2DMessage,
    D2CRecord,
    FeedbackBatch,
    FeedbackRecord,
    IngestFigures,
)


class TelemetryLog(Protocol):
    async def contains(self, device_id: str, module_id: str | None, message_id: str) -> bool:
        """Whether a record with this message id from this identity is stored (resends)."""

    async def append(self, record: D2CRecord) -> None:
        """Return once the record is durable; concurrent appends share one group commit.

        Sets `record.sequence_number`. Raises ServiceUnavailable when the store is down.
        """

    @property
    def full(self) -> bool:
        """Whether `offer` would refuse a record right now (back-pressure, or closed)."""

    @property
    def figures(self) -> IngestFigures:
        """Commits, messages committed and messages waiting, since start."""

    def offer(self, record: D2CRecord, settled: Callable[[BaseException | None], None]) -> bool:
        """`append` without a coroutine: queue the record now and return True, or return
        False (full, closed) and queue nothing. Once its batch has committed, `settled(None)`
        is called with `record.sequence_number` set; `settled(error)` if it failed."""

    async def read(
        self,
        device_id: str | None,
        since: float | None,
        until: float | None,
        after_sequence: int | None,
        limit: int,
    ) -> list[D2CRecord]:
        """Records in sequence order, optionally for one device and an enqueued-time range."""

    async def prune(self, older_than: float, max_rows: int | None = None) -> int:
        """Delete records enqueued before `older_than` (retention), oldest first, in chunks
        of one transaction each, stopping after about `max_rows`; return how many."""


class ConsumerGroupStore(Protocol):
    """Consumer groups created through the service REST API or the CLI (issue #8)."""

    async def add(self, group: ConsumerGroup) -> bool:
        """Insert unless a group of that name (any case) exists; True if inserted."""

    async def list(self) -> list[ConsumerGroup]: ...

    async def remove(self, name: str) -> bool:
        """Delete the group of that name (any case); False if there was none."""


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

    async def recent(self, device_id: str, limit: int) -> list[FeedbackRecord]:
        """The device's records not yet completed, newest first; locks are left alone."""


class RecentTelemetry(Protocol):
    async def recent(self, device_id: str, limit: int) -> list[RecentMessage]:
        """The device's own (not its modules') newest telemetry first, for IoT Central's
        "latest value" reads."""
