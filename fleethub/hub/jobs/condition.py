"""A scheduled job's `queryCondition`: the WHERE clause of a twin query over devices.

Azure takes the condition alone (`deviceId IN ['d1','d2']`, `tags.env = 'prod'`), so it is
parsed as `SELECT * FROM devices WHERE <condition>` and errors point into the condition.
"""

from __future__ import annotations

from fleethub.hub.errors import ArgumentInvalid, QuerySyntaxInvalid, QueryUnsupported
from fleethub.hub.query import Expr, QuerySyntaxError, UnsupportedQuery, parse

_PREFIX = "SELECT * FROM devices WHERE "


def parse_condition(text: str | None) -> Expr:
    """`parse_condition("tags.env = 'prod'")` → Compare("=", FieldPath(("tags", "env")), ...)."""
    if text is None or not text.strip():
        raise ArgumentInvalid("queryCondition is required, e.g. \"deviceId IN ['d1', 'd2']\".")
    try:
        query = parse(_PREFIX + text)
    except QuerySyntaxError as error:
        column = max(1, error.column - len(_PREFIX)) if error.line == 1 else error.column
        raise QuerySyntaxInvalid(
            f"queryCondition: syntax error at line {error.line}, column {column}: {error.message}"
        ) from None
    except UnsupportedQuery as error:
        raise QueryUnsupported(f"queryCondition: {error}") from None
    assert query.where is not None  # the grammar needs a condition after WHERE
    return query.where
