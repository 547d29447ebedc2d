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


async def open_postgres(url: str, schema: str | None) -> Database:
    connect_args: dict[str, Any] = {}
    if schema:
        if not _SCHEMA.match(schema):
            raise ValueError(f"schema name {schema!r} must be a lower-case SQL identifier")
        connect_args["server_settings"] = {"search_path": schema}
    engine: AsyncEngine = create_async_engine(
        engine_url(url),
        json_serializer=_dumps,
        json_deserializer=orjson.loads,
        # Kept open: each request holds a connection only for its statements, but with 50
        # busy clients a CPU-bound hub has some 30 checked out at once. With 10 kept, every
        # overflow connection was opened and closed again per request (a third of a GET's
        # CPU went to connects). A node uses at most 40 of PostgreSQL's max_connections.
        pool_size=30,
        max_overflow=10,
        connect_args=connect_args,
    )
    if schema:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    return Database(engine, single_writer=False)


insert = pg_insert
