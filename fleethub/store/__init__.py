"""ADAPTER: the only place with SQL. `open_store(url)` picks the engine by URL scheme."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from fleethub.store.database import Database
from fleethub.store.identities import SqlIdentities
from fleethub.store.migrate import migrate
from fleethub.store.postgres import open_postgres
from fleethub.store.sqlite import open_sqlite


@dataclass(slots=True)
class Store:
    db: Database
    identities: SqlIdentities

    async def ping(self) -> None:
        """Raise if the database does not answer (readiness checks)."""
        async with self.db.read() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def close(self) -> None:
        await self.db.close()


async def open_store(url: str, *, schema: str | None = None) -> Store:
    """Open the database at ``url``, migrate it to the current schema, and wrap it."""
    if url.startswith("sqlite"):
        db = open_sqlite(url.replace("sqlite://", "sqlite+aiosqlite://", 1))
    else:
        db = await open_postgres(url, schema)
    await migrate(db)
    return Store(db=db, identities=SqlIdentities(db))
