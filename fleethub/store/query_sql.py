"""IoT Hub query AST → SQLAlchemy Core over `identities`, on SQLite and PostgreSQL.

Same meaning as hub/query/match.py over the twin as the API renders it: *undefined* (a missing
field, a comparison across JSON types) is SQL NULL, so SQL's three-valued AND/OR/NOT and "WHERE
keeps TRUE rows" are the query language's own. User values only ever travel as bound parameters.
"""

from __future__ import annotations

import base64
import json
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeAlias, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from fleethub.hub.query import (
    NEVER,
    TYPE_TESTS,
    UNDEFINED,
    And,
    Compare,
    CompareOp,
    Count,
    Expr,
    FieldPath,
    FunctionCall,
    In,
    Not,
    Projection,
    Query,
    Star,
    UnsupportedQuery,
    compare,
    format_time,
    kind,
    parse_time,
)
from fleethub.hub.query import Literal as Lit
from fleethub.store.schema import identities as t

Cond: TypeAlias = "bool | sa.ColumnElement[bool] | None"  # None: undefined (constant NULL)
Decode: TypeAlias = Callable[[Sequence[Any]], Any]
_OBJECT: Mapping[str, Any] = types.MappingProxyType({})  # stands for "some object"
_PRIMITIVES = ("string", "number", "bool", "null")
_SQL_OPS: dict[CompareOp, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True, slots=True)
class _Const:
    value: Any  # a literal's Scalar, UNDEFINED, or _OBJECT


@dataclass(frozen=True, slots=True)
class _Column:
    """A column of one JSON kind; `null` is what SQL NULL shows as in the rendered twin."""

    expr: sa.ColumnElement[Any]
    kind: Literal["string", "number", "bool", "time"]
    null: Literal["never", "null", "undefined"] = "never"


@dataclass(frozen=True, slots=True)
class _Json:
    column: sa.ColumnElement[Any]
    path: tuple[str, ...]
    guard: sa.ColumnElement[bool] | None = None  # the field exists only where this holds


_Value: TypeAlias = _Const | _Column | _Json


@dataclass(frozen=True, slots=True)
class Output:
    """One key of a result row: the selected labels it is made of, and how to decode them."""

    name: str
    labels: tuple[str, ...]
    decode: Decode


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
    cond = True if expr is None else _Compiler(_ops(dialect_name)).condition(expr)
    return cond if isinstance(cond, sa.ColumnElement) else sa.true() if cond else sa.false()


def compile_query(query: Query, dialect_name: str) -> CompiledQuery:
    source = t.c.module_id == "" if query.source == "devices" else t.c.module_id != ""
    where = sa.and_(source, compile_where(query.where, dialect_name))
    if isinstance(query.select, Star):
        statement = sa.select(t).where(where).order_by(t.c.device_id, t.c.module_id)
        return CompiledQuery(statement, "twins")
    selection = _Selection(_ops(dialect_name))
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


# -- where each twin field lives -------------------------------------------------------------

_NEVER_TIME = sa.literal(parse_time(NEVER), sa.DateTime(timezone=True))
_COLUMNS: dict[tuple[str, ...], _Column] = {
    ("deviceId",): _Column(t.c.device_id, "string"),
    ("moduleId",): _Column(sa.func.nullif(t.c.module_id, ""), "string", "undefined"),
    ("status",): _Column(t.c.status, "string"),
    ("statusReason",): _Column(t.c.status_reason, "string", "null"),
    ("connectionState",): _Column(t.c.connection_state, "string"),
    ("authenticationType",): _Column(t.c.auth_type, "string"),
    ("deviceScope",): _Column(sa.func.nullif(t.c.device_scope, ""), "string", "undefined"),
    ("modelId",): _Column(sa.func.coalesce(t.c.model_id, ""), "string"),
    ("version",): _Column(t.c.twin_version, "number"),
    ("cloudToDeviceMessageCount",): _Column(t.c.c2d_count, "number"),
    ("lastActivityTime",): _Column(sa.func.coalesce(t.c.last_activity_time, _NEVER_TIME), "time"),
    ("statusUpdateTime",): _Column(sa.func.coalesce(t.c.status_updated_time, _NEVER_TIME), "time"),
    ("capabilities", "iotEdge"): _Column(t.c.iot_edge, "bool"),
    ("x509Thumbprint", "primaryThumbprint"): _Column(t.c.primary_thumbprint, "string", "null"),
    ("x509Thumbprint", "secondaryThumbprint"): _Column(t.c.secondary_thumbprint, "string", "null"),
}
_SECTIONS = {
    "desired": (t.c.desired, t.c.desired_metadata, t.c.desired_version),
    "reported": (t.c.reported, t.c.reported_metadata, t.c.reported_version),
}


