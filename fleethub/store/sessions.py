"""SessionStore on SQL: the subscriptions of each MQTT persistent session."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from fleethub.store import postgres, sqlite
from fleethub.store.database import Database
from fleethub.store.schema import mqtt_sessions as t

_LOAD = sa.select(t.c.subscriptions).where(t.c.client_id == sa.bindparam("c"))
_DELETE = sa.delete(t).where(t.c.client_id == sa.bindparam("c"))


def _upsert(insert: Callable[..., Any]) -> sa.Executable:
    """Built once with bound parameters: a statement built per call with its values inlined
    is compiled (cache key and all) on every connect of a persistent session."""
    statement = insert(t).values(
        client_id=sa.bindparam("c"),
        subscriptions=sa.bindparam("s", type_=t.c.subscriptions.type),
    )
    upsert: sa.Executable = statement.on_conflict_do_update(
        index_elements=[t.c.client_id], set_={"subscriptions": statement.excluded.subscriptions}
    )
    return upsert


_SAVE = {"postgresql": _upsert(postgres.insert), "sqlite": _upsert(sqlite.insert)}


class SqlSessions:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._save = _SAVE["postgresql" if db.dialect == "postgresql" else "sqlite"]

    async def load(self, client_id: str) -> list[str] | None:
        row = await self._db.lookup(_LOAD, {"c": client_id})
        return None if row is None else list(row[0])

    async def save(self, client_id: str, filters: Sequence[str]) -> None:
        await self._db.change(self._save, {"c": client_id, "s": list(filters)})

    async def delete(self, client_id: str) -> None:
        await self._db.change(_DELETE, {"c": client_id})
