"""The Alembic history builds exactly the tables schema.py declares, on SQLite and PostgreSQL
(Alembic's autogenerate comparison of a freshly migrated database against the metadata)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fleethub.store import Store
from fleethub.store.schema import metadata


async def differences(store: Store, target: sa.MetaData) -> list[Any]:
    def compare(connection: sa.Connection) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(connection), target))

    async with store.db.read() as conn:
        return await conn.run_sync(compare)


async def test_migrations_build_the_declared_schema(store: Store) -> None:
    assert await differences(store, metadata) == []


async def test_the_comparison_notices_a_drift(store: Store) -> None:
    """Guards the test above against passing vacuously."""
    drifted = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(drifted)
    sa.Table("messages", drifted, sa.Column("extra", sa.Integer), extend_existing=True)

    diffs = await differences(store, drifted)
    assert [d[0] for d in diffs] == ["add_column"]
