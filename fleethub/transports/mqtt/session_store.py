"""Persistent-session subscriptions in memory, in front of the store, on a single node.

Every connect of a persistent session (clean session 0, as the device SDKs connect) reads its
subscriptions; on SQLite that point read cost about a tenth of the hub's CPU per reconnect
(docs/performance.md). Only `DeviceCalls` writes sessions, so a node that holds every
connection (`app.py`: the local bus) sees every write and may answer reconnects from here; a
cluster must not, as a session may move to another node and be written there.

What is served is always what the store holds: each write forgets the session first, and
only a write that overlapped no other write of the same session, or a read that overlapped
no write at all, is remembered.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from fleethub.hub.ports import SessionStore


class CachedSessions:
    """A SessionStore that remembers up to `limit` sessions (the oldest goes first)."""

    def __init__(self, store: SessionStore, limit: int = 50_000) -> None:
        self._store = store
        self._limit = limit
        self._cached: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._writing: dict[str, int] = {}  # client id → its writes in flight
        self._overlapped: set[str] = set()  # client ids with two writes in flight at once
        self._epoch = 0  # bumped when any write starts: a read across it is not remembered

    async def load(self, client_id: str) -> list[str] | None:
        hit = self._cached.get(client_id)
        if hit is not None:
            return list(hit)
        epoch = self._epoch
        stored = await self._store.load(client_id)
        if stored is not None and epoch == self._epoch and client_id not in self._writing:
            self._remember(client_id, stored)
        return stored

    async def create(self, client_id: str) -> None:
        # Stored later, in a batch: nothing to remember until a load finds it there.
        self._epoch += 1
        self._cached.pop(client_id, None)
        await self._store.create(client_id)

    async def save(self, client_id: str, filters: Sequence[str]) -> None:
        kept = tuple(filters)
        self._begin(client_id)
        try:
            await self._store.save(client_id, kept)
        except BaseException:
            self._end(client_id)
            raise
        if self._end(client_id):
            self._remember(client_id, kept)

    async def delete(self, client_id: str) -> None:
        self._begin(client_id)
        try:
            await self._store.delete(client_id)
        finally:
            self._end(client_id)

    def _begin(self, client_id: str) -> None:
        self._epoch += 1
        self._cached.pop(client_id, None)
        writing = self._writing.get(client_id, 0)
        if writing:
            self._overlapped.add(client_id)  # which one lands last is the store's business
        self._writing[client_id] = writing + 1

    def _end(self, client_id: str) -> bool:
        """True when this write overlapped no other write of the session (and none is left)."""
        self._epoch += 1
        self._cached.pop(client_id, None)  # a read may have stored it while this write ran
        writing = self._writing[client_id] - 1
        if writing:
            self._writing[client_id] = writing
            return False
        del self._writing[client_id]
        if client_id in self._overlapped:
            self._overlapped.discard(client_id)
            return False
        return True

    def _remember(self, client_id: str, filters: Sequence[str]) -> None:
        if client_id not in self._cached and len(self._cached) >= self._limit:
            self._cached.popitem(last=False)  # O(1), unlike next(iter(dict)) after deletions
        self._cached[client_id] = tuple(filters)
