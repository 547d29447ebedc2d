"""Where each twin field lives: a column, a JSON path in a column, or a constant."""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import sqlalchemy as sa

from fleethub.hub.query import (
    NEVER,
    UNDEFINED,
    CompareOp,
    FieldPath,
    UnsupportedQuery,
    parse_time,
)
from fleethub.store.schema import identities as t

Cond: TypeAlias = "bool | sa.ColumnElement[bool] | None"  # None: undefined (constant NULL)
Decode: TypeAlias = Callable[[Sequence[Any]], Any]
OBJECT: Mapping[str, Any] = types.MappingProxyType({})  # stands for "some object"
PRIMITIVES = ("string", "number", "bool", "null")
SQL_OPS: dict[CompareOp, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True, slots=True)
class Const:
    value: Any  # a literal's Scalar, UNDEFINED, or OBJECT


@dataclass(frozen=True, slots=True)
class Column:
    """A column of one JSON kind; `null` is what SQL NULL shows as in the rendered twin."""

    expr: sa.ColumnElement[Any]
    kind: Literal["string", "number", "bool", "time"]
    null: Literal["never", "null", "undefined"] = "never"
    #: The bare indexed column behind a coalesced `expr`: `= 'x'` with a non-empty string
    #: compares it directly, so the index serves the filter (a coalesce hides it).
    indexed: sa.ColumnElement[Any] | None = None


@dataclass(frozen=True, slots=True)
class Json:
    column: sa.ColumnElement[Any]
    path: tuple[str, ...]
    guard: sa.ColumnElement[bool] | None = None  # the field exists only where this holds


Value: TypeAlias = Const | Column | Json

# -- where each twin field lives -------------------------------------------------------------

_NEVER_TIME = sa.literal(parse_time(NEVER), sa.DateTime(timezone=True))
_COLUMNS: dict[tuple[str, ...], Column] = {
    ("deviceId",): Column(t.c.device_id, "string"),
    ("moduleId",): Column(sa.func.nullif(t.c.module_id, ""), "string", "undefined"),
    ("status",): Column(t.c.status, "string"),
    ("statusReason",): Column(t.c.status_reason, "string", "null"),
    ("connectionState",): Column(t.c.connection_state, "string"),
    ("authenticationType",): Column(t.c.auth_type, "string"),
    ("deviceScope",): Column(sa.func.nullif(t.c.device_scope, ""), "string", "undefined"),
    ("modelId",): Column(sa.func.coalesce(t.c.model_id, ""), "string", indexed=t.c.model_id),
    ("version",): Column(t.c.twin_version, "number"),
    ("cloudToDeviceMessageCount",): Column(t.c.c2d_count, "number"),
    ("lastActivityTime",): Column(sa.func.coalesce(t.c.last_activity_time, _NEVER_TIME), "time"),
    ("statusUpdateTime",): Column(sa.func.coalesce(t.c.status_updated_time, _NEVER_TIME), "time"),
    ("capabilities", "iotEdge"): Column(t.c.iot_edge, "bool"),
    ("x509Thumbprint", "primaryThumbprint"): Column(t.c.primary_thumbprint, "string", "null"),
    ("x509Thumbprint", "secondaryThumbprint"): Column(t.c.secondary_thumbprint, "string", "null"),
}
SECTIONS = {
    "desired": (t.c.desired, t.c.desired_metadata, t.c.desired_version),
    "reported": (t.c.reported, t.c.reported_metadata, t.c.reported_version),
}


def field_at(path: FieldPath) -> Value:
    """The twin field at `path`, as api/iothub/wire.twin_json renders it."""
    parts = path.parts
    if parts[0] in ("etag", "deviceEtag"):
        raise UnsupportedQuery(f"{parts[0]} can be selected but not filtered or grouped on")
    if parts[0] == "tags":
        return Json(t.c.tags, parts[1:])
    if parts[0] == "parentScopes":  # shown only beside a device scope
        return Json(t.c.parent_scopes, parts[1:], sa.func.coalesce(t.c.device_scope, "") != "")
    if parts[0] == "properties" and len(parts) > 2 and parts[1] in SECTIONS:
        document, metadata, version = SECTIONS[parts[1]]
        if parts[2] == "$metadata":
            return Json(metadata, parts[3:])
        if parts[2] == "$version":
            return Column(version, "number") if len(parts) == 3 else Const(UNDEFINED)
        return Json(document, parts[2:])
    if parts in (("properties",), ("capabilities",), ("x509Thumbprint",)) or parts[:2] in (
        ("properties", "desired"),
        ("properties", "reported"),
    ):
        return Const(OBJECT)
    return _COLUMNS.get(parts, Const(UNDEFINED))  # anything else is not in the twin
