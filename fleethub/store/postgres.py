"""PostgreSQL engine set-up (asyncpg pool, optional schema per deployment or test run)."""

from __future__ import annotations

import re
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from fleethub.store.database import Database

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def engine_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and pick the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url}")


async def open_postgres(url: str, schema: str | None, pool_size: int = 30) -> Database:
    connect_args: dict[str, Any] = {}
    if schema:
        if not _SCHEMA.match(schema):
            raise ValueError(f"schema name {schema!r} must be a lower-case SQL identifier")
        connect_args["server_settings"] = {"search_path": schema}
    engine: AsyncEngine = create_async_engine(
        engine_url(url),
        json_serializer=_dumps,
        json_deserializer=orjson.loads,
        # A fixed pool that callers queue for: with 10 kept and 10 overflow, 50 busy clients
        # made the pool open and close an overflow connection per request (a third of a GET's
        # CPU went to connects). No store method takes a second connection while it holds
        # one, so waiting for a free one cannot deadlock. At most 20 per node, as before.
        pool_size=20,
        max_overflow=0,
        connect_args=connect_args,
    )
    if schema:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    return Database(engine, single_writer=False)


insert = pg_insert
