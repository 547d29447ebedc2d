"""TelemetryLog on SQL: the `messages` table, appended through one group-commit writer.

Sequence numbers come from the database (the autoincrement key) and are set on each record
once its batch has committed; docs/design/storage.md explains the durability promise.
"""

from __future__ import annotations

import itertools
import operator
import sqlite3
from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from fleethub.hub.messaging.message import D2CRecord, IngestFigures, Message
from fleethub.store.batching import GroupCommitWriter, unavailable_on_error
from fleethub.store.database import Database
from fleethub.store.schema import messages as t

#: Message fields kept in the `system` JSON column when set; the rest are columns of their own.
SYSTEM_FIELDS = (
    "message_id",
    "correlation_id",
    "user_id",
    "content_type",
    "content_encoding",
    "expiry_time_utc",
    "output_name",
    "interface_id",
    "component",
)
_system_values = operator.attrgetter(*SYSTEM_FIELDS)

#: Retention deletes this many rows per transaction, so appends interleave with a long prune.
PRUNE_CHUNK = 5000

#: The columns an append writes, in the order of the tuples `_row` builds.
_COLUMNS = (
    "device_id",
    "module_id",
    "enqueued_time",
    "body",
    "properties",
    "system",
    "auth_method",
    "source",
    "validation",
    "message_id",
)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _row(record: D2CRecord) -> tuple[Any, ...]:
    """The parameters of one row, JSON already encoded: built by the caller's task, so a record
    that cannot be encoded fails its own append and never its batch."""
    m = record.message
    system = {k: v for k, v in zip(SYSTEM_FIELDS, _system_values(m), strict=True) if v is not None}
    return (
        record.device_id,
        record.module_id or "",
        record.enqueued_time,
        m.body,
        _json(m.properties),
        _json(system),
        record.auth_method,
        record.source,
        record.validation,
        m.message_id,
    )


def _record(row: sa.Row[Any]) -> D2CRecord:
    m = row._mapping
    return D2CRecord(
        device_id=m["device_id"],
        module_id=m["module_id"] or None,
        enqueued_time=m["enqueued_time"],
        message=Message(body=bytes(m["body"]), properties=m["properties"], **m["system"]),
        auth_method=m["auth_method"],
        source=m["source"],
        validation=m["validation"],
        sequence_number=m["sequence_number"],
    )


# Appends bypass SQLAlchemy's per-row parameter processing, which cost more CPU than the
# database itself (docs/design/storage.md, "Throughput"). Both spellings insert the rows in
# parameter order and the key only grows (AUTOINCREMENT, a sequence), so the returned keys
# sorted ascending are the rows' keys in parameter order. (SQLAlchemy's own way to correlate,
# `returning(sort_by_parameter_order=True)`, falls back to one INSERT per row on SQLite.)
# The statements are built from the schema's names only; every value is a bound parameter.

_NAMES = ",".join(_COLUMNS)

#: SQLite: multi-row VALUES; 1,000 rows of 10 parameters stay far below its 32,766 limit.
_SQLITE_ROWS = 1000
_SQLITE_ROW = "(" + ",".join("?" * len(_COLUMNS)) + ")"


def _sqlite_insert(rows: int) -> str:
    values = ",".join([_SQLITE_ROW] * rows)
    return f"INSERT INTO {t.name} ({_NAMES}) VALUES {values} RETURNING sequence_number"  # noqa: S608 - names and placeholders only


#: PostgreSQL: one array per column, whatever the batch size (asyncpg encodes them in C).
_PG_ARRAYS = (
    "varchar", "varchar", "float8", "bytea", "text", "text", "varchar", "varchar", "text", "text",
)  # fmt: skip
_PG_UNNEST = ", ".join(f"${i}::{kind}[]" for i, kind in enumerate(_PG_ARRAYS, 1))
_PG_VALUES = ",".join(f"{c}::json" if c in ("properties", "system") else c for c in _COLUMNS)
_PG_SELECT = f"SELECT {_PG_VALUES} FROM unnest({_PG_UNNEST}) WITH ORDINALITY AS r({_NAMES}, n)"  # noqa: S608 - names and placeholders only
_PG_INSERT = f"INSERT INTO {t.name} ({_NAMES}) {_PG_SELECT} ORDER BY n RETURNING sequence_number"


