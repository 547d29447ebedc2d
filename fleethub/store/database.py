"""The engine and the two ways in: `read()` and `write()` transactions.

SQLite allows one writer at a time, so writes queue on one asyncio lock instead of spinning
on SQLITE_BUSY (Datasette's single-writer pattern); PostgreSQL writes run concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, TypeVar

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fleethub.hub.errors import ServiceUnavailable
from fleethub.store.postgres_lookups import HeldLookups
from fleethub.store.sqlite_batches import BatchConnection
from fleethub.store.sqlite_lookup import PointReads

R = TypeVar("R")

#: Most parameter sets in one `change_many` transaction on SQLite (on the loop's thread).
_LOOP_ROWS = 50
#: PostgreSQL pool connections held for `lookup_driver` (of the pool's 20).
_HELD_LOOKUPS = 4
#: What a `write()` transaction of unknown size counts toward the next checkpoint.
_WRITE_ROWS = 50

_UNAVAILABLE = "The database is unavailable; retry later."
#: Errors that mean the server cannot be reached, not that the statement was wrong.
_DRIVER_OUTAGES = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)


@contextlib.contextmanager
def outage_is_unavailable() -> Iterator[None]:
    """A lost or refused database connection becomes ServiceUnavailable (503 on every face);
    SQL errors such as constraint violations pass through for the caller to map. The pool
    replaces connections a lost server broke, so work resumes once the server is back."""
    try:
        yield
    except sa.exc.DBAPIError as error:
        lost = isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError)
        if lost or error.connection_invalidated or isinstance(error.orig, _DRIVER_OUTAGES):
            raise ServiceUnavailable(_UNAVAILABLE) from error
        raise
    except _DRIVER_OUTAGES as error:
        raise ServiceUnavailable(_UNAVAILABLE) from error


class Database:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        single_writer: bool,
        point_reader: sa.Engine | None = None,
        point_writer: sa.Engine | None = None,
        batch_path: str | None = None,
    ) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._writer = asyncio.Lock() if single_writer else None
        self._point_reader = point_reader
        self._point_reads = PointReads(point_reader) if point_reader is not None else None
        self._lookups = HeldLookups(engine, _HELD_LOOKUPS) if self.dialect == "postgresql" else None
        self._point_writer = point_writer
        self._batches = (
            BatchConnection(batch_path, self._writer)
            if batch_path is not None and self._writer is not None
            else None
        )

    async def change(
        self, statement: sa.Executable, params: Any = None, *, returning: bool = False
    ) -> tuple[int, list[sa.Row[Any]]]:
        """One short write statement in its own transaction: (rowcount, returned rows).

        On SQLite it runs on the loop's thread under the single-writer lock: a small write
        takes tens of microseconds there, the round trips to aiosqlite's thread a millisecond.
        """
        if self._point_writer is not None and self._writer is not None:
            async with self._writer:
                with outage_is_unavailable(), self._point_writer.begin() as conn:
                    result = conn.execute(statement, params)
                    rows = list(result) if returning else []
            self._wrote(len(params) if isinstance(params, list) else 1)
            return result.rowcount, rows
        async with self.write() as aconn:
            aresult = await aconn.execute(statement, params)
            rows = list(aresult) if returning else []
            return aresult.rowcount, rows

    async def change_many(self, statement: sa.Executable, rows: list[dict[str, Any]]) -> None:
        """One statement over many parameter sets (executemany), for rows that stand alone.

        On SQLite the rows go in transactions of at most 50, each on the loop's thread under
        the single-writer lock, which telemetry group commits wait for in turn: the activity
        flush (one row per device that sent, every five seconds) in one transaction of a
        thousand rows held the writer for 12-23 ms and showed as a PUBACK stall. PostgreSQL,
        whose writers do not wait for each other, takes them in one transaction.
        """
        if self._point_writer is None:
            async with self.write(len(rows)) as aconn:
                await aconn.execute(statement, rows)
            return
        for start in range(0, len(rows), _LOOP_ROWS):
            if start:
                await asyncio.sleep(0)  # let waiting writers and the loop's other work run
            await self.change(statement, rows[start : start + _LOOP_ROWS])

    async def lookup(
        self, statement: sa.Select[Any], params: dict[str, Any] | None = None
    ) -> Mapping[str, Any] | None:
        """One row by an indexed key (a primary-key lookup, never a scan), by column name.

        On SQLite this runs on the event loop's own thread through a dedicated read
        connection, straight through the driver (`PointReads`): an indexed read takes tens
        of microseconds there, while the hop to aiosqlite's thread and back costs several
        times that in CPU (docs/design/storage.md).
        """
        if self._point_reads is not None:
            try:
                return self._point_reads.one(statement, params or {})
            except (sqlite3.OperationalError, sqlite3.InterfaceError) as error:
                raise ServiceUnavailable(_UNAVAILABLE) from error
        with outage_is_unavailable():
            async with self.engine.connect() as aconn:
                row = (await aconn.execute(statement, params or {})).first()
        return None if row is None else row._mapping

    async def lookup_driver(self, sql: str, *args: Any) -> Mapping[str, Any] | None:
        """PostgreSQL: one row by an indexed key, straight through asyncpg (`$1` parameters).

        SQLAlchemy's async execution path and pool checkout cost more CPU per lookup than
        asyncpg's own work; a few of the pool's connections, with its JSON codecs, are held
        for lookups instead (`HeldLookups`).
        """
        assert self._lookups is not None, "lookup_driver is for PostgreSQL"
        with outage_is_unavailable():
            async with self._lookups.driver() as driver:
                record: Mapping[str, Any] | None = await driver.fetchrow(sql, *args)
        return record

    @property
    def writes_batches_in_thread(self) -> bool:
        """Whether `write_batch` is available (SQLite; PostgreSQL uses `write`)."""
        return self._batches is not None

    @property
    def batches(self) -> BatchConnection | None:
        """SQLite's batch connection (checkpoints), None on PostgreSQL."""
        return self._batches

    def _wrote(self, rows: int) -> None:
        """SQLite: count what went into the write-ahead log, for the next checkpoint."""
        if self._batches is not None:
            self._batches.wrote(rows)

    async def write_batch(self, work: Callable[[sqlite3.Connection], R], *, rows: int) -> R:
        """SQLite: `work` in one transaction on the bare batch connection, under the
        single-writer lock, inline or on its thread by size (store/sqlite_batches.py)."""
        if self._batches is None:
            raise RuntimeError("write_batch needs SQLite's batch connection")
        try:
            return await self._batches.run(work, rows)
        except sqlite3.OperationalError as error:  # locked, disk full, I/O error
            raise ServiceUnavailable(_UNAVAILABLE) from error

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        with outage_is_unavailable():
            async with self.engine.connect() as conn:
                yield conn

    @contextlib.asynccontextmanager
    async def write(self, rows: int = _WRITE_ROWS) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits on success and rolls back on any error; `rows` is what
        it counts toward SQLite's next checkpoint, where the caller knows better."""
        with outage_is_unavailable():
            if self._writer is None:
                async with self.engine.begin() as conn:
                    yield conn
                return
            async with self._writer, self.engine.begin() as conn:
                yield conn
            self._wrote(rows)

    async def close(self) -> None:
        if self._lookups is not None:
            await self._lookups.close()
        if self._batches is not None:
            self._batches.close()
        for engine in (self._point_reader, self._point_writer):
            if engine is not None:
                engine.dispose()
        await self.engine.dispose()
