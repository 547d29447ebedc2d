"""Group commit: many concurrent writers share one transaction per batch (docs/design/storage.md).

`append()` returns only after the transaction holding its item has committed, so a QoS 1
PUBACK sent after it promises durability. The next batch gathers while the current one commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from fleethub.hub.errors import ServiceUnavailable
from fleethub.store.database import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: Writes one batch inside an open transaction; returns one result per item, in item order.
WriteBatch = Callable[[AsyncConnection, list[T]], Awaitable[list[R]]]
#: The same as a plain function, run on SQLite's batch thread (`Database.write_batch`):
#: the whole transaction costs one thread hop instead of one per statement.
WriteBatchSync = Callable[[sqlite3.Connection, list[T]], list[R]]

_UNAVAILABLE = "The message store is unavailable; retry later."


@contextlib.contextmanager
def unavailable_on_error() -> Iterator[None]:
    """Turn driver and connection errors into the domain's ServiceUnavailable at store's edge."""
    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        log.warning("store operation failed", exc_info=True)
        raise ServiceUnavailable(_UNAVAILABLE) from exc


@dataclass(slots=True, eq=False)
class _Entry(Generic[T, R]):
    item: T
    done: asyncio.Future[R] | None
    settle: Callable[[R | None, BaseException | None], None] | None = None


class GroupCommitWriter(Generic[T, R]):
    """One task writes whatever is waiting, up to `max_batch` items, in one transaction.

    Results come back in submission order: batches commit one after another and each batch
    resolves its futures in order, so callers resume in the order they called (MQTT requires
    PUBACKs in PUBLISH order). At most `max_queued` items wait beyond the batch being written;
    further callers wait for room in arrival order (back-pressure reaches the socket).
    """

    def __init__(
        self,
        db: Database,
        write: WriteBatch[T, R] | None = None,
        *,
        max_batch: int = 2000,
        max_queued: int = 10_000,
        name: str = "group-commit",
        write_sync: WriteBatchSync[T, R] | None = None,
    ) -> None:
        if max_batch < 1 or max_queued < 1:
            raise ValueError("max_batch and max_queued must be at least 1")
        if write_sync is not None and not db.writes_batches_in_thread:
            raise ValueError("write_sync needs a store with a batch thread (SQLite)")
        if write is None and write_sync is None:
            raise ValueError("give write or write_sync")
        self._db = db
        self._write = write
        self._write_sync = write_sync
        self._max_batch = max_batch
        self._max_queued = max_queued
        self._name = name
        self._pending: deque[_Entry[T, R]] = deque()
        # Callers waiting for room, oldest first; the writer admits them in that order.
        self._blocked: deque[tuple[_Entry[T, R], asyncio.Future[None]]] = deque()
        self._inflight: list[_Entry[T, R]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._accepting = False
        self.batches = 0
        """Committed batches so far (with `items`, the mean batch size for metrics)."""
        self.items = 0
        """Items committed so far."""

    @property
    def queued(self) -> int:
        """Items admitted and waiting for a batch (not counting the batch being written)."""
        return len(self._pending)

    @property
    def blocked(self) -> int:
        """Callers waiting for room in the queue."""
        return len(self._blocked)

    def start(self) -> None:
        """Start the writer task on the running event loop."""
        if self._task is not None:
            raise RuntimeError("the writer is already started")
        self._accepting = True
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self._name)

    async def close(self) -> None:
        """Stop accepting, write everything already accepted, then stop the task."""
        self._accepting = False
        self._wake.set()
        if self._task is not None:
            await self._task

    def offer(self, item: T, settle: Callable[[R | None, BaseException | None], None]) -> bool:
        """Queue `item` now, or return False (queue full, callers waiting, or closed) so the
        caller takes the `submit` path; `settle` is called once its batch commits or fails.

        The hot path for QoS 1 telemetry: no future, task or coroutine per item, so the
        garbage collector has far fewer objects to traverse (docs/performance.md).
        """
        if self.full:
            return False
        self._pending.append(_Entry(item, None, settle))
        self._wake.set()
        return True

    @property
    def full(self) -> bool:
        """Whether `offer` would refuse an item right now."""
        return not self._accepting or bool(self._blocked) or len(self._pending) >= self._max_queued

    async def append(self, item: T) -> R:
        """Queue `item` and return its result once its batch has committed."""
        return await (await self.submit(item))

    async def submit(self, item: T) -> asyncio.Future[R]:
        """Queue `item` as soon as there is room; the future resolves after its commit.

        Lets a connection pipeline: keep reading while earlier items commit, and stop reading
        (this call waits) only when the queue is full.
        """
        if not self._accepting:
            raise ServiceUnavailable(_UNAVAILABLE)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[R] = loop.create_future()
        entry: _Entry[T, R] = _Entry(item, done)
        if not self._blocked and len(self._pending) < self._max_queued:
            self._pending.append(entry)
            self._wake.set()
            return done
        room = loop.create_future()
        self._blocked.append((entry, room))
        try:
            await room
        except asyncio.CancelledError:
            if room.cancelled():
                with contextlib.suppress(ValueError):  # the writer may have dropped it already
                    self._blocked.remove((entry, room))
            else:  # admitted just before the cancellation: the writer will skip it
                done.cancel()
            raise
        return done

    async def _run(self) -> None:
        try:
            while True:
                batch = self._take()
                if batch:
                    await self._commit(batch)
                elif not self._accepting:
                    return
                else:
                    self._wake.clear()
                    await self._wake.wait()
        finally:
            self._accepting = False
            self._fail_outstanding()

    def _take(self) -> list[_Entry[T, R]]:
        batch: list[_Entry[T, R]] = []
        while self._pending and len(batch) < self._max_batch:
            entry = self._pending.popleft()
            # A caller cancelled before its turn is not written.
            if entry.done is None or not entry.done.done():
                batch.append(entry)
        while self._blocked and len(self._pending) < self._max_queued:
            entry, room = self._blocked.popleft()
            if room.done():  # its caller was cancelled while it waited
                continue
            self._pending.append(entry)
            room.set_result(None)
        return batch

    async def _commit(self, batch: list[_Entry[T, R]]) -> None:
        self._inflight = batch
        try:
            items = [entry.item for entry in batch]
            if self._write_sync is not None:
                write_sync = self._write_sync
                results = await self._db.write_batch(
                    lambda conn: write_sync(conn, items), rows=len(items)
                )
            else:
                assert self._write is not None
                async with self._db.write() as conn:
                    results = await self._write(conn, items)
            if len(results) != len(batch):
                raise RuntimeError(f"{len(results)} results for {len(batch)} items")
        except Exception as exc:
            # The transaction rolled back: fail every caller of this batch and nobody else.
            log.warning("group commit of %d items failed", len(batch), exc_info=True)
            _fail(batch, exc)
        else:
            self.batches += 1
            self.items += len(batch)
            for entry, result in zip(batch, results, strict=True):
                if entry.done is None:
                    _call(entry, result, None)
                elif not entry.done.done():
                    entry.done.set_result(result)
        self._inflight = []

    def _fail_outstanding(self) -> None:
        """The task is ending (closed or cancelled): nobody may wait forever."""
        blocked = [entry for entry, _ in self._blocked]
        for _, room in self._blocked:
            if not room.done():
                room.set_result(None)
        self._blocked.clear()
        _fail([*self._inflight, *self._pending, *blocked], None)
        self._inflight = []
        self._pending.clear()


def _fail(entries: list[_Entry[T, R]], cause: BaseException | None) -> None:
    for entry in entries:
        if entry.done is None or not entry.done.done():
            error = ServiceUnavailable(_UNAVAILABLE)
            error.__cause__ = cause
            if entry.done is None:
                _call(entry, None, error)
            else:
                entry.done.set_exception(error)


def _call(entry: _Entry[T, R], result: R | None, error: BaseException | None) -> None:
    """Run an offered item's callback; its bug must not stop the writer or the batch."""
    assert entry.settle is not None
    try:
        entry.settle(result, error)
    except Exception:
        log.exception("a group-commit callback failed")
