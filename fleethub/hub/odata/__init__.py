"""The OData filter subset IoT Central's REST API accepts (seeds 001 and 004): a pure library.

`parse_filter(text, fields)` → AST, `matches(ast, row)` → bool, `parse_orderby(text, allowed)`.
"""

from fleethub.hub.odata.match import matches
from fleethub.hub.odata.parse import (
    And,
    Compare,
    Contains,
    FieldType,
    Filter,
    ODataError,
    Or,
    OrderBy,
    parse_filter,
    parse_orderby,
)

__all__ = [
    "And",
    "Compare",
    "Contains",
    "FieldType",
    "Filter",
    "ODataError",
    "Or",
    "OrderBy",
    "matches",
    "parse_filter",
    "parse_orderby",
]
