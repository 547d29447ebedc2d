"""Which twins a configuration reaches, in the IoT Hub query language.

`targetCondition` is the WHERE clause of a twin query (`tags.environment='prod'`), `*` targets
every device and an empty condition none; deployments reach IoT Edge devices only. Custom
metric queries are whole queries whose `configurations.[[id]].status` tests are answered from
the hub's per-device configuration states before the query runs.
"""

from __future__ import annotations

from collections.abc import Mapping

from fleethub.hub.configurations.record import DEVICE, Configuration
from fleethub.hub.errors import ArgumentInvalid, QuerySyntaxInvalid, QueryUnsupported
from fleethub.hub.query import (
    And,
    Compare,
    Count,
    Expr,
    FieldPath,
    FunctionCall,
    In,
    Literal,
    Not,
    Or,
    Projection,
    Query,
    QuerySyntaxError,
    UnsupportedQuery,
    parse,
)

_PREFIX = "SELECT * FROM devices WHERE "
ALWAYS: Expr = Compare("=", Literal(1), Literal(1))
NEVER: Expr = Compare("=", Literal(1), Literal(2))
DEVICE_ID = FieldPath(("deviceId",))
IS_EDGE: Expr = Compare("=", FieldPath(("capabilities", "iotEdge")), Literal(True))
#: configuration id → status ("Targeted"/"Applied") → device ids in that state.
States = Mapping[str, Mapping[str, list[str]]]


def condition(text: str) -> Expr:
    """`condition("tags.env = 'prod'")` → Compare("=", FieldPath(("tags", "env")), ...)."""
    text = text.strip()
    if text == "*":
        return ALWAYS
    if not text:
        return NEVER
    where = _parsed(_PREFIX + text, "targetCondition", len(_PREFIX)).where
    assert where is not None  # the text has a WHERE clause
    return where


def target_query(configuration: Configuration, device_id: str | None = None) -> Query:
    """`SELECT deviceId FROM devices WHERE <target>` (for one device when `device_id` is
    given); deployments add `capabilities.iotEdge = true`."""
    parts = [condition(configuration.target_condition)]
    if configuration.content.kind != DEVICE:
        parts.insert(0, IS_EDGE)
    if device_id is not None:
        parts.insert(0, Compare("=", DEVICE_ID, Literal(device_id)))
    where = parts[0] if len(parts) == 1 else And(tuple(parts))
    return Query(select=(Projection(DEVICE_ID),), source="devices", where=where)


def metric_query(name: str, text: str) -> Query:
    """A custom metric's query, parsed; errors name the metric."""
    query = _parsed(text, f"metrics.queries.{name}", 0)
    if query.is_aggregate:
        raise ArgumentInvalid(f"metrics.queries.{name} must select twins, not groups or counts.")
    return query


def _parsed(text: str, what: str, offset: int) -> Query:
    """`text` parsed; errors name `what` and count columns from `offset` on line 1."""
    try:
        return parse(text)
    except QuerySyntaxError as error:
        column = max(1, error.column - offset) if error.line == 1 else error.column
        raise QuerySyntaxInvalid(
            f"{what}: syntax error at line {error.line}, column {column}: {error.message}"
        ) from None
    except UnsupportedQuery as error:
        raise QueryUnsupported(f"{what}: {error}") from None


def referenced(expr: Expr | None) -> set[str]:
    """The configuration ids whose `configurations.[[id]]...` fields `expr` reads."""
    found: set[str] = set()
    for path in _paths(expr):
        if len(path.parts) >= 2 and path.parts[0] == "configurations":
            found.add(path.parts[1])
    return found


def counting(query: Query, states: States) -> Query:
    """The query that counts the metric's rows, with configuration states resolved: a
    `configurations.[[c]].status = 'Applied'` test becomes `deviceId IN [...]`."""
    where = _resolve(query.where, states) if query.where is not None else None
    return Query(select=(Count("n"),), source=query.source, where=where)


def _resolve(expr: Expr, states: States) -> Expr:
    if isinstance(expr, And):
        return And(tuple(_resolve(e, states) for e in expr.operands))
    if isinstance(expr, Or):
        return Or(tuple(_resolve(e, states) for e in expr.operands))
    if isinstance(expr, Not):
        return Not(_resolve(expr.operand, states))
    if isinstance(expr, Compare):
        return _compare(expr, states)
    if isinstance(expr, FunctionCall) and expr.name == "IS_DEFINED" and len(expr.args) == 1:
        arg = expr.args[0]
        if isinstance(arg, FieldPath) and _status_of(arg) is not None:
            by_status = states.get(_status_of(arg) or "", {})
            return _among([d for ids in by_status.values() for d in ids])
    return expr


def _compare(expr: Compare, states: States) -> Expr:
    field, value = expr.left, expr.right
    if isinstance(value, FieldPath):
        field, value = value, field
    configuration = _status_of(field) if isinstance(field, FieldPath) else None
    if configuration is None or not isinstance(value, Literal) or expr.op not in ("=", "!="):
        return expr
    wanted = str(value.value).casefold()
    by_status = states.get(configuration, {})
    chosen = [
        device
        for status, devices in by_status.items()
        if (status.casefold() == wanted) == (expr.op == "=")
        for device in devices
    ]
    return _among(chosen)


def _status_of(path: FieldPath) -> str | None:
    parts = path.parts
    if len(parts) == 3 and parts[0] == "configurations" and parts[2] == "status":
        return parts[1]
    return None


def _among(device_ids: list[str]) -> Expr:
    return (
        In(DEVICE_ID, tuple(Literal(d) for d in sorted(set(device_ids)))) if device_ids else NEVER
    )


def _paths(expr: Expr | None) -> list[FieldPath]:
    if expr is None:
        return []
    if isinstance(expr, And | Or):
        return [p for e in expr.operands for p in _paths(e)]
    if isinstance(expr, Not):
        return _paths(expr.operand)
    if isinstance(expr, Compare):
        return [o for o in (expr.left, expr.right) if isinstance(o, FieldPath)]
    if isinstance(expr, In):
        return [expr.field]
    return [a for a in expr.args if isinstance(a, FieldPath)]
