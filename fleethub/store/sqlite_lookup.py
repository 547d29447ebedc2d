"""Point reads on SQLite straight through the sqlite3 driver, decoded by SQLAlchemy's types.

A primary-key SELECT takes SQLite some tens of microseconds; running it through a SQLAlchemy
`Connection` (pool checkout, execution context, compiled-cache lookup, `Row` building)
took several times that, a quarter of a registry GET's CPU (py-spy, issue #2). Here each
statement is compiled once, runs on the reader's own sqlite3 connection, and each column is
decoded by the result processor SQLAlchemy's type gives it on this dialect (datetimes, JSON,
booleans), so values come back exactly as through SQLAlchemy.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True, slots=True)
class _Compiled:
    statement: sa.Select[Any]  # held so that its id is not reused while cached
    sql: str
    binds: tuple[str, ...]  # parameter names in the order of the SQL's `?`
    columns: tuple[tuple[str, Callable[[Any], Any] | None], ...]


class PointReads:
    """One-row SELECTs by key on the reader engine's single (StaticPool) connection."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._connection: sqlite3.Connection | None = None
        self._compiled: dict[int, _Compiled] = {}

    def one(self, statement: sa.Select[Any], params: Mapping[str, Any]) -> dict[str, Any] | None:
        compiled = self._compiled.get(id(statement)) or self._compile(statement)
        values = [params[name] for name in compiled.binds]
        row = self._driver().execute(compiled.sql, values).fetchone()
        if row is None:
            return None
        return {
            name: value if process is None or value is None else process(value)
            for (name, process), value in zip(compiled.columns, row, strict=True)
        }

    def _driver(self) -> sqlite3.Connection:
        if self._connection is None:
            proxy = self._engine.raw_connection()  # StaticPool: the one connection, kept
            self._connection = proxy.driver_connection
        assert self._connection is not None
        return self._connection

    def _compile(self, statement: sa.Select[Any]) -> _Compiled:
        dialect = self._engine.dialect
        compiled = statement.compile(dialect=dialect)
        columns = tuple(
            (column.name, column.type.dialect_impl(dialect).result_processor(dialect, None))
            for column in statement.selected_columns
            if isinstance(column, sa.Column)
        )
        if len(columns) != len(statement.selected_columns):
            raise TypeError("PointReads selects table columns only")
        entry = _Compiled(statement, compiled.string, tuple(compiled.positiontup or ()), columns)
        self._compiled[id(statement)] = entry
        return entry
