"""CachedSessions: reconnects served from memory, never anything the store does not hold."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from fleethub.transports.mqtt.session_store import CachedSessions


class Store:
    """A SessionStore in a dict that counts reads and can hold a call at a gate."""

    def __init__(self) -> None:
        self.rows: dict[str, list[str]] = {}
        self.loads = 0
        self.gate: asyncio.Event | None = None
        self.fail = False

    async def _wait(self) -> None:
        if self.gate is not None:
            await self.gate.wait()

    async def load(self, client_id: str) -> list[str] | None:
        self.loads += 1
        found = self.rows.get(client_id)
        await self._wait()
        return None if found is None else list(found)

    async def create(self, client_id: str) -> None:
        self.rows.setdefault(client_id, [])

    async def save(self, client_id: str, filters: Sequence[str]) -> None:
        await self._wait()
        if self.fail:
            raise OSError("store down")
        self.rows[client_id] = list(filters)

    async def delete(self, client_id: str) -> None:
        await self._wait()
        self.rows.pop(client_id, None)


async def test_reconnects_read_from_memory() -> None:
    store = Store()
    sessions = CachedSessions(store)
    assert await sessions.load("c") is None
    await sessions.save("c", ["a/#"])
    assert await sessions.load("c") == ["a/#"]
    assert store.loads == 1
    got = await sessions.load("c")
    assert got == ["a/#"]
    got.append("mutated")  # callers get a copy
    assert await sessions.load("c") == ["a/#"]
    await sessions.delete("c")
    assert await sessions.load("c") is None


async def test_a_loaded_session_is_kept() -> None:
    store = Store()
    store.rows["c"] = ["x"]
    sessions = CachedSessions(store)
    assert await sessions.load("c") == ["x"]
    assert await sessions.load("c") == ["x"]
    assert store.loads == 1


async def test_a_read_across_a_write_is_not_kept() -> None:
    store = Store()
    store.rows["c"] = ["old"]
    sessions = CachedSessions(store)
    store.gate = asyncio.Event()
    reading = asyncio.create_task(sessions.load("c"))
    await asyncio.sleep(0)
    writing = asyncio.create_task(sessions.save("c", ["new"]))
    await asyncio.sleep(0)
    store.gate.set()
    assert await reading == ["old"]
    await writing
    store.gate = None
    assert await sessions.load("c") == ["new"]


async def test_overlapping_writes_are_not_kept() -> None:
    store = Store()
    sessions = CachedSessions(store)
    store.gate = asyncio.Event()
    first = asyncio.create_task(sessions.save("c", ["one"]))
    second = asyncio.create_task(sessions.save("c", ["two"]))
    await asyncio.sleep(0)
    store.gate.set()
    await asyncio.gather(first, second)
    store.gate = None
    loads = store.loads
    assert await sessions.load("c") == store.rows["c"]
    assert store.loads == loads + 1  # read from the store, whichever write landed last


async def test_a_failed_write_forgets() -> None:
    store = Store()
    sessions = CachedSessions(store)
    await sessions.save("c", ["a"])
    store.fail = True
    with pytest.raises(OSError, match="store down"):
        await sessions.save("c", ["b"])
    store.fail = False
    loads = store.loads
    assert await sessions.load("c") == ["a"]
    assert store.loads == loads + 1


async def test_bounded() -> None:
    store = Store()
    sessions = CachedSessions(store, limit=2)
    for name in ("a", "b", "c"):
        await sessions.save(name, [name])
    loads = store.loads
    assert await sessions.load("a") == ["a"]
    assert store.loads == loads + 1


async def test_a_created_session_is_read_from_the_store_first() -> None:
    store = Store()
    sessions = CachedSessions(store)
    await sessions.create("c")
    assert await sessions.load("c") == []
    assert await sessions.load("c") == []
    assert store.loads == 1
