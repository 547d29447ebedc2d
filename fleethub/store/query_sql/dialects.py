"""Dialect spellings: JSON paths, type tests, literals and string tests on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from fleethub.hub.query import (
    UNDEFINED,
    CompareOp,
    UnsupportedQuery,
)
from fleethub.store.query_sql.fields import SQL_OPS, Decode, Json


class Sqlite:
    """JSON1: json_type names integer/real/true/false/text; paths are `$."key"` strings."""

    TYPES = {"string": ("text",), "number": ("integer", "real"), "bool": ("true", "false")}

    def path(self, v: Json) -> sa.ColumnElement[str]:
        if any('"' in key for key in v.path):
            raise UnsupportedQuery('SQLite cannot address a JSON key that contains "')
        return sa.literal("$" + "".join(f'."{key}"' for key in v.path), sa.Text)

    def type_of(self, v: Json) -> sa.ColumnElement[Any]:
        return _guarded(v, sa.func.json_type(v.column, self.path(v)))

    def value(self, v: Json, kind: str) -> sa.ColumnElement[Any]:
        return sa.func.json_extract(v.column, self.path(v))

    def literal(self, value: Any, kind: str) -> sa.ColumnElement[Any]:
        return sa.literal(value, {"string": sa.Text, "bool": sa.Boolean}.get(kind))

    def compare(self, op: CompareOp, a: Any, b: Any, kind: str) -> sa.ColumnElement[bool]:
        return SQL_OPS[op](a, b)  # type: ignore[no-any-return]

    def string_test(self, name: str, s: Any, p: str) -> sa.ColumnElement[bool]:
        bound = sa.literal(p, sa.Text)
        if name == "STARTSWITH":
            return sa.func.substr(s, 1, sa.func.length(bound)) == bound
        if name == "ENDSWITH":  # a negative start counts from the end
            return sa.func.substr(s, -sa.func.length(bound)) == bound
        return sa.func.instr(s, bound) > 0

    def keys(self, v: Json) -> tuple[list[sa.ColumnElement[Any]], Decode]:
        # Normalised so that true and 1 are two groups, while 1 and 1.0 are one.
        normal = {"true": "bool", "false": "bool", "integer": "number", "real": "number"}
        type_of = self.type_of(v)
        json_kind = sa.case(normal, value=type_of, else_=type_of)
        return [json_kind, self.value(v, "")], _decode_sqlite


class Postgres:
    """jsonb: `->` with text keys (never array indexes), jsonb_typeof, C-collated strings."""

    TYPES = {"string": ("string",), "number": ("number",), "bool": ("boolean",)}

    def jsonb(self, v: Json) -> sa.ColumnElement[Any]:
        expr: sa.ColumnElement[Any] = v.column
        for key in v.path:
            expr = expr.op("->", return_type=JSONB)(sa.literal(key, sa.Text))
        return expr

    def type_of(self, v: Json) -> sa.ColumnElement[Any]:
        return _guarded(v, sa.func.jsonb_typeof(self.jsonb(v)))

    def value(self, v: Json, kind: str) -> sa.ColumnElement[Any]:
        if v.path:
            parent = self.jsonb(Json(v.column, v.path[:-1]))
            text = parent.op("->>", return_type=sa.Text)(sa.literal(v.path[-1], sa.Text))
        else:
            text = v.column.op("#>>", return_type=sa.Text)(sa.literal_column("'{}'"))
        if kind in ("number", "bool"):  # evaluated only under a jsonb_typeof test, so valid
            return sa.cast(text, sa.Numeric if kind == "number" else sa.Boolean)
        return text

    def literal(self, value: Any, kind: str) -> sa.ColumnElement[Any]:
        if kind == "number":  # exact: numeric compares 0.1 with 0.1 as Python does
            return sa.literal(Decimal(repr(value)), sa.Numeric)
        return sa.literal(value, sa.Boolean if kind == "bool" else sa.Text)

    def compare(self, op: CompareOp, a: Any, b: Any, kind: str) -> sa.ColumnElement[bool]:
        # Code-point order, as Python and SQLite compare; the database collation may differ.
        if kind == "string" and op not in ("=", "!="):
            a, b = sa.type_coerce(a, sa.Text).collate("C"), sa.type_coerce(b, sa.Text)
        return SQL_OPS[op](a, b)  # type: ignore[no-any-return]

    def string_test(self, name: str, s: Any, p: str) -> sa.ColumnElement[bool]:
        bound = sa.literal(p, sa.Text)
        if name == "STARTSWITH":
            return sa.func.starts_with(s, bound, type_=sa.Boolean)
        if name == "ENDSWITH":
            return sa.func.right(s, sa.func.length(bound)) == bound
        return sa.func.strpos(s, bound) > 0

    def keys(self, v: Json) -> tuple[list[sa.ColumnElement[Any]], Decode]:
        # jsonb groups 1 with 1.0; jsonb_typeof tells JSON null from a missing field.
        return [sa.type_coerce(self.jsonb(v), JSONB), self.type_of(v)], _decode_postgres


Ops: TypeAlias = Sqlite | Postgres


def ops_for(dialect_name: str) -> Ops:
    if dialect_name == "sqlite":
        return Sqlite()
    if dialect_name == "postgresql":
        return Postgres()
    raise ValueError(f"no query compiler for the {dialect_name!r} dialect")


def _guarded(v: Json, type_of: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return type_of if v.guard is None else sa.case((v.guard, type_of))


def type_names(ops: Ops, kinds: Sequence[str]) -> list[str]:
    return [name for k in kinds for name in ops.TYPES.get(k, (k,))]


def _decode_sqlite(values: Sequence[Any]) -> Any:
    json_kind, value = values
    if json_kind is None:
        return UNDEFINED
    if json_kind in ("object", "array"):
        return json.loads(value)
    return bool(value) if json_kind == "bool" else None if json_kind == "null" else value


def _decode_postgres(values: Sequence[Any]) -> Any:
    return UNDEFINED if values[1] is None else values[0]
