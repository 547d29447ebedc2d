"""PostgreSQL point reads on a few pool connections held for them, straight through asyncpg.

Checking a connection out of SQLAlchemy's async pool and back for every lookup (greenlet
hops, `AsyncConnection` start and close, the pool's queue) cost ~230 µs of CPU against
~90 µs for asyncpg's `fetchrow` itself, most of a registry GET's store time (issue #2). The
connections come from the engine's pool, so they carry its JSON codecs and search_path, and
count toward its size. One that a query finds broken (or that a cancelled query may have
left mid-protocol) is invalidated and replaced on the next take.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

#: Errors after which a held connection is not trusted again.
_BROKEN = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a protocol state a killed backend can leave
    asyncio.CancelledError,
)


@dataclass(frozen=True, slots=True)
class _Held:
    connection: AsyncConnection
    driver: Any  # asyncpg.Connection


class HeldLookups:
    def __init__(self, engine: AsyncEngine, size: int) -> None:
        self._engine = engine
        self._slots = asyncio.Semaphore(size)  # each slot holds at most one connection
        self._idle: list[_Held] = []

    @contextlib.asynccontextmanager
    async def driver(self) -> AsyncIterator[Any]:
        """An asyncpg connection for one statement; held ones are shared in turn."""
        async with self._slots:
            held = self._idle.pop() if self._idle else await self._open()
            try:
                yield held.driver
            except _BROKEN:
                await _drop(held)
                raise
            except BaseException:
                self._idle.append(held)
                raise
            self._idle.append(held)

    async def close(self) -> None:
        while self._idle:
            await _drop(self._idle.pop())

    async def _open(self) -> _Held:
        connection = await self._engine.connect()
        try:
            raw = await connection.get_raw_connection()
        except BaseException:
            await connection.close()
            raise
        return _Held(connection, raw.driver_connection)


async def _drop(held: _Held) -> None:
    with contextlib.suppress(Exception):
        await held.connection.invalidate()
    with contextlib.suppress(Exception):
        await held.connection.close()