def _field(path: FieldPath) -> _Value:
    """The twin field at `path`, as api/iothub/wire.twin_json renders it."""
    parts = path.parts
    if parts[0] in ("etag", "deviceEtag"):
        raise UnsupportedQuery(f"{parts[0]} can be selected but not filtered or grouped on")
    if parts[0] == "tags":
        return _Json(t.c.tags, parts[1:])
    if parts[0] == "parentScopes":  # shown only beside a device scope
        return _Json(t.c.parent_scopes, parts[1:], sa.func.coalesce(t.c.device_scope, "") != "")
    if parts[0] == "properties" and len(parts) > 2 and parts[1] in _SECTIONS:
        document, metadata, version = _SECTIONS[parts[1]]
        if parts[2] == "$metadata":
            return _Json(metadata, parts[3:])
        if parts[2] == "$version":
            return _Column(version, "number") if len(parts) == 3 else _Const(UNDEFINED)
        return _Json(document, parts[2:])
    if parts in (("properties",), ("capabilities",), ("x509Thumbprint",)) or parts[:2] in (
        ("properties", "desired"),
        ("properties", "reported"),
    ):
        return _Const(_OBJECT)
    return _COLUMNS.get(parts, _Const(UNDEFINED))  # anything else is not in the twin


# -- dialect spellings ------------------------------------------------------------------------


class _Sqlite:
    """JSON1: json_type names integer/real/true/false/text; paths are `$."key"` strings."""

    TYPES = {"string": ("text",), "number": ("integer", "real"), "bool": ("true", "false")}

    def path(self, v: _Json) -> sa.ColumnElement[str]:
        if any('"' in key for key in v.path):
            raise UnsupportedQuery('SQLite cannot address a JSON key that contains "')
        return sa.literal("$" + "".join(f'."{key}"' for key in v.path), sa.Text)

    def type_of(self, v: _Json) -> sa.ColumnElement[Any]:
        return _guarded(v, sa.func.json_type(v.column, self.path(v)))

    def value(self, v: _Json, kind: str) -> sa.ColumnElement[Any]:
        return sa.func.json_extract(v.column, self.path(v))

    def literal(self, value: Any, kind: str) -> sa.ColumnElement[Any]:
        return sa.literal(value, {"string": sa.Text, "bool": sa.Boolean}.get(kind))

    def compare(self, op: CompareOp, a: Any, b: Any, kind: str) -> sa.ColumnElement[bool]:
        return _SQL_OPS[op](a, b)  # type: ignore[no-any-return]

    def string_test(self, name: str, s: Any, p: str) -> sa.ColumnElement[bool]:
        bound = sa.literal(p, sa.Text)
        if name == "STARTSWITH":
            return sa.func.substr(s, 1, sa.func.length(bound)) == bound
        if name == "ENDSWITH":  # a negative start counts from the end
            return sa.func.substr(s, -sa.func.length(bound)) == bound
        return sa.func.instr(s, bound) > 0

    def keys(self, v: _Json) -> tuple[list[sa.ColumnElement[Any]], Decode]:
        # Normalised so that true and 1 are two groups, while 1 and 1.0 are one.
        normal = {"true": "bool", "false": "bool", "integer": "number", "real": "number"}
        type_of = self.type_of(v)
        json_kind = sa.case(normal, value=type_of, else_=type_of)
        return [json_kind, self.value(v, "")], _decode_sqlite


