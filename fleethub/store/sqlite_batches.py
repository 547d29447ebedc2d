"""SQLite group commits on a bare connection: small batches inline, big ones on a thread;
checkpoints on a connection and thread of their own, outside the writer lock.

A group commit of telemetry is one short INSERT, so its fixed costs decide the CPU per
message at low rates. Through aiosqlite and SQLAlchemy a one-row commit took ~350 µs of CPU
(seven thread hops, pool checkout and reset, result processing) against ~70 µs for the same
statements on the bare driver (docs/performance.md). A batch of a few rows commits right
on the loop's thread; a big one goes to this store's own thread and leaves the loop free.

Checkpoints copy the write-ahead log back into the database file and sync it, which can take
tens of milliseconds. SQLite's automatic checkpoint runs inside whichever commit crossed its
threshold, under the store's writer lock, so every PUBACK queued behind that commit would
wait for the sync too. So no connection checkpoints by itself (`wal_autocheckpoint=0`, also
in store/sqlite.py); `wrote()` counts what went into the log and, past a threshold, a
PASSIVE checkpoint runs on its own connection and thread while writers carry on.

SQLite starts the log over only when a write begins with the whole log copied back. Beside
writers that never pause, a PASSIVE checkpoint never ends that way (frames keep landing
while it copies), so the log would grow by every commit for as long as the load lasts. So
once the log passes RESTART_FRAMES, the next checkpoint also runs once under the writer
lock: it copies only what came in meanwhile, and the first write after it starts the log
over (and truncates the file to JOURNAL_SIZE_LIMIT).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

R = TypeVar("R")

log = logging.getLogger(__name__)

#: Batches of up to this many rows commit on the loop's thread: for a few rows the hop to
#: the batch thread and back costs more than the rows themselves.
INLINE_ROWS = 32
#: A checkpoint starts once about this many rows (or single-row commits) went into the log.
CHECKPOINT_ROWS = 2000
#: Past this many frames (pages) in the log, a checkpoint is followed by one under the
#: writer lock, so the log starts over: 16,384 frames, 64 MiB at SQLite's 4 KiB pages. That
#: pass holds writers back for its copy and syncs (16-40 ms on the bench box, every ~2 s at
#: 5,000 messages a second). A 256 MiB bound made the PUBACK p99 worse, not better: cutting
#: the bigger file back and the bigger checkpoints' writeback slowed the commits after it.
RESTART_FRAMES = 16_384
#: The size the log file is cut back to when it starts over (SQLite's journal_size_limit).
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024

#: Every connection to the file, the SQLAlchemy ones included (store/sqlite.py). WAL with
#: NORMAL sync is durable across process crashes (an OS crash may lose the last commits,
#: storage.md); no connection checkpoints by itself (see above).
PRAGMAS = (
    "synchronous=NORMAL",
    "busy_timeout=5000",
    "wal_autocheckpoint=0",
    f"journal_size_limit={JOURNAL_SIZE_LIMIT}",
)


class BatchConnection:
    """The one connection group batches commit on, serialised by the store's writer lock."""

    def __init__(self, path: str, writer: asyncio.Lock) -> None:
        self._path = path
        self._conn = _connect(path)
        self._writer = writer
        self._thread: ThreadPoolExecutor | None = None
        # Opened at the first checkpoint, once migrations have put the file in WAL mode.
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpoints = ThreadPoolExecutor(1, thread_name_prefix="sqlite-checkpoint")
        self._checkpointing: asyncio.Future[int] | None = None
        self._unchecked = 0

    async def run(self, work: Callable[[sqlite3.Connection], R], rows: int) -> R:
        """`work` in one transaction, inline if small, else on the thread. The writer lock
        is held until the transaction ends, even if the caller is cancelled first: no other
        writer may start while it is open."""
        await self._writer.acquire()
        if rows <= INLINE_ROWS:
            try:
                result = self._transaction(work)
            finally:
                self._writer.release()
            self.wrote(rows)
            return result
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-batch")
        try:
            done = asyncio.get_running_loop().run_in_executor(self._thread, self._transaction, work)
        except BaseException:
            self._writer.release()
            raise
        done.add_done_callback(lambda _: self._writer.release())
        result = await asyncio.shield(done)
        self.wrote(rows)
        return result

    def wrote(self, rows: int) -> None:
        """Count rows committed by any connection; start a checkpoint when enough are in."""
        self._unchecked += rows
        if self._unchecked < CHECKPOINT_ROWS or self._checkpointing is not None:
            return
        self._unchecked = 0
        loop = asyncio.get_running_loop()
        self._checkpointing = loop.run_in_executor(self._checkpoints, self._checkpoint)
        self._checkpointing.add_done_callback(self._checkpointed)

    @property
    def checkpointing(self) -> bool:
        return self._checkpointing is not None

    async def checkpointed(self) -> None:
        """Wait for the checkpoint under way, if any, and the one under the lock it may call for."""
        while self._checkpointing is not None:
            await asyncio.shield(self._checkpointing)

    def _checkpoint(self) -> int:
        """The frames in the log when the checkpoint began."""
        if self._checkpointer is None:
            self._checkpointer = _connect(self._path)
        # PASSIVE: copy what no reader still needs, never wait for readers or writers.
        _, frames, _ = self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(frames)

    def _checkpointed(self, done: asyncio.Future[int]) -> None:
        if self._settled(done) and done.result() >= RESTART_FRAMES:
            self._checkpointing = asyncio.ensure_future(self._checkpoint_alone())
            self._checkpointing.add_done_callback(self._settled)

    async def _checkpoint_alone(self) -> int:
        """A checkpoint with no writer beside it, so it can copy the whole log."""
        async with self._writer:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._checkpoints, self._checkpoint)

    def _settled(self, done: asyncio.Future[int]) -> bool:
        """Forget the checkpoint that ended; True if it ran to the end."""
        self._checkpointing = None
        if done.cancelled():
            return False
        if done.exception() is not None:
            log.warning("checkpoint failed; the next one retries", exc_info=done.exception())
            return False
        return True

    def _transaction(self, work: Callable[[sqlite3.Connection], R]) -> R:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(self._conn)
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        return result

    def close(self) -> None:
        if self._checkpointing is not None:
            self._checkpointing.cancel()  # a pass waiting for the writer lock: close's own below
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        self._checkpoints.shutdown(wait=True)
        try:
            self._checkpoint()  # leave the log copied back for the next start
        except sqlite3.Error:
            log.warning("the last checkpoint failed; SQLite replays the log at next start")
        if self._checkpointer is not None:
            self._checkpointer.close()
        self._conn.close()


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    return conn
