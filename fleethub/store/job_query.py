"""`SELECT * FROM devices.jobs WHERE ...` → a SQL filter over `job_devices` joined to `jobs`.

The fields of a device-job row are few and flat, so this is a small compiler: comparisons and
IN lists of a field with literals, under AND, OR and NOT. A comparison across JSON types, or
with a missing time, is undefined and so never true (as in twin queries).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fleethub.hub.query import (
    JOB_FIELDS,
    And,
    Compare,
    CompareOp,
    Expr,
    FieldPath,
    In,
    Not,
    Or,
    UnsupportedQuery,
    parse_time,
)
from fleethub.hub.query import Literal as Lit

_SWAPPED: dict[CompareOp, CompareOp] = {
    "=": "=",
    "!=": "!=",
    "<": ">",
    "<=": ">=",
    ">": "<",
    ">=": "<=",
}
_TIMES = ("startTimeUtc", "endTimeUtc", "createdDateTimeUtc", "lastUpdatedDateTimeUtc")


def compile_jobs_where(expr: Expr | None, devices: sa.Table, jobs: sa.Table) -> Any:
    """The filter for `expr` (None: every row); raises UnsupportedQuery for what it cannot run."""
    if expr is None:
        return sa.true()
    return _Compiler(devices, jobs).condition(expr)


class _Compiler:
    def __init__(self, devices: sa.Table, jobs: sa.Table) -> None:
        self._columns: dict[str, Any] = {
            "deviceId": devices.c.device_id,
            "jobId": devices.c.job_id,
            "jobType": jobs.c.type,
            "status": devices.c.status,
            "startTimeUtc": devices.c.start_time,
            "endTimeUtc": devices.c.end_time,
            "createdDateTimeUtc": devices.c.created_time,
            "lastUpdatedDateTimeUtc": devices.c.last_updated,
        }

    def condition(self, expr: Expr) -> Any:
        if isinstance(expr, And):
            return sa.and_(*(self.condition(e) for e in expr.operands))
        if isinstance(expr, Or):
            return sa.or_(*(self.condition(e) for e in expr.operands))
        if isinstance(expr, Not):
            return sa.not_(self.condition(expr.operand))
        if isinstance(expr, Compare):
            return self._compare(expr)
        if isinstance(expr, In):
            values = [self._value(expr.field, v) for v in expr.values]
            column = self._column(expr.field)
            kept = [v for v in values if v is not None]
            test = column.in_(kept) if kept else sa.false()
            return sa.not_(test) if expr.negated else test
        raise UnsupportedQuery("devices.jobs queries compare fields with =, <, >, IN and NIN")

    def _compare(self, expr: Compare) -> Any:
        left, right, op = expr.left, expr.right, expr.op
        if isinstance(left, Lit) and isinstance(right, FieldPath):
            left, right, op = right, left, _SWAPPED[op]
        if not (isinstance(left, FieldPath) and isinstance(right, Lit)):
            raise UnsupportedQuery("devices.jobs conditions compare a field with a literal")
        column = self._column(left)
        value = self._value(left, right)
        if value is None:  # undefined: a type mismatch holds neither way, so NOT keeps it out
            return sa.cast(sa.null(), sa.Boolean())
        ops = {
            "=": column == value,
            "!=": column != value,
            "<": column < value,
            "<=": column <= value,
            ">": column > value,
            ">=": column >= value,
        }
        return ops[op]

    def _column(self, path: FieldPath) -> Any:
        if len(path.parts) != 1 or path.parts[0] not in self._columns:
            fields = ", ".join(JOB_FIELDS)
            raise UnsupportedQuery(f"'{path}' is not a devices.jobs field ({fields})")
        return self._columns[path.parts[0]]

    @staticmethod
    def _value(path: FieldPath, literal: Lit) -> str | float | None:
        """The literal as the column stores it, or None when the comparison is undefined."""
        value = literal.value
        if not isinstance(value, str):
            return None
        if path.parts[0] in _TIMES:
            instant = parse_time(value)
            return instant.timestamp() if instant is not None else None
        return value