class _Postgres:
    """jsonb: `->` with text keys (never array indexes), jsonb_typeof, C-collated strings."""

    TYPES = {"string": ("string",), "number": ("number",), "bool": ("boolean",)}

    def jsonb(self, v: _Json) -> sa.ColumnElement[Any]:
        expr: sa.ColumnElement[Any] = v.column
        for key in v.path:
            expr = expr.op("->", return_type=JSONB)(sa.literal(key, sa.Text))
        return expr

    def type_of(self, v: _Json) -> sa.ColumnElement[Any]:
        return _guarded(v, sa.func.jsonb_typeof(self.jsonb(v)))

    def value(self, v: _Json, kind: str) -> sa.ColumnElement[Any]:
        if v.path:
            parent = self.jsonb(_Json(v.column, v.path[:-1]))
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
        return _SQL_OPS[op](a, b)  # type: ignore[no-any-return]

    def string_test(self, name: str, s: Any, p: str) -> sa.ColumnElement[bool]:
        bound = sa.literal(p, sa.Text)
        if name == "STARTSWITH":
            return sa.func.starts_with(s, bound, type_=sa.Boolean)
        if name == "ENDSWITH":
            return sa.func.right(s, sa.func.length(bound)) == bound
        return sa.func.strpos(s, bound) > 0

    def keys(self, v: _Json) -> tuple[list[sa.ColumnElement[Any]], Decode]:
        # jsonb groups 1 with 1.0; jsonb_typeof tells JSON null from a missing field.
        return [sa.type_coerce(self.jsonb(v), JSONB), self.type_of(v)], _decode_postgres


_Ops: TypeAlias = _Sqlite | _Postgres


def _ops(dialect_name: str) -> _Ops:
    if dialect_name == "sqlite":
        return _Sqlite()
    if dialect_name == "postgresql":
        return _Postgres()
    raise ValueError(f"no query compiler for the {dialect_name!r} dialect")


