"""SQLite group commits on a bare connection: small batches inline, big ones on a thread.

A group commit of telemetry is one short INSERT, so its fixed costs decide the CPU per
message at low rates. Through aiosqlite and SQLAlchemy a one-row commit took ~350 µs of CPU
(seven thread hops, pool checkout and reset, result processing) against ~70 µs for the same
statements on the bare driver (docs/performance.md). A batch of a few rows commits right
on the loop's thread; a big one goes to this store's own thread and leaves the loop free.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

R = TypeVar("R")

#: Batches of up to this many rows commit on the loop's thread: for a few rows the hop to
#: the batch thread and back costs more than the rows themselves.
INLINE_ROWS = 32
#: The connection does not checkpoint on its own (an automatic checkpoint after an inline
#: commit would sync files on the loop's thread); the batch thread checkpoints once about
#: this many rows have gone into the write-ahead log since the last time.
CHECKPOINT_ROWS = 2000


class BatchConnection:
    """The one connection group batches commit on, serialised by the store's writer lock."""

    def __init__(self, path: str, writer: asyncio.Lock) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("synchronous=NORMAL", "busy_timeout=5000", "wal_autocheckpoint=0"):
            self._conn.execute(f"PRAGMA {pragma}")
        self._writer = writer
        self._thread: ThreadPoolExecutor | None = None
        self._unchecked = 0

    async def run(self, work: Callable[[sqlite3.Connection], R], rows: int) -> R:
        """`work` in one transaction: inline if small and no checkpoint is due, else on the
        thread. The writer lock is held until the transaction ends, even if the caller is
        cancelled first: no other writer may start while it is open."""
        await self._writer.acquire()
        if rows <= INLINE_ROWS and self._unchecked < CHECKPOINT_ROWS:
            try:
                result = self._transaction(work)
            finally:
                self._writer.release()
            self._unchecked += rows
            return result
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-batch")
        try:
            done = asyncio.get_running_loop().run_in_executor(
                self._thread, self._transaction_then_checkpoint, work, rows
            )
        except BaseException:
            self._writer.release()
            raise
        done.add_done_callback(lambda _: self._writer.release())
        return await asyncio.shield(done)

    def _transaction(self, work: Callable[[sqlite3.Connection], R]) -> R:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(self._conn)
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        return result

    def _transaction_then_checkpoint(self, work: Callable[[sqlite3.Connection], R], rows: int) -> R:
        result = self._transaction(work)
        self._unchecked += rows
        if self._unchecked >= CHECKPOINT_ROWS:
            # PASSIVE: copy what no reader still needs, never wait for readers.
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._unchecked = 0
        return result

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        self._conn.close()
