"""WHERE conditions: the query language's comparisons, IN, functions and Kleene logic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa

from fleethub.hub.query import (
    TYPE_TESTS,
    UNDEFINED,
    And,
    Compare,
    CompareOp,
    Expr,
    FieldPath,
    FunctionCall,
    In,
    Not,
    UnsupportedQuery,
    compare,
    kind,
    parse_time,
)
from fleethub.hub.query import Literal as Lit
from fleethub.store.query_sql.dialects import Ops, type_names
from fleethub.store.query_sql.fields import (
    PRIMITIVES,
    SQL_OPS,
    Column,
    Cond,
    Const,
    Json,
    Value,
    field_at,
)


def _indexed_equality(op: CompareOp, left: Value, right: Value) -> bool:
    """`column = 'non-empty string'` on a column with a bare indexed form."""
    return (
        op == "="
        and isinstance(left, Column)
        and left.indexed is not None
        and isinstance(right, Const)
        and isinstance(right.value, str)
        and right.value != ""
    )


class Compiler:
    def __init__(self, ops: Ops) -> None:
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

    def value(self, operand: FieldPath | Lit) -> Value:
        return Const(operand.value) if isinstance(operand, Lit) else field_at(operand)

    def is_kind(self, v: Value, kinds: Sequence[str]) -> Cond:
        """Definitely true or false (never NULL): is `v` defined and of one of these kinds?"""
        if isinstance(v, Const):
            return kind(v.value) in kinds
        if isinstance(v, Json):
            names = type_names(self.ops, kinds)
            return sa.func.coalesce(self.ops.type_of(v), "").in_(names)
        tests: list[Cond] = []
        if ("string" if v.kind == "time" else v.kind) in kinds:
            tests.append(True if v.null == "never" else v.expr.is_not(None))
        if "null" in kinds and v.null == "null":
            tests.append(v.expr.is_(None))
        return _or(tests)

    def may_be(self, v: Value, kinds: Sequence[str]) -> Cond:
        """Like is_kind, but a column may answer NULL: its NULL makes any comparison NULL."""
        if isinstance(v, Column) and v.kind in kinds:
            return True
        return self.is_kind(v, kinds)

    def sql(self, v: Value, kind: str) -> Any:
        if isinstance(v, Const):
            return self.ops.literal(v.value, kind)
        return v.expr if isinstance(v, Column) else self.ops.value(v, kind)

    def compare(self, op: CompareOp, left: Value, right: Value) -> Cond:
        if _is_time(left) or _is_time(right):
            return self.compare_times(op, left, right)
        if isinstance(left, Const) and isinstance(right, Const):
            return compare(op, left.value, right.value)
        if op == "=" and isinstance(right, Column) and isinstance(left, Const):
            left, right = right, left
        if _indexed_equality(op, left, right):
            column = cast(Column, left).indexed
            assert column is not None
            # IS NOT NULL keeps it definitely false (never NULL) for NOT, as the coalesce was.
            return sa.and_(column.is_not(None), column == cast(Const, right).value)
        branches: list[tuple[Cond, Cond]] = []
        for k in PRIMITIVES:
            both = _and([self.may_be(left, (k,)), self.may_be(right, (k,))])
            if both is False:
                continue
            if k == "null":  # null = null is true, like any value with itself
                branches.append((both, op in ("=", "<=", ">=")))
            else:
                result = self.ops.compare(op, self.sql(left, k), self.sql(right, k), k)
                branches.append((both, result))
        return _case(branches)

    def compare_times(self, op: CompareOp, left: Value, right: Value) -> Cond:
        sides = []
        for v in (left, right):
            if _is_time(v):
                sides.append(v.expr)  # type: ignore[union-attr]
            elif isinstance(v, Const):
                instant = parse_time(v.value) if isinstance(v.value, str) else None
                if instant is None:
                    return None  # a time compared with anything but a time is undefined
                sides.append(sa.literal(instant, sa.DateTime(timezone=True)))
            else:
                raise UnsupportedQuery("times can be compared with times or ISO-8601 strings only")
        return SQL_OPS[op](*sides)  # type: ignore[no-any-return]

    def member(self, v: Value, values: Sequence[Lit]) -> Cond:
        """`v IN [...]`: undefined unless `v` is a defined primitive, then any equal value."""
        if isinstance(v, Const):
            if kind(v.value) not in PRIMITIVES:
                return None
            return any(compare("=", v.value, x.value) is True for x in values)
        if _is_time(v):
            instants = [parse_time(x.value) for x in values if isinstance(x.value, str)]
            valid = [sa.literal(i, sa.DateTime(timezone=True)) for i in instants if i]
            return v.expr.in_(valid) if valid else False  # type: ignore[union-attr]
        found: list[Cond] = []
        for k in PRIMITIVES:
            literals = [x.value for x in values if kind(x.value) == k]
            test = self.is_kind(v, (k,)) if literals else False
            if k == "null" or test is False:
                found.append(test)
                continue
            candidates = [self.ops.literal(x, k) for x in literals]
            found.append(_only_if(test, self.sql(v, k).in_(candidates)))
        return _guard(self.is_kind(v, PRIMITIVES), _or(found))

    def call(self, expr: FunctionCall) -> Cond:
        v = self.value(expr.args[0])
        if expr.name == "IS_DEFINED":
            return _defined(self.ops, v)
        if expr.name in TYPE_TESTS:
            return self.is_kind(v, tuple(TYPE_TESTS[expr.name]))
        needle = str(cast(Lit, expr.args[1]).value)  # the parser admits only a string literal
        if _is_time(v):
            raise UnsupportedQuery(f"{expr.name} does not apply to times in this hub")
        if isinstance(v, Const):
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


def _is_time(v: Value) -> bool:
    return isinstance(v, Column) and v.kind == "time"


def _defined(ops: Ops, v: Value) -> Cond:
    if isinstance(v, Const):
        return v.value is not UNDEFINED
    if isinstance(v, Json):
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
