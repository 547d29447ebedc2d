"""SELECT lists: projections, whole system objects and GROUP BY keys, each with its decoder."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from fleethub.hub.query import (
    NEVER,
    UNDEFINED,
    Count,
    FieldPath,
    Projection,
    Query,
    UnsupportedQuery,
    format_time,
)
from fleethub.store.query_sql.dialects import Ops
from fleethub.store.query_sql.fields import (
    OBJECT,
    SECTIONS,
    Column,
    Const,
    Decode,
    Json,
    Value,
    field_at,
)
from fleethub.store.schema import identities as t


@dataclass(frozen=True, slots=True)
class Output:
    """One key of a result row: the selected labels it is made of, and how to decode them."""

    name: str
    labels: tuple[str, ...]
    decode: Decode


class Selection:
    """Collects labelled result columns (c0, c1, …: user aliases never reach the SQL text)."""

    def __init__(self, ops: Ops) -> None:
        self.ops = ops
        self.columns: list[sa.Label[Any]] = []

    def label(self, expr: sa.ColumnElement[Any]) -> str:
        name = f"c{len(self.columns)}"
        self.columns.append(expr.label(name))
        return name

    def projection(self, item: Projection) -> Output:
        parts = item.field.parts
        if parts == ("etag",):  # base64 of the 8-byte big-endian twin version
            label = self.label(t.c.twin_version)
            return Output(item.name, (label,), lambda r: _twin_etag(r[0]))
        if parts in (("properties",), ("capabilities",), ("x509Thumbprint",)) or parts in (
            ("properties", "desired"),
            ("properties", "reported"),
        ):
            return self.whole_object(item.name, parts)
        return Output(item.name, *self.simple(field_at(item.field)))

    def simple(self, v: Value) -> tuple[tuple[str, ...], Decode]:
        if isinstance(v, Const):
            if v.value is OBJECT:
                raise UnsupportedQuery("a whole system object cannot be grouped on")
            return (), lambda _: UNDEFINED
        if isinstance(v, Json):
            exprs, decode = self.ops.keys(v)
            return tuple(self.label(e) for e in exprs), decode
        return (self.label(v.expr),), _column_decoder(v)

    def whole_object(self, name: str, parts: tuple[str, ...]) -> Output:
        if parts[0] == "properties":
            sections = parts[1:] or ("desired", "reported")
            labels = tuple(self.label(c) for s in sections for c in SECTIONS[s])

            def decode(r: Sequence[Any]) -> Any:
                docs = {s: _with_meta(*r[3 * i : 3 * i + 3]) for i, s in enumerate(sections)}
                return docs[parts[1]] if len(parts) > 1 else docs

            return Output(name, labels, decode)
        children = ("iotEdge",) if parts[0] == "capabilities" else _THUMBPRINTS
        pieces = [(c, *self.simple(field_at(FieldPath((parts[0], c))))) for c in children]

        def decode_children(r: Sequence[Any]) -> Any:
            return {c: d([r[i]]) for i, (c, _, d) in enumerate(pieces)}

        return Output(name, tuple(ls[0] for _, ls, _ in pieces), decode_children)

    def groups(self, query: Query) -> tuple[tuple[Output, ...], list[sa.ColumnElement[Any]]]:
        keys = {path: self.simple(field_at(path)) for path in query.group_by}
        outputs = []
        for item in query.select if isinstance(query.select, tuple) else ():
            if isinstance(item, Count):
                outputs.append(Output(item.name, (self.label(sa.func.count()),), lambda r: r[0]))
            elif isinstance(item, Projection):
                outputs.append(Output(item.name, *keys[item.field]))
        labels = [label for ls, _ in keys.values() for label in ls]
        return tuple(outputs), [sa.literal_column(label) for label in labels]


_THUMBPRINTS = ("primaryThumbprint", "secondaryThumbprint")


def _column_decoder(v: Column) -> Decode:
    if v.kind == "time":  # NULL was coalesced to year 1, which the twin shows as NEVER
        return lambda r: NEVER if r[0] is None or r[0].year == 1 else format_time(r[0])
    if v.kind == "bool":
        return lambda r: bool(r[0])
    if v.null == "undefined":
        return lambda r: UNDEFINED if r[0] is None else r[0]
    return lambda r: r[0]


def _with_meta(doc: dict[str, Any], metadata: dict[str, Any], version: int) -> dict[str, Any]:
    return {**doc, "$metadata": metadata, "$version": version}


def _twin_etag(version: int) -> str:
    return base64.b64encode(version.to_bytes(8, "big")).decode()
