"""IoT Hub query AST → SQLAlchemy Core over `identities`, on SQLite and PostgreSQL.

Same meaning as hub/query/match.py over the twin as the API renders it: *undefined* (a missing
field, a comparison across JSON types) is SQL NULL, so SQL's three-valued AND/OR/NOT and "WHERE
keeps TRUE rows" are the query language's own. User values only ever travel as bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from fleethub.hub.query import UNDEFINED, Expr, Projection, Query, Star
from fleethub.store.query_sql.conditions import Compiler
from fleethub.store.query_sql.dialects import ops_for
from fleethub.store.query_sql.selection import Output, Selection
from fleethub.store.schema import identities as t

__all__ = ["CompiledQuery", "Output", "compile_query", "compile_where", "paged", "paged_rows"]


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    """`twins`: whole `identities` rows ordered by (device_id, module_id); page with `paged`.
    `rows`: labelled columns in a fixed order; page with `paged_rows`, decode with `decode_row`.
    `Query.top` is not applied here: the caller caps the total across pages.
    """

    statement: sa.Select[Any]
    kind: Literal["twins", "rows"]
    outputs: tuple[Output, ...] = ()

    def decode_row(self, row: sa.Row[Any]) -> dict[str, Any]:
        """A result row as JSON, e.g. `{"status": "enabled", "n": 3}`; undefined keys left out."""
        mapping = row._mapping
        result: dict[str, Any] = {}
        for output in self.outputs:
            value = output.decode([mapping[label] for label in output.labels])
            if value is not UNDEFINED:
                result[output.name] = value
        return result


def compile_where(expr: Expr | None, dialect_name: str) -> sa.ColumnElement[bool]:
    """A filter over `identities` (the caller adds the module_id test for its collection)."""
    cond = True if expr is None else Compiler(ops_for(dialect_name)).condition(expr)
    return cond if isinstance(cond, sa.ColumnElement) else sa.true() if cond else sa.false()


def compile_query(query: Query, dialect_name: str) -> CompiledQuery:
    source = t.c.module_id == "" if query.source == "devices" else t.c.module_id != ""
    where = sa.and_(source, compile_where(query.where, dialect_name))
    if isinstance(query.select, Star):
        statement = sa.select(t).where(where).order_by(t.c.device_id, t.c.module_id)
        return CompiledQuery(statement, "twins")
    selection = Selection(ops_for(dialect_name))
    if not query.is_aggregate:
        outputs = tuple(selection.projection(i) for i in query.select if isinstance(i, Projection))
        statement = sa.select(*selection.columns).where(where)
        return CompiledQuery(statement.order_by(t.c.device_id, t.c.module_id), "rows", outputs)
    outputs, keys = selection.groups(query)
    statement = sa.select(*selection.columns).where(where)
    if keys:  # group and order by the output labels, so each key expression is written once
        statement = statement.group_by(*keys).order_by(*keys)
    return CompiledQuery(statement, "rows", outputs)


def paged(statement: sa.Select[Any], after: tuple[str, str] | None, limit: int) -> sa.Select[Any]:
    """A keyset page of a `twins` statement: rows after (device_id, module_id), on the PK index."""
    if after is not None:
        position = sa.tuple_(sa.literal(after[0], sa.String), sa.literal(after[1], sa.String))
        statement = statement.where(sa.tuple_(t.c.device_id, t.c.module_id) > position)
    return statement.limit(limit)


def paged_rows(statement: sa.Select[Any], offset: int, limit: int) -> sa.Select[Any]:
    """A page of a `rows` statement; groups have no key to seek on, so LIMIT/OFFSET."""
    return statement.offset(offset).limit(limit)
