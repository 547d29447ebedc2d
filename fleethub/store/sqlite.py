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
from fleethub.store.sqlite_batches import JOURNAL_SIZE_LIMIT


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
        # WAL lets readers run beside the writer; NORMAL sync is durable across process
        # crashes (an OS crash may lose the last commits, as documented in storage.md).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Checkpoints run on a connection of their own (store/sqlite_batches.py), not inside
        # whichever commit crossed SQLite's threshold, under the writer lock.
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
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
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        cursor.close()

    return reader


insert = sqlite_insert
