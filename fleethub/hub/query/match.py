"""Evaluate IoT Hub query ASTs in memory against twins rendered as JSON documents.

Semantics follow the IoT Hub query language (a Cosmos DB SQL dialect): a missing field is
*undefined*, comparing values of different JSON types (or objects/arrays) is undefined, and
AND/OR/NOT use three-valued logic in which undefined behaves like SQL NULL. A document matches
only when the condition is exactly true. store/query_sql.py compiles the same rules to SQL.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from fleethub.hub.query.ast import (
    TIME_FIELDS,
    And,
    Compare,
    CompareOp,
    Count,
    Expr,
    FieldPath,
    FunctionCall,
    In,
    Literal,
    Not,
    Operand,
    Projection,
    Query,
    Star,
)


class _Undefined:
    """The value of a field that is not there (distinct from JSON null)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Final = _Undefined()
#: What a twin shows for a time that never happened (no activity yet, status never changed).
NEVER: Final = "0001-01-01T00:00:00Z"
PRIMITIVE_KINDS: Final = frozenset({"null", "bool", "number", "string"})

_OPS: Final[dict[CompareOp, Callable[[Any, Any], bool]]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
#: The type-testing functions and the JSON kinds each one is true for.
TYPE_TESTS: Final[dict[str, frozenset[str]]] = {
    "IS_NULL": frozenset({"null"}),
    "IS_STRING": frozenset({"string"}),
    "IS_NUMBER": frozenset({"number"}),
    "IS_BOOL": frozenset({"bool"}),
    "IS_OBJECT": frozenset({"object"}),
    "IS_ARRAY": frozenset({"array"}),
    "IS_PRIMITIVE": PRIMITIVE_KINDS,
}
_STRING_TESTS: Final[dict[str, Callable[[str, str], bool]]] = {
    "STARTSWITH": str.startswith,
    "ENDSWITH": str.endswith,
    "CONTAINS": operator.contains,
}


def format_time(instant: datetime | None) -> str:
    """Twin time text, as the twin API renders it: `2021-05-07T00:50:38.054309Z`, or NEVER.

    A naive datetime is taken to be UTC already (SQLite hands stored times back naive).
    """
    if instant is None:
        return NEVER
    utc = instant if instant.tzinfo is None else instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime | None:
    """ISO-8601 text → aware UTC datetime; None when the text is not a date or time."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def kind(value: Any) -> str:
    """The JSON type of a value: null, bool, number, string, object, array or undefined."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str | datetime):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return "undefined"


def resolve(path: FieldPath, doc: Mapping[str, Any]) -> Any:
    """`tags.a.b` in {"tags": {"a": {"b": 1}}} → 1; UNDEFINED when any step is missing."""
    value: Any = doc
    for part in path.parts:
        if not isinstance(value, Mapping) or part not in value:
            return UNDEFINED
        value = value[part]
    return value


def compare(op: CompareOp, left: Any, right: Any) -> bool | None:
    """None (undefined) unless both sides are primitives of the same JSON type."""
    left_kind = kind(left)
    if left_kind != kind(right) or left_kind not in PRIMITIVE_KINDS:
        return None
    if left_kind == "null":
        return op in ("=", "<=", ">=")
    return _OPS[op](left, right)


def evaluate(expr: Expr, doc: Mapping[str, Any]) -> bool | None:
    """True, False, or None for undefined (three-valued logic, as SQL NULL)."""
    if isinstance(expr, Compare):
        return _compare(expr, doc)
    if isinstance(expr, In):
        return _in(expr, doc)
    if isinstance(expr, FunctionCall):
        return _call(expr, doc)
    if isinstance(expr, Not):
        result = evaluate(expr.operand, doc)
        return None if result is None else not result
    results = [evaluate(operand, doc) for operand in expr.operands]
    if isinstance(expr, And):
        return False if False in results else None if None in results else True
    return True if True in results else None if None in results else False


def matches(expr: Expr | None, doc: Mapping[str, Any]) -> bool:
    """Whether a twin document satisfies a WHERE condition (no condition matches all)."""
    return expr is None or evaluate(expr, doc) is True


def project(query: Query, doc: Mapping[str, Any]) -> dict[str, Any]:
    """One result row for one document; undefined fields are left out, as Azure does."""
    if isinstance(query.select, Star):
        return dict(doc)
    if query.is_aggregate:
        raise ValueError("aggregate queries produce rows per group; use aggregate()")
    row: dict[str, Any] = {}
    for item in query.select:
        value = resolve(item.field, doc) if isinstance(item, Projection) else UNDEFINED
        if value is not UNDEFINED:
            row[item.name] = value
    return row


def aggregate(query: Query, docs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """GROUP BY / COUNT() over documents that already matched, groups in first-seen order."""
    if isinstance(query.select, Star):
        raise ValueError("SELECT * is not an aggregate")
    groups: dict[tuple[Any, ...], tuple[Mapping[str, Any], int]] = {}
    for doc in docs:
        key = tuple(_group_key(resolve(path, doc)) for path in query.group_by)
        first, count = groups.get(key, (doc, 0))
        groups[key] = (first, count + 1)
    if not query.group_by and not groups:
        groups[()] = ({}, 0)  # COUNT() over nothing is one row saying 0
    rows = []
    for first, count in groups.values():
        row: dict[str, Any] = {}
        for item in query.select:
            value = count if isinstance(item, Count) else resolve(item.field, first)
            if value is not UNDEFINED:
                row[item.name] = value
        rows.append(row)
    return rows


def run(query: Query, docs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The whole query over documents of its collection: filter, then project or aggregate."""
    matched = [doc for doc in docs if matches(query.where, doc)]
    rows = aggregate(query, matched) if query.is_aggregate else [project(query, d) for d in matched]
    return rows if query.top is None else rows[: query.top]


def _group_key(value: Any) -> tuple[Any, ...]:
    # 1 and 1.0 fall in one group (as in SQL); true and 1 do not, hence the kind.
    value_kind = kind(value)
    if value_kind in ("object", "array"):
        return (value_kind, json.dumps(value, sort_keys=True, default=str))
    return (value_kind, None if value is UNDEFINED else value)


def _operand(operand: Operand, doc: Mapping[str, Any]) -> Any:
    return operand.value if isinstance(operand, Literal) else resolve(operand, doc)


def _compare(expr: Compare, doc: Mapping[str, Any]) -> bool | None:
    left, right = _operand(expr.left, doc), _operand(expr.right, doc)
    if _is_time(expr.left) or _is_time(expr.right):
        left, right = _as_time(left), _as_time(right)
        if left is None or right is None:
            return None
        return _OPS[expr.op](left, right)
    return compare(expr.op, left, right)


def _in(expr: In, doc: Mapping[str, Any]) -> bool | None:
    value = resolve(expr.field, doc)
    if kind(value) not in PRIMITIVE_KINDS:
        return None
    if _is_time(expr.field):
        instant = _as_time(value)
        found = instant is not None and any(instant == _as_time(v.value) for v in expr.values)
    else:
        found = any(compare("=", value, v.value) is True for v in expr.values)
    return found != expr.negated


def _call(expr: FunctionCall, doc: Mapping[str, Any]) -> bool | None:
    value = _operand(expr.args[0], doc)
    if expr.name == "IS_DEFINED":
        return value is not UNDEFINED
    if expr.name in TYPE_TESTS:
        return kind(value) in TYPE_TESTS[expr.name]
    if kind(value) != "string":
        return None  # string functions are undefined on anything but strings
    text = format_time(value) if isinstance(value, datetime) else value
    return _STRING_TESTS[expr.name](text, _operand(expr.args[1], doc))


def _is_time(operand: Operand) -> bool:
    return isinstance(operand, FieldPath) and operand.parts in TIME_FIELDS


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return parse_time(value) if isinstance(value, str) else None
