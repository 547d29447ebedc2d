"""Evaluate a parsed OData filter against one row (a mapping of field → value), in memory.

Strings compare by code point (the same on every store engine); `contains` ignores case, as
IoT Central's answer to seed 004's `contains(displayName, 'thermostat')` example shows.
"""

from __future__ import annotations

from collections.abc import Mapping

from fleethub.hub.odata.parse import And, Compare, Contains, Filter, Or, Scalar


def matches(expression: Filter, row: Mapping[str, Scalar]) -> bool:
    """True when `row` satisfies `expression`.

    >>> matches(Compare("eq", "simulated", True), {"simulated": True})
    True
    """
    if isinstance(expression, And):
        return all(matches(item, row) for item in expression.items)
    if isinstance(expression, Or):
        return any(matches(item, row) for item in expression.items)
    if isinstance(expression, Contains):
        value = row.get(expression.field)
        return isinstance(value, str) and expression.text.casefold() in value.casefold()
    return _compare(expression, row.get(expression.field))


def _compare(expression: Compare, value: Scalar) -> bool:
    wanted = expression.value
    if expression.op == "eq":
        return value == wanted
    if expression.op == "ne":
        return value != wanted
    if not isinstance(value, str) or not isinstance(wanted, str):
        return False  # null never orders against a string, as in OData
    if expression.op == "lt":
        return value < wanted
    if expression.op == "le":
        return value <= wanted
    if expression.op == "gt":
        return value > wanted
    return value >= wanted