def _guarded(v: _Json, type_of: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return type_of if v.guard is None else sa.case((v.guard, type_of))


def _type_names(ops: _Ops, kinds: Sequence[str]) -> list[str]:
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


# -- conditions -------------------------------------------------------------------------------


class _Compiler:
    def __init__(self, ops: _Ops) -> None:
        self.ops = ops

    def condition(self, expr: Expr) -> Cond:
        if isinstance(expr, Compare):
            return self.compare(expr.op, self.value(expr.left), self.value(expr.right))
        if isinstance(expr, In):
            found = self.member(self.value(expr.field), expr.values)
            return _not(found) if expr.negated else found
        if isinstance(expr, FunctionCall):
            return self.call(expr)
        if isinstance(expr, Not):
            return _not(self.condition(expr.operand))
        operands = [self.condition(operand) for operand in expr.operands]
        return _and(operands) if isinstance(expr, And) else _or(operands)

    def value(self, operand: FieldPath | Lit) -> _Value:
        return _Const(operand.value) if isinstance(operand, Lit) else _field(operand)

    def is_kind(self, v: _Value, kinds: Sequence[str]) -> Cond:
        """Definitely true or false (never NULL): is `v` defined and of one of these kinds?"""
        if isinstance(v, _Const):
            return kind(v.value) in kinds
        if isinstance(v, _Json):
            names = _type_names(self.ops, kinds)
            return sa.func.coalesce(self.ops.type_of(v), "").in_(names)
        tests: list[Cond] = []
        if ("string" if v.kind == "time" else v.kind) in kinds:
            tests.append(True if v.null == "never" else v.expr.is_not(None))
        if "null" in kinds and v.null == "null":
            tests.append(v.expr.is_(None))
        return _or(tests)

    def may_be(self, v: _Value, kinds: Sequence[str]) -> Cond:
        """Like is_kind, but a column may answer NULL: its NULL makes any comparison NULL."""
        if isinstance(v, _Column) and v.kind in kinds:
            return True
        return self.is_kind(v, kinds)

    def sql(self, v: _Value, kind: str) -> Any:
        if isinstance(v, _Const):
            return self.ops.literal(v.value, kind)
        return v.expr if isinstance(v, _Column) else self.ops.value(v, kind)

    def compare(self, op: CompareOp, left: _Value, right: _Value) -> Cond:
        if _is_time(left) or _is_time(right):
            return self.compare_times(op, left, right)
        if isinstance(left, _Const) and isinstance(right, _Const):
            return compare(op, left.value, right.value)
        branches: list[tuple[Cond, Cond]] = []
        for k in _PRIMITIVES:
            both = _and([self.may_be(left, (k,)), self.may_be(right, (k,))])
            if both is False:
                continue
            if k == "null":  # null = null is true, like any value with itself
                branches.append((both, op in ("=", "<=", ">=")))
            else:
                result = self.ops.compare(op, self.sql(left, k), self.sql(right, k), k)
                branches.append((both, result))
        return _case(branches)

    def compare_times(self, op: CompareOp, left: _Value, right: _Value) -> Cond:
        sides = []
        for v in (left, right):
            if _is_time(v):
                sides.append(v.expr)  # type: ignore[union-attr]
            elif isinstance(v, _Const):
                instant = parse_time(v.value) if isinstance(v.value, str) else None
                if instant is None:
                    return None  # a time compared with anything but a time is undefined
                sides.append(sa.literal(instant, sa.DateTime(timezone=True)))
            else:
                raise UnsupportedQuery("times can be compared with times or ISO-8601 strings only")
        return _SQL_OPS[op](*sides)  # type: ignore[no-any-return]

    def member(self, v: _Value, values: Sequence[Lit]) -> Cond:
        """`v IN [...]`: undefined unless `v` is a defined primitive, then any equal value."""
        if isinstance(v, _Const):
            if kind(v.value) not in _PRIMITIVES:
                return None
            return any(compare("=", v.value, x.value) is True for x in values)
        if _is_time(v):
            instants = [parse_time(x.value) for x in values if isinstance(x.value, str)]
            valid = [sa.literal(i, sa.DateTime(timezone=True)) for i in instants if i]
            return v.expr.in_(valid) if valid else False  # type: ignore[union-attr]
        found: list[Cond] = []
        for k in _PRIMITIVES:
            literals = [x.value for x in values if kind(x.value) == k]
            test = self.is_kind(v, (k,)) if literals else False
            if k == "null" or test is False:
                found.append(test)
                continue
            candidates = [self.ops.literal(x, k) for x in literals]
            found.append(_only_if(test, self.sql(v, k).in_(candidates)))
        return _guard(self.is_kind(v, _PRIMITIVES), _or(found))

    def call(self, expr: FunctionCall) -> Cond:
        v = self.value(expr.args[0])
        if expr.name == "IS_DEFINED":
            return _defined(self.ops, v)
        if expr.name in TYPE_TESTS:
            return self.is_kind(v, tuple(TYPE_TESTS[expr.name]))
        needle = str(cast(Lit, expr.args[1]).value)  # the parser admits only a string literal
        if _is_time(v):
            raise UnsupportedQuery(f"{expr.name} does not apply to times in this hub")
        if isinstance(v, _Const):
            return (
                None if not isinstance(v.value, str) else _string_test(expr.name, v.value, needle)
            )
        test = (
            True if needle == "" else self.ops.string_test(expr.name, self.sql(v, "string"), needle)
        )
        return _guard(self.may_be(v, ("string",)), test)


def _string_test(name: str, text: str, needle: str) -> bool:
    if name == "STARTSWITH":
        return text.startswith(needle)
    return text.endswith(needle) if name == "ENDSWITH" else needle in text


def _is_time(v: _Value) -> bool:
    return isinstance(v, _Column) and v.kind == "time"


def _defined(ops: _Ops, v: _Value) -> Cond:
    if isinstance(v, _Const):
        return v.value is not UNDEFINED
    if isinstance(v, _Json):
        return ops.type_of(v).is_not(None)
    return v.expr.is_not(None) if v.null == "undefined" else True


# Kleene logic over constants and SQL: True/False fold away, None (undefined) stays a NULL.


def _sql(cond: Cond) -> sa.ColumnElement[Any]:
    if isinstance(cond, sa.ColumnElement):
        return cond
    return sa.null() if cond is None else sa.true() if cond else sa.false()


def _not(cond: Cond) -> Cond:
    return (
        sa.not_(cond) if isinstance(cond, sa.ColumnElement) else None if cond is None else not cond
    )


def _and(conds: Sequence[Cond]) -> Cond:
    if any(c is False for c in conds):
        return False
    exprs = [c for c in conds if isinstance(c, sa.ColumnElement)]
    undefined = [sa.null()] if any(c is None for c in conds) else []
    if not exprs:
        return None if undefined else True
    return sa.and_(*exprs, *undefined)


def _or(conds: Sequence[Cond]) -> Cond:
    if any(c is True for c in conds):
        return True
    exprs = [c for c in conds if isinstance(c, sa.ColumnElement)]
    undefined = [sa.null()] if any(c is None for c in conds) else []
    if not exprs:
        return None if undefined else False
    return sa.or_(*exprs, *undefined)


def _guard(when: Cond, then: Cond) -> Cond:
    """`then` where `when` holds, undefined elsewhere (CASE WHEN … THEN … END)."""
    return _case([(when, then)])


def _only_if(test: Cond, then: Cond) -> Cond:
    """`then` where `test` holds, else false. A CASE, not AND: SQL does not promise to test
    first, and PostgreSQL must not cast a JSON string to numeric before checking its type."""
    if not isinstance(test, sa.ColumnElement):
        return then if test else False
    return sa.case((test, _sql(then)), else_=sa.false())


def _case(branches: Sequence[tuple[Cond, Cond]]) -> Cond:
    live = [(when, then) for when, then in branches if when is not False and when is not None]
    if not live:
        return None
    if live[0][0] is True:
        return live[0][1]
    return sa.case(*((_sql(when), _sql(then)) for when, then in live))


# -- projections and groups -------------------------------------------------------------------


class _Selection:
    """Collects labelled result columns (c0, c1, …: user aliases never reach the SQL text)."""

    def __init__(self, ops: _Ops) -> None:
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
        return Output(item.name, *self.simple(_field(item.field)))

    def simple(self, v: _Value) -> tuple[tuple[str, ...], Decode]:
        if isinstance(v, _Const):
            if v.value is _OBJECT:
                raise UnsupportedQuery("a whole system object cannot be grouped on")
            return (), lambda _: UNDEFINED
        if isinstance(v, _Json):
            exprs, decode = self.ops.keys(v)
            return tuple(self.label(e) for e in exprs), decode
        return (self.label(v.expr),), _column_decoder(v)

    def whole_object(self, name: str, parts: tuple[str, ...]) -> Output:
        if parts[0] == "properties":
            sections = parts[1:] or ("desired", "reported")
            labels = tuple(self.label(c) for s in sections for c in _SECTIONS[s])

            def decode(r: Sequence[Any]) -> Any:
                docs = {s: _with_meta(*r[3 * i : 3 * i + 3]) for i, s in enumerate(sections)}
                return docs[parts[1]] if len(parts) > 1 else docs

            return Output(name, labels, decode)
        children = ("iotEdge",) if parts[0] == "capabilities" else _THUMBPRINTS
        pieces = [(c, *self.simple(_field(FieldPath((parts[0], c))))) for c in children]

        def decode_children(r: Sequence[Any]) -> Any:
            return {c: d([r[i]]) for i, (c, _, d) in enumerate(pieces)}

        return Output(name, tuple(ls[0] for _, ls, _ in pieces), decode_children)

    def groups(self, query: Query) -> tuple[tuple[Output, ...], list[sa.ColumnElement[Any]]]:
        keys = {path: self.simple(_field(path)) for path in query.group_by}
        outputs = []
        for item in query.select if isinstance(query.select, tuple) else ():
            if isinstance(item, Count):
                outputs.append(Output(item.name, (self.label(sa.func.count()),), lambda r: r[0]))
            elif isinstance(item, Projection):
                outputs.append(Output(item.name, *keys[item.field]))
        labels = [label for ls, _ in keys.values() for label in ls]
        return tuple(outputs), [sa.literal_column(label) for label in labels]


_THUMBPRINTS = ("primaryThumbprint", "secondaryThumbprint")


def _column_decoder(v: _Column) -> Decode:
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
