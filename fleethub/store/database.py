"""The engine and the two ways in: `read()` and `write()` transactions.

SQLite allows one writer at a time, so writes queue on one asyncio lock instead of spinning
on SQLITE_BUSY (Datasette's single-writer pattern); PostgreSQL writes run concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class Database:
    def __init__(self, engine: AsyncEngine, *, single_writer: bool) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._writer = asyncio.Lock() if single_writer else None

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
        await self.engine.dispose()
