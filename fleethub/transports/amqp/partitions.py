"""The Event Hub-compatible partitions, read from the telemetry log (docs/api/amqp.md).

A device's records form partition ``crc32(device_id) % N``. Sequence numbers and offsets are
the log's own sequence numbers, so within a partition they grow but have gaps (the other
partitions' records). One tailer per node follows the log (woken by each ingest, and every
second for records other nodes wrote) and keeps each partition's recent records in memory,
so consumers at the live edge cost one log read in total, however many consumer groups read.
Older positions are read from the log and filtered.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from dataclasses import dataclass, field

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import D2CRecord
from fleethub.hub.messaging.telemetry import ReadRange
from fleethub.transports.amqp.convert import partition_of

PAGE = 1000
POLL_SECONDS = 1.0
#: Recent records kept per partition (by total body size) for consumers at the live edge.
CACHE_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class Partition:
    recent: list[D2CRecord] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    """The sequence numbers of `recent`, for bisecting."""
    head: int = 0
    """`recent[:head]` were dropped from the cache (trimmed in bulk, not one by one)."""
    recent_bytes: int = 0
    floor: int = 0
    """Every record of this partition with a sequence number above `floor` is in `recent`."""
    last: D2CRecord | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class PartitionLog:
    def __init__(self, hub: Hub, partitions: int, retention_seconds: float) -> None:
        self._hub = hub
        self.count = partitions
        self.retention = retention_seconds
        self.last_sequence = 0
        self._parts = [Partition() for _ in range(partitions)]
        self._started: asyncio.Task[None] | None = None
        self._tail_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._tailer: asyncio.Task[None] | None = None

    # --- following the log ------------------------------------------------------------------

    async def start(self) -> None:
        """Read the retained log once (first use), then follow it; safe to await repeatedly."""
        if self._started is None:
            self._started = asyncio.get_running_loop().create_task(self._scan())
        await asyncio.shield(self._started)

    async def _scan(self) -> None:
        since = self._hub.clock() - self.retention
        while await self._pull(since):
            pass
        self._hub.telemetry.subscribe(SYSTEM, self._ingested)
        self._tailer = asyncio.get_running_loop().create_task(self._follow())

    def _ingested(self, _record: D2CRecord) -> None:
        self._wake.set()

    async def _follow(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()
            try:
                while await self._pull(None):
                    pass
            except Exception:
                logging.getLogger(__name__).warning("telemetry log read failed", exc_info=True)

    async def _pull(self, since: float | None) -> bool:
        """Read the next page after `last_sequence`; True when it was full (read again)."""
        async with self._tail_lock:
            span = ReadRange(None, since=since, after_sequence=self.last_sequence, limit=PAGE)
            records = await self._hub.telemetry.read(SYSTEM, span)
            touched: set[int] = set()
            for record in records:
                number = partition_of(record.device_id, self.count)
                self._keep(self._parts[number], record)
                touched.add(number)
                self.last_sequence = record.sequence_number
            for number in touched:
                self._parts[number].changed.set()
                self._parts[number].changed = asyncio.Event()
            return len(records) == PAGE

    def _keep(self, part: Partition, record: D2CRecord) -> None:
        part.recent.append(record)
        part.numbers.append(record.sequence_number)
        part.recent_bytes += len(record.message.body) + 256
        part.last = record
        while part.recent_bytes > CACHE_BYTES and len(part.recent) - part.head > 1:
            dropped = part.recent[part.head]
            part.head += 1
            part.recent_bytes -= len(dropped.message.body) + 256
            part.floor = dropped.sequence_number
        if part.head > 4096 and part.head * 2 > len(part.recent):
            del part.recent[: part.head]
            del part.numbers[: part.head]
            part.head = 0

    async def close(self) -> None:
        """Stop following the log; returns once no read of it is in flight."""
        self._hub.telemetry.unsubscribe(self._ingested)
        tasks = [task for task in (self._tailer, self._started) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- reading ------------------------------------------------------------------------------

    def changed(self, partition: int) -> asyncio.Event:
        """Set when the partition receives records (a fresh Event after each change)."""
        return self._parts[partition].changed

    def horizon(self) -> float:
        """Records enqueued before this time are past retention and never served."""
        return self._hub.clock() - self.retention

    async def read(self, partition: int, after: int, limit: int) -> list[D2CRecord]:
        """Up to `limit` records of the partition with sequence numbers above `after`."""
        part = self._parts[partition]
        horizon = self.horizon()
        if after >= part.floor:
            start = max(bisect.bisect_right(part.numbers, after), part.head)
            picked = part.recent[start : start + limit]
            return [r for r in picked if r.enqueued_time >= horizon]
        return await self._read_log(partition, after, limit, horizon)

    async def _read_log(
        self, partition: int, after: int, limit: int, since: float
    ) -> list[D2CRecord]:
        found: list[D2CRecord] = []
        cursor = after
        while len(found) < limit and cursor < self._parts[partition].floor:
            span = ReadRange(None, since=since, after_sequence=cursor, limit=PAGE)
            page = await self._hub.telemetry.read(SYSTEM, span)
            if not page:
                break
            for record in page:
                if partition_of(record.device_id, self.count) == partition:
                    found.append(record)
            cursor = page[-1].sequence_number
        return found[:limit]

    async def after_time(self, partition: int, when: float) -> int:
        """The position to read after so the first record is the first enqueued after `when`."""
        part = self._parts[partition]
        cached = part.recent[part.head :]
        if cached and cached[0].enqueued_time <= when:
            later = next((r for r in cached if r.enqueued_time > when), None)
            return later.sequence_number - 1 if later is not None else self.last_sequence
        span = ReadRange(None, since=max(when, self.horizon()), limit=PAGE)
        for record in await self._hub.telemetry.read(SYSTEM, span):
            if record.enqueued_time > when:
                return record.sequence_number - 1
        return self.last_sequence

    def bounds(self, partition: int) -> tuple[D2CRecord | None, D2CRecord | None]:
        """(first retained record, last record) of a partition, as the tailer knows them."""
        part = self._parts[partition]
        horizon = self.horizon()
        cached = part.recent[part.head :]
        first = next((r for r in cached if r.enqueued_time >= horizon), None)
        return first, part.last
