"""Schema → value checker, compiled once so checking a value never walks the schema again.

Value rules: DTDL v2/v3 reference, "Primitive schema" (RFC 3339 dates, ISO 8601 durations).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable

from fleethub.hub.models.dtdl.geojson import CENTRAL_CHECKS, GEOSPATIAL_CHECKS
from fleethub.hub.models.dtdl.literals import json_kind
from fleethub.hub.models.dtdl.schema import (
    ArraySchema,
    EnumSchema,
    MapSchema,
    ObjectSchema,
    PrimitiveSchema,
    Schema,
)

# `check(value, path, out)` appends "<path>: <reason>" to `out` for each problem it finds;
# on success it allocates nothing, which keeps telemetry validation fast.
Check = Callable[[object, str, list[str]], None]

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_FLOAT32_MAX = 3.4028234663852886e38
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = r"(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))"
_DATE_TIME = re.compile(rf"^(\d{{4}})-(\d{{2}})-(\d{{2}})T{_TIME}$")
_TIME_ONLY = re.compile(rf"^{_TIME}$")
_NUMBER = r"\d+(?:\.\d+)?"
_DURATION = re.compile(
    rf"^P(?!$)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?!$)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$"
)


def _expected(schema: str, value: object, path: str, out: list[str]) -> None:
    out.append(f"{path}: expected {schema}, got {json_kind(value)}")


def _boolean(value: object, path: str, out: list[str]) -> None:
    if type(value) is not bool:
        _expected("boolean", value, path, out)


def _string(value: object, path: str, out: list[str]) -> None:
    if type(value) is not str:
        _expected("string", value, path, out)


def _double(value: object, path: str, out: list[str]) -> None:
    if type(value) is float:
        if value - value == 0.0:  # false only for NaN and infinities, which JSON cannot carry
            return
    elif type(value) is int:
        return
    _expected("double", value, path, out)


def _float(value: object, path: str, out: list[str]) -> None:
    if type(value) is float or type(value) is int:
        if -_FLOAT32_MAX <= value <= _FLOAT32_MAX:
            return
        out.append(f"{path}: {value} is outside the range of a 32-bit float")
        return
    _expected("float", value, path, out)


def _integral(schema: str, bounds: tuple[int, int]) -> Check:
    low, high = bounds

    def check(value: object, path: str, out: list[str]) -> None:
        # JSON has one number type, so 5.0 is accepted as the integer 5.
        if type(value) is float and value.is_integer():
            value = int(value)
        if type(value) is int:
            if low <= value <= high:
                return
            out.append(f"{path}: {value} is outside the {schema} range [{low}, {high}]")
            return
        _expected(schema, value, path, out)

    return check


def _valid_time(hour: str, minute: str, second: str) -> bool:
    # RFC 3339 allows second 60 for a leap second.
    return int(hour) <= 23 and int(minute) <= 59 and int(second) <= 60


def _valid_offset(hours: str | None, minutes: str | None) -> bool:
    return hours is None or (int(hours) <= 23 and int(minutes or 0) <= 59)


def _valid_date(year: str, month: str, day: str) -> bool:
    return 1 <= int(month) <= 12 and 1 <= int(day) <= calendar.monthrange(int(year), int(month))[1]


def _date(value: object, path: str, out: list[str]) -> None:
    if type(value) is not str:
        _expected("date", value, path, out)
        return
    match = _DATE.match(value)
    if match is None or not _valid_date(*match.groups()):
        out.append(f"{path}: expected date (RFC 3339 full-date, e.g. 2024-05-31), got {value!r}")


def _date_time(value: object, path: str, out: list[str]) -> None:
    match = _DATE_TIME.match(value) if type(value) is str else None
    if match is not None:
        year, month, day, hour, minute, second, off_h, off_m = match.groups()
        if (
            _valid_date(year, month, day)
            and _valid_time(hour, minute, second)
            and _valid_offset(off_h, off_m)
        ):
            return
    if type(value) is not str:
        _expected("dateTime", value, path, out)
    else:
        out.append(
            f"{path}: expected dateTime (RFC 3339, e.g. 2024-05-31T12:00:00Z), got {value!r}"
        )


def _time(value: object, path: str, out: list[str]) -> None:
    match = _TIME_ONLY.match(value) if type(value) is str else None
    if match is not None:
        hour, minute, second, off_h, off_m = match.groups()
        if _valid_time(hour, minute, second) and _valid_offset(off_h, off_m):
            return
    if type(value) is not str:
        _expected("time", value, path, out)
    else:
        out.append(f"{path}: expected time (RFC 3339 full-time, e.g. 12:00:00Z), got {value!r}")


def _duration_ok(text: str) -> bool:
    if _DURATION.match(text) is None:
        return False
    parts = re.findall(r"[\d.]+[A-Z]", text)
    # ISO 8601: only the smallest unit given may carry a fraction; weeks stand alone of Y/M.
    if any("." in part for part in parts[:-1]):
        return False
    date_units = {part[-1] for part in re.findall(r"[\d.]+[YMWD]", text.partition("T")[0])}
    return not ("W" in date_units and date_units & {"Y", "M"})


def _duration(value: object, path: str, out: list[str]) -> None:
    if type(value) is not str:
        _expected("duration", value, path, out)
    elif not _duration_ok(value):
        out.append(f"{path}: expected duration (ISO 8601, e.g. PT15M), got {value!r}")


PRIMITIVE_CHECKS: dict[str, Check] = {
    "boolean": _boolean,
    "date": _date,
    "dateTime": _date_time,
    "double": _double,
    "duration": _duration,
    "float": _float,
    "integer": _integral("integer", _INT32),
    "long": _integral("long", _INT64),
    "string": _string,
    "time": _time,
    **GEOSPATIAL_CHECKS,
    **CENTRAL_CHECKS,
}


def compile_schema(schema: Schema, cache: dict[int, Check] | None = None) -> Check:
    """The checker for `schema`; `cache` shares checkers of schemas reused by @id."""
    if isinstance(schema, PrimitiveSchema):
        return PRIMITIVE_CHECKS[schema.name]
    cache = {} if cache is None else cache
    key = id(schema)
    if key not in cache:
        cache[key] = _compile_complex(schema, cache)
    return cache[key]


def _compile_complex(schema: Schema, cache: dict[int, Check]) -> Check:
    if isinstance(schema, ArraySchema):
        return _array(compile_schema(schema.element_schema, cache))
    if isinstance(schema, MapSchema):
        return _map(compile_schema(schema.value.schema, cache))
    if isinstance(schema, ObjectSchema):
        fields = {field.name: compile_schema(field.schema, cache) for field in schema.fields}
        return _object(fields)
    assert isinstance(schema, EnumSchema)
    return _enum(schema)


def _array(element: Check) -> Check:
    def check(value: object, path: str, out: list[str]) -> None:
        if type(value) is not list:
            _expected("array", value, path, out)
            return
        for index, entry in enumerate(value):
            element(entry, f"{path}[{index}]", out)

    return check


def _map(map_value: Check) -> Check:
    def check(value: object, path: str, out: list[str]) -> None:
        if type(value) is not dict:
            _expected("map (a JSON object)", value, path, out)
            return
        for key, entry in value.items():
            map_value(entry, f"{path}.{key}", out)

    return check


def _object(fields: dict[str, Check]) -> Check:
    def check(value: object, path: str, out: list[str]) -> None:
        if type(value) is not dict:
            _expected("object", value, path, out)
            return
        for key, entry in value.items():
            field = fields.get(key)
            if field is None:
                out.append(f"{path}.{key}: not a field of the object")
            else:
                field(entry, f"{path}.{key}", out)

    return check


def _enum(schema: EnumSchema) -> Check:
    allowed = frozenset(value.value for value in schema.values)
    kind = int if schema.value_schema == "integer" else str
    shown = ", ".join(repr(value.value) for value in schema.values[:10])
    shown += ", ..." if len(schema.values) > 10 else ""

    def check(value: object, path: str, out: list[str]) -> None:
        if type(value) is float and kind is int and value.is_integer():
            value = int(value)
        if type(value) is not kind:
            _expected(f"enum of {schema.value_schema}", value, path, out)
        elif value not in allowed:
            out.append(f"{path}: {value!r} is not one of the enum values ({shown})")

    return check