def _insert_sqlite(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> list[int]:
    """Runs on SQLite's batch thread (`Database.write_batch`), one transaction per batch."""
    numbers: list[int] = []
    for start in range(0, len(rows), _SQLITE_ROWS):
        chunk = rows[start : start + _SQLITE_ROWS]
        flat = tuple(itertools.chain.from_iterable(chunk))
        numbers += [row[0] for row in conn.execute(_sqlite_insert(len(chunk)), flat)]
    return sorted(numbers)


#: Held by each append transaction until it commits, so the nodes of a cluster commit their
#: batches one at a time and sequence numbers become visible in order: a reader that has seen
#: number n never sees a smaller one appear later (the Event Hub tail relies on it, #9).
_PG_APPEND_LOCK = "SELECT pg_advisory_xact_lock(7262433001)"


async def _insert_postgres(conn: AsyncConnection, rows: list[tuple[Any, ...]]) -> list[int]:
    columns = tuple(list(column) for column in zip(*rows, strict=True))
    await conn.exec_driver_sql(_PG_APPEND_LOCK)
    return sorted((await conn.exec_driver_sql(_PG_INSERT, columns)).scalars().all())


class SqlTelemetryLog:
    """Call `start()` before the first append and `close()` to drain the writer."""

    def __init__(
        self,
        db: Database,
        *,
        max_batch: int = 2000,
        max_queued: int = 10_000,
        prune_chunk: int = PRUNE_CHUNK,
    ) -> None:
        self._db = db
        self._prune_chunk = prune_chunk
        on_postgres = db.dialect == "postgresql"
        self.writer: GroupCommitWriter[tuple[Any, ...], int] = GroupCommitWriter(
            db,
            _insert_postgres if on_postgres else None,
            write_sync=None if on_postgres else _insert_sqlite,
            max_batch=max_batch,
            max_queued=max_queued,
            name="telemetry-writer",
        )

    def start(self) -> None:
        self.writer.start()

    async def close(self) -> None:
        await self.writer.close()

    async def contains(self, device_id: str, module_id: str | None, message_id: str) -> bool:
        statement = (
            sa.select(t.c.sequence_number)
            .where(
                t.c.device_id == device_id,
                t.c.message_id == message_id,
                t.c.module_id == (module_id or ""),
            )
            .limit(1)
        )
        with unavailable_on_error():
            async with self._db.read() as conn:
                return (await conn.execute(statement)).first() is not None

    async def append(self, record: D2CRecord) -> None:
        record.sequence_number = await self.writer.append(_row(record))

    @property
    def full(self) -> bool:
        return self.writer.full

    @property
    def figures(self) -> IngestFigures:
        w = self.writer
        return IngestFigures(w.batches, w.items, w.queued + w.blocked)

    def offer(self, record: D2CRecord, settled: Callable[[BaseException | None], None]) -> bool:
        try:
            row = _row(record)
        except Exception:  # not encodable: `append` raises it in the caller's own task
            return False

        def stored(number: int | None, error: BaseException | None) -> None:
            if number is not None:
                record.sequence_number = number
            settled(error)

        return self.writer.offer(row, stored)

    async def read(
        self,
        device_id: str | None,
        since: float | None,
        until: float | None,
        after_sequence: int | None,
        limit: int,
    ) -> list[D2CRecord]:
        """`since` is inclusive and `until` exclusive, both on enqueued time."""
        statement = sa.select(t).order_by(t.c.sequence_number).limit(limit)
        if device_id is not None:
            statement = statement.where(t.c.device_id == device_id)
        if since is not None:
            statement = statement.where(t.c.enqueued_time >= since)
        if until is not None:
            statement = statement.where(t.c.enqueued_time < until)
        if after_sequence is not None:
            statement = statement.where(t.c.sequence_number > after_sequence)
        with unavailable_on_error():
            async with self._db.read() as conn:
                return [_record(row) for row in await conn.execute(statement)]

    async def prune(self, older_than: float, max_rows: int | None = None) -> int:
        # By enqueued time, so the (enqueued_time) index finds the chunk without a scan.
        oldest = (
            sa.select(t.c.sequence_number)
            .where(t.c.enqueued_time < older_than)
            .order_by(t.c.enqueued_time)
            .limit(self._prune_chunk)
        )
        statement = sa.delete(t).where(t.c.sequence_number.in_(oldest))
        total = 0
        with unavailable_on_error():
            while max_rows is None or total < max_rows:
                # One transaction per chunk: waiting group commits take the writer in between.
                async with self._db.write() as conn:
                    deleted = (await conn.execute(statement)).rowcount
                total += deleted
                if deleted < self._prune_chunk:
                    break
        return total
