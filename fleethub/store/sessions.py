"""SessionStore on SQL: the subscriptions of each MQTT persistent session."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from fleethub.store import postgres, sqlite
from fleethub.store.database import Database
from fleethub.store.schema import mqtt_sessions as t

_LOAD = sa.select(t.c.subscriptions).where(t.c.client_id == sa.bindparam("c"))


class SqlSessions:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._insert: Callable[..., Any] = (
            postgres.insert if db.dialect == "postgresql" else sqlite.insert
        )

    async def load(self, client_id: str) -> list[str] | None:
        row = await self._db.lookup(_LOAD, {"c": client_id})
        return None if row is None else list(row[0])

    async def save(self, client_id: str, filters: Sequence[str]) -> None:
        statement = self._insert(t).values(client_id=client_id, subscriptions=list(filters))
        statement = statement.on_conflict_do_update(
            index_elements=[t.c.client_id], set_={"subscriptions": list(filters)}
        )
        await self._db.change(statement)

    async def delete(self, client_id: str) -> None:
        await self._db.change(sa.delete(t).where(t.c.client_id == client_id))
