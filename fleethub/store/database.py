"""The engine and the two ways in: `read()` and `write()` transactions.

SQLite allows one writer at a time, so writes queue on one asyncio lock instead of spinning
on SQLITE_BUSY (Datasette's single-writer pattern); PostgreSQL writes run concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class Database:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        single_writer: bool,
        point_reader: sa.Engine | None = None,
    ) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._writer = asyncio.Lock() if single_writer else None
        self._point_reader = point_reader

    async def lookup(
        self, statement: sa.Select[Any], params: dict[str, Any] | None = None
    ) -> sa.Row[Any] | None:
        """One row by an indexed key (a primary-key lookup, never a scan).

        On SQLite this runs on the event loop's own thread through a dedicated read
        connection: an indexed read takes ~0.1 ms there, while the hop to aiosqlite's
        thread and back costs several times that in CPU (docs/design/storage.md).
        """
        if self._point_reader is not None:
            with self._point_reader.connect() as conn:
                return conn.execute(statement, params or {}).first()
        async with self.engine.connect() as conn:
            return (await conn.execute(statement, params or {})).first()

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits on success and rolls back on any error."""
        if self._writer is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._writer, self.engine.begin() as conn:
            yield conn

    async def close(self) -> None:
        if self._point_reader is not None:
            self._point_reader.dispose()
        await self.engine.dispose()
