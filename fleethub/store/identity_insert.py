"""New identities in one multi-row INSERT, without SQLAlchemy's per-row parameter processing.

Bulk provisioning (POST /devices, import jobs) stores hundreds of identities per call, and
SQLAlchemy's bind processors (JSON, DateTime, Boolean for each of ~30 columns of each row) cost
more CPU than the database does. As in store/telemetry.py, rows are turned into plain tuples
here and sent as one statement: multi-row VALUES on SQLite, one array per column on
PostgreSQL. Rows whose key is taken are skipped (ON CONFLICT DO NOTHING); the statement
returns the keys it did insert. The statements name schema columns only: every value is a
bound parameter.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from fleethub.hub.registry.device import Identity
from fleethub.store.schema import identities as t

#: Every column of `identities`, in the order `_values` builds a row's tuple.
COLUMNS = (
    "device_id",
    "module_id",
    "generation_id",
    "etag_seq",
    "status",
    "status_reason",
    "status_updated_time",
    "connection_state",
    "connection_state_updated_time",
    "last_activity_time",
    "c2d_count",
    "auth_type",
    "primary_key",
    "secondary_key",
    "primary_thumbprint",
    "secondary_thumbprint",
    "iot_edge",
    "device_scope",
    "parent_scopes",
    "managed_by",
    "model_id",
    "created_time",
    "tags",
    "desired",
    "reported",
    "desired_metadata",
    "reported_metadata",
    "desired_version",
    "reported_version",
    "twin_version",
)
_TIMES = frozenset(c for c in COLUMNS if isinstance(t.c[c].type, sa.DateTime))
_JSON = frozenset(
    ("parent_scopes", "tags", "desired", "reported", "desired_metadata", "reported_metadata")
)
_NAMES = ",".join(COLUMNS)
_RETURNING = "ON CONFLICT DO NOTHING RETURNING device_id, module_id"


def _json(value: Any) -> str:
    if not value and isinstance(value, dict | list):  # a new identity's empty sections
        return "[]" if isinstance(value, list) else "{}"
    return orjson.dumps(value).decode()


def _values(i: Identity) -> tuple[Any, ...]:
    """One row, JSON encoded; times and booleans are left to the dialect's spelling."""
    a, twin = i.auth, i.twin
    return (
        i.device_id,
        i.module_id or "",
        i.generation_id,
        i.etag_seq,
        i.status,
        i.status_reason,
        i.status_updated_time,
        i.connection_state,
        i.connection_state_updated_time,
        i.last_activity_time,
        i.c2d_count,
        a.type,
        a.primary_key,
        a.secondary_key,
        a.primary_thumbprint,
        a.secondary_thumbprint,
        i.iot_edge,
        i.device_scope,
        _json(i.parent_scopes),
        i.managed_by,
        i.model_id,
        i.created_time,
        _json(twin.tags),
        _json(twin.desired),
        _json(twin.reported),
        _json(twin.desired_metadata),
        _json(twin.reported_metadata),
        twin.desired_version,
        twin.reported_version,
        twin.version,
    )


# -- SQLite: multi-row VALUES ------------------------------------------------------------------

#: 900 rows of 30 parameters stay below SQLite's limit of 32,766 bound parameters.
_SQLITE_ROWS = 900
_SQLITE_ROW = "(" + ",".join("?" * len(COLUMNS)) + ")"
_TIME_AT = tuple(n for n, c in enumerate(COLUMNS) if c in _TIMES)
_BOOL_AT = COLUMNS.index("iot_edge")


@functools.lru_cache(maxsize=64)
def _sqlite_time(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DATETIME text (the UTC wall time, as every stored time is UTC).
    Cached: the identities of one bulk request share their creation time."""
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_row(i: Identity) -> list[Any]:
    row = list(_values(i))
    for n in _TIME_AT:
        if row[n] is not None:
            row[n] = _sqlite_time(row[n])
    row[_BOOL_AT] = int(row[_BOOL_AT])
    return row


def _sqlite_insert(rows: int) -> str:
    values = ",".join([_SQLITE_ROW] * rows)
    return f"INSERT INTO {t.name} ({_NAMES}) VALUES {values} {_RETURNING}"  # noqa: S608 - names and placeholders only


async def _insert_sqlite(conn: AsyncConnection, identities: Sequence[Identity]) -> list[Any]:
    inserted: list[Any] = []
    for start in range(0, len(identities), _SQLITE_ROWS):
        chunk = identities[start : start + _SQLITE_ROWS]
        flat = tuple(itertools.chain.from_iterable(_sqlite_row(i) for i in chunk))
        inserted += (await conn.exec_driver_sql(_sqlite_insert(len(chunk)), flat)).all()
    return inserted


# -- PostgreSQL: one array per column ----------------------------------------------------------


def _pg_array_type(column: str) -> str:
    kind = t.c[column].type
    if column in _JSON:
        return "text"
    if isinstance(kind, sa.DateTime):
        return "timestamptz"
    if isinstance(kind, sa.Boolean):
        return "bool"
    if isinstance(kind, sa.BigInteger):
        return "int8"
    if isinstance(kind, sa.Integer):
        return "int4"
    return "text"


_PG_UNNEST = ", ".join(f"${n}::{_pg_array_type(c)}[]" for n, c in enumerate(COLUMNS, 1))
_PG_VALUES = ",".join(f"{c}::jsonb" if c in _JSON else c for c in COLUMNS)
_PG_INSERT = (
    f"INSERT INTO {t.name} ({_NAMES}) "  # noqa: S608 - names and placeholders only
    f"SELECT {_PG_VALUES} FROM unnest({_PG_UNNEST}) AS r({_NAMES}) {_RETURNING}"
)


async def _insert_postgres(conn: AsyncConnection, identities: Sequence[Identity]) -> list[Any]:
    rows = [_values(i) for i in identities]
    columns = tuple(list(column) for column in zip(*rows, strict=True))
    return list((await conn.exec_driver_sql(_PG_INSERT, columns)).all())


async def insert_new(
    conn: AsyncConnection, dialect: str, identities: Sequence[Identity]
) -> set[tuple[str, str | None]]:
    """Insert the identities whose key is free; the keys inserted (module None for devices)."""
    insert = _insert_postgres if dialect == "postgresql" else _insert_sqlite
    return {(r[0], r[1] or None) for r in await insert(conn, identities)}
