"""ConsumerGroupStore on SQL: the `consumer_groups` table (issue #8)."""

from __future__ import annotations

import sqlalchemy as sa

from fleethub.hub.messaging.consumer_groups import ConsumerGroup
from fleethub.store import postgres, sqlite
from fleethub.store.batching import unavailable_on_error
from fleethub.store.database import Database
from fleethub.store.schema import consumer_groups as t


class SqlConsumerGroups:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, group: ConsumerGroup) -> bool:
        insert = postgres.insert if self._db.dialect == "postgresql" else sqlite.insert
        statement = (
            insert(t)
            .values(key=group.name.lower(), name=group.name, created_time=group.created_time)
            .on_conflict_do_nothing()
            .returning(t.c.key)
        )
        with unavailable_on_error():
            async with self._db.write() as conn:
                return (await conn.execute(statement)).first() is not None

    async def list(self) -> list[ConsumerGroup]:
        with unavailable_on_error():
            async with self._db.read() as conn:
                rows = await conn.execute(sa.select(t).order_by(t.c.key))
                return [ConsumerGroup(row.name, row.created_time) for row in rows]

    async def remove(self, name: str) -> bool:
        statement = sa.delete(t).where(t.c.key == name.lower())
        with unavailable_on_error():
            async with self._db.write() as conn:
                return (await conn.execute(statement)).rowcount > 0
