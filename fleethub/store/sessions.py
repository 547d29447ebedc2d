"""SessionStore on SQL: the subscriptions of each MQTT persistent session.

A device's first connect creates its (empty) session. That write is not awaited: new
sessions are stored together, one statement per `CREATE_DELAY`, so a connect storm of new
devices costs one commit per batch instead of one per device (docs/performance.md). Nothing
is claimed early: CONNACK says "no session present" on the first connect either way, and a
session lost with an unflushed batch is simply created again on the next connect.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from fleethub.store import postgres, sqlite
from fleethub.store.database import Database
from fleethub.store.schema import mqtt_sessions as t

log = logging.getLogger(__name__)

#: How long new sessions gather before they are written together (seconds).
CREATE_DELAY = 0.05

_LOAD = sa.select(t.c.subscriptions).where(t.c.client_id == sa.bindparam("c"))
_DELETE = sa.delete(t).where(t.c.client_id == sa.bindparam("c"))


def _values(insert: Callable[..., Any]) -> Any:
    return insert(t).values(
        client_id=sa.bindparam("c"),
        subscriptions=sa.bindparam("s", type_=t.c.subscriptions.type),
    )


def _upsert(insert: Callable[..., Any]) -> sa.Executable:
    """Built once with bound parameters: a statement built per call with its values inlined
    is compiled (cache key and all) on every connect of a persistent session."""
    statement = _values(insert)
    upsert: sa.Executable = statement.on_conflict_do_update(
        index_elements=[t.c.client_id], set_={"subscriptions": statement.excluded.subscriptions}
    )
    return upsert


def _create(insert: Callable[..., Any]) -> sa.Executable:
    """Insert unless present: a batch written late never overwrites a session saved since."""
    statement: sa.Executable = _values(insert).on_conflict_do_nothing(
        index_elements=[t.c.client_id]
    )
    return statement


_SAVE = {"postgresql": _upsert(postgres.insert), "sqlite": _upsert(sqlite.insert)}
_CREATE = {"postgresql": _create(postgres.insert), "sqlite": _create(sqlite.insert)}


class SqlSessions:
    def __init__(self, db: Database, create_delay: float = CREATE_DELAY) -> None:
        self._db = db
        dialect = "postgresql" if db.dialect == "postgresql" else "sqlite"
        self._save = _SAVE[dialect]
        self._create = _CREATE[dialect]
        self._delay = create_delay
        self._creating: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._flushes: set[asyncio.Task[None]] = set()

    async def load(self, client_id: str) -> list[str] | None:
        row = await self._db.lookup(_LOAD, {"c": client_id})
        return None if row is None else list(row["subscriptions"])

    async def create(self, client_id: str) -> None:
        self._creating.add(client_id)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._delay, self._flush_soon)

    async def save(self, client_id: str, filters: Sequence[str]) -> None:
        await self._db.change(self._save, {"c": client_id, "s": list(filters)})

    async def delete(self, client_id: str) -> None:
        self._creating.discard(client_id)  # a clean session now: the empty one is not wanted
        await self._db.change(_DELETE, {"c": client_id})

    async def flush(self) -> None:
        """Write the sessions created so far (a failure is logged: they are created again on
        the devices' next connects)."""
        batch = [{"c": client_id, "s": []} for client_id in self._creating]
        self._creating.clear()
        if not batch:
            return
        try:
            await self._db.change_many(self._create, batch)
        except Exception:
            log.warning("could not store %d new MQTT sessions", len(batch), exc_info=True)

    async def close(self) -> None:
        """Write what is waiting (shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flushes:
            await asyncio.gather(*self._flushes)
        await self.flush()

    def _flush_soon(self) -> None:
        self._timer = None
        task = asyncio.get_running_loop().create_task(self.flush())
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)
