"""SQLite engine set-up: WAL, pragmas, a small read pool; and its spellings."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from fleethub.store.database import Database
from fleethub.store.sqlite_batches import PRAGMAS


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def open_sqlite(url: str) -> Database:
    engine: AsyncEngine = create_async_engine(
        url,
        json_serializer=_dumps,
        json_deserializer=orjson.loads,
        pool_size=4,
        max_overflow=4,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers run beside the writer
        cursor.execute("PRAGMA foreign_keys=ON")
        # Sync, busy wait and checkpoints as on every connection (store/sqlite_batches.py).
        for pragma in PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return Database(
        engine,
        single_writer=True,
        point_reader=_sync_engine(url, read_only=True),
        point_writer=_sync_engine(url, read_only=False),
        batch_path=sa.make_url(url).database or ":memory:",
    )


def _sync_engine(url: str, *, read_only: bool) -> sa.Engine:
    """One synchronous connection for short statements on the loop's thread (Database.lookup,
    Database.change); writes through it still take the single-writer lock."""
    reader = sa.create_engine(
        url.replace("sqlite+aiosqlite://", "sqlite://", 1),
        poolclass=StaticPool,
        connect_args={"check_same_thread": False},
        json_serializer=_dumps,
        json_deserializer=orjson.loads,
    )

    @event.listens_for(reader, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA query_only={int(read_only)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        for pragma in PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return reader


insert = sqlite_insert
