"""PostgreSQL point reads share a few held pool connections, and one that breaks is replaced."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from fleethub.hub.errors import ServiceUnavailable
from fleethub.hub.registry.device import Identity
from fleethub.store import Store, open_store
from fleethub.store.database import Database
from tests.conftest import POSTGRES_URL, drop_schema

pytestmark = pytest.mark.postgres


@pytest.fixture
async def postgres() -> AsyncIterator[Store]:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    store = await open_store(POSTGRES_URL, schema=schema)
    await store.identities.create(Identity("d1", None, "1", datetime.now(UTC)))
    yield store
    await store.close()
    await drop_schema(schema)


async def backend_pid(db: Database) -> int:
    record = await db.lookup_driver("SELECT pg_backend_pid() AS pid")
    assert record is not None
    return int(record["pid"])


async def test_lookups_read_through_held_connections(postgres: Store) -> None:
    found = await postgres.identities.get("d1", None)
    assert found is not None
    assert found.device_id == "d1"
    assert await postgres.identities.get("nobody", None) is None
    # One at a time, every lookup takes the same held connection.
    assert len({await backend_pid(postgres.db) for _ in range(5)}) == 1


async def test_concurrent_lookups_use_at_most_four_connections(postgres: Store) -> None:
    sql = "SELECT pg_backend_pid() AS pid, pg_sleep(0.05) AS slept"
    records: list[Any] = await asyncio.gather(*(postgres.db.lookup_driver(sql) for _ in range(12)))
    assert len({r["pid"] for r in records}) == 4


async def test_a_killed_connection_is_unavailable_once_then_replaced(postgres: Store) -> None:
    pid = await backend_pid(postgres.db)
    async with postgres.db.engine.connect() as other:
        await other.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})

    with pytest.raises(ServiceUnavailable):
        await postgres.identities.get("d1", None)
    assert await backend_pid(postgres.db) != pid
    assert await postgres.identities.get("d1", None) is not None


async def test_a_cancelled_lookup_leaves_the_next_one_working(postgres: Store) -> None:
    slow = asyncio.create_task(postgres.db.lookup_driver("SELECT pg_sleep(5)"))
    await asyncio.sleep(0.2)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    found = await asyncio.wait_for(postgres.identities.get("d1", None), 5)
    assert found is not None
