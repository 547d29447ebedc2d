"""`Database.lookup` on SQLite reads through the sqlite3 driver (`PointReads`) and decodes
each column as SQLAlchemy would: the same values as a SQLAlchemy read of the same row."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from fleethub.hub.errors import ServiceUnavailable
from fleethub.hub.registry.device import Identity
from fleethub.hub.twins.twin import TwinState
from fleethub.store import Store, open_store
from fleethub.store.schema import identities as t

BY_KEY = sa.select(t).where(t.c.device_id == sa.bindparam("d"), t.c.module_id == sa.bindparam("m"))


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(f"sqlite:///{tmp_path / 'fleethub.db'}")
    yield store
    await store.close()


async def test_a_row_reads_back_as_through_sqlalchemy(sqlite: Store) -> None:
    when = datetime(2026, 11, 23, 12, 30, 1, 250_000, tzinfo=UTC)
    twin = TwinState(tags={"floor": "c", "n": [1, 2]}, desired={"setpoint": 21.5})
    identity = Identity(
        "d1", None, "637", when, status_updated_time=when, iot_edge=True,
        parent_scopes=["scope-a"], twin=twin,
    )  # fmt: skip
    await sqlite.identities.create(identity)

    fast = await sqlite.db.lookup(BY_KEY, {"d": "d1", "m": ""})
    async with sqlite.db.read() as conn:
        row = (await conn.execute(BY_KEY, {"d": "d1", "m": ""})).one()

    assert fast == dict(row._mapping)
    assert fast is not None
    assert fast["iot_edge"] is True
    assert fast["tags"] == {"floor": "c", "n": [1, 2]}
    assert fast["status_updated_time"].replace(tzinfo=UTC) == when
    assert fast["parent_scopes"] == ["scope-a"]
    got = await sqlite.identities.get("d1", None)
    assert got is not None
    assert got.twin.desired == {"setpoint": 21.5}
    assert got.created_time == when


async def test_a_missing_row_is_none(sqlite: Store) -> None:
    assert await sqlite.db.lookup(BY_KEY, {"d": "nobody", "m": ""}) is None


async def test_only_table_columns_are_selected(sqlite: Store) -> None:
    counted = sa.select(sa.func.count()).select_from(t).where(t.c.device_id == sa.bindparam("d"))
    with pytest.raises(TypeError, match="table columns only"):
        await sqlite.db.lookup(counted, {"d": "d1"})


async def test_a_database_error_is_unavailable_as_through_sqlalchemy(sqlite: Store) -> None:
    gone = sa.Table("gone", sa.MetaData(), sa.Column("id", sa.String, primary_key=True))
    with pytest.raises(ServiceUnavailable):
        await sqlite.db.lookup(sa.select(gone).where(gone.c.id == sa.bindparam("i")), {"i": "x"})
