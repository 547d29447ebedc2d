"""The IoT Hub query language as frozen dataclasses, shared by in-memory matching and SQL.

Spec: learn.microsoft.com "IoT Hub query language for device and module twins, jobs, and
message routing" (the twin-query subset; see parse.py for what is accepted).
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass

_BARE_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")

#: Top-level twin fields, by their canonical spelling. Azure matches these case-insensitively
#: (its own example `SELECT DeviceId, LastActivityTime` answers with `deviceId` and
#: `lastActivityTime`), so the parser rewrites them to this spelling. Names below `tags` and
#: `properties.desired|reported` stay case-sensitive, as JSON keys are.
SYSTEM_FIELDS: tuple[str, ...] = (
    "deviceId",
    "moduleId",
    "etag",
    "deviceEtag",
    "version",
    "status",
    "statusReason",
    "statusUpdateTime",
    "connectionState",
    "lastActivityTime",
    "cloudToDeviceMessageCount",
    "authenticationType",
    "x509Thumbprint",
    "capabilities",
    "deviceScope",
    "parentScopes",
    "modelId",
    "tags",
    "properties",
)

#: Second-level names fixed by the twin schema, matched case-insensitively like the first level.
SYSTEM_CHILDREN: dict[str, tuple[str, ...]] = {
    "properties": ("desired", "reported"),
    "capabilities": ("iotEdge",),
    "x509Thumbprint": ("primaryThumbprint", "secondaryThumbprint"),
}

#: Fields holding a UTC instant rendered as ISO-8601 text. Comparing one with a string literal
#: compares instants, so `lastActivityTime > '2024-01-01'` means what it says in SQL and in
#: memory alike.
TIME_FIELDS: frozenset[tuple[str, ...]] = frozenset({("lastActivityTime",), ("statusUpdateTime",)})

CompareOp = typing.Literal["=", "!=", "<", "<=", ">", ">="]
FunctionName = typing.Literal[
    "IS_DEFINED",
    "IS_NULL",
    "IS_STRING",
    "IS_NUMBER",
    "IS_BOOL",
    "IS_OBJECT",
    "IS_ARRAY",
    "IS_PRIMITIVE",
    "STARTSWITH",
    "ENDSWITH",
    "CONTAINS",
]
Source = typing.Literal["devices", "devices.modules"]
#: A JSON scalar as written in a query. Objects never appear as literals.
Scalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class FieldPath:
    """`tags.location.region` is FieldPath(("tags", "location", "region"))."""

    parts: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(p if _BARE_NAME.fullmatch(p) else f"[[{p}]]" for p in self.parts)


@dataclass(frozen=True, slots=True)
class Literal:
    value: Scalar


Operand = FieldPath | Literal


@dataclass(frozen=True, slots=True)
class Compare:
    """`<>` is parsed as `!=`; a bare operand used as a condition is `operand = true`."""

    op: CompareOp
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class In:
    """`field IN [..]`, or `field NIN [..]` when negated."""

    field: FieldPath
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class FunctionCall:
    name: FunctionName
    args: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class And:
    """N-ary, so that long chains stay flat (no recursion limits when walking them)."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Expr, ...]


Expr = Compare | In | FunctionCall | Not | And | Or


@dataclass(frozen=True, slots=True)
class Star:
    """`SELECT *`."""


@dataclass(frozen=True, slots=True)
class Projection:
    field: FieldPath
    alias: str | None = None

    @property
    def name(self) -> str:
        """The key in the result: the alias, else the last name of the path (as Azure does)."""
        return self.alias if self.alias is not None else self.field.parts[-1]


@dataclass(frozen=True, slots=True)
class Count:
    """`COUNT() AS alias`."""

    alias: str

    @property
    def name(self) -> str:
        return self.alias


SelectItem = Projection | Count


@dataclass(frozen=True, slots=True)
class Query:
    select: Star | tuple[SelectItem, ...]
    source: Source
    where: Expr | None = None
    group_by: tuple[FieldPath, ...] = ()
    #: `SELECT TOP n`: the most results the whole query returns (across pages).
    top: int | None = None

    @property
    def is_aggregate(self) -> bool:
        """True when rows are groups (GROUP BY or COUNT) rather than one row per twin."""
        if isinstance(self.select, Star):
            return False
        return bool(self.group_by) or any(isinstance(i, Count) for i in self.select)


#: Fields of a `devices.jobs` row by their canonical spelling (matched case-insensitively, with
#: or without the `devices.jobs.` prefix Azure's examples use).
JOB_FIELDS: tuple[str, ...] = (
    "deviceId",
    "jobId",
    "jobType",
    "status",
    "startTimeUtc",
    "endTimeUtc",
    "createdDateTimeUtc",
    "lastUpdatedDateTimeUtc",
)


@dataclass(frozen=True, slots=True)
class JobsQuery:
    """`SELECT * FROM devices.jobs [WHERE ...]`: the per-device rows of scheduled jobs."""

    where: Expr | None = None
    top: int | None = None
