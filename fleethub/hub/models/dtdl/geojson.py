"""Values of the geospatial schemas (DTDL v2/v3 "Geospatial Schemas", GeoJSON RFC 7946
§3.1) and of IoT Central's `geopoint` and `vector` schemas.
"""

from __future__ import annotations

from collections.abc import Callable

from fleethub.hub.models.dtdl.literals import json_kind

Check = Callable[[object, str, list[str]], None]
Coordinates = Callable[[object], str | None]


def _is_number(value: object) -> bool:
    return type(value) is float or type(value) is int


def _position(value: object) -> str | None:
    if type(value) is not list or not 2 <= len(value) <= 3 or not all(map(_is_number, value)):
        return "a position is an array of 2 or 3 numbers"
    return None


def _positions(minimum: int, *, ring: bool = False) -> Coordinates:
    def check(value: object) -> str | None:
        if type(value) is not list or len(value) < minimum:
            return f"expected an array of at least {minimum} positions"
        for position in value:
            problem = _position(position)
            if problem is not None:
                return problem
        if ring and value[0] != value[-1]:
            return "a linear ring must end where it starts"
        return None

    return check


def _many(inner: Coordinates) -> Coordinates:
    def check(value: object) -> str | None:
        if type(value) is not list:
            return "expected an array"
        for part in value:
            problem = inner(part)
            if problem is not None:
                return problem
        return None

    return check


_POLYGON = _many(_positions(4, ring=True))
_GEOMETRIES: dict[str, tuple[str, Coordinates]] = {
    "point": ("Point", _position),
    "multiPoint": ("MultiPoint", _positions(0)),
    "lineString": ("LineString", _positions(2)),
    "multiLineString": ("MultiLineString", _many(_positions(2))),
    "polygon": ("Polygon", _POLYGON),
    "multiPolygon": ("MultiPolygon", _many(_POLYGON)),
}


def geometry_check(schema: str) -> Check:
    """Checker for a GeoJSON geometry: `{"type": "Point", "coordinates": [47.6, -122.1]}`."""
    geo_type, coordinates = _GEOMETRIES[schema]

    def check(value: object, path: str, out: list[str]) -> None:
        if type(value) is not dict:
            out.append(f"{path}: expected {schema} (a GeoJSON object), got {json_kind(value)}")
        elif value.get("type") != geo_type:
            out.append(f'{path}: a {schema} needs "type": {geo_type!r}')
        else:
            problem = coordinates(value.get("coordinates"))
            if problem is not None:
                out.append(f"{path}.coordinates: {problem}")

    return check


def _numbers_object(schema: str, required: tuple[str, ...], optional: tuple[str, ...]) -> Check:
    allowed = frozenset(required + optional)

    def check(value: object, path: str, out: list[str]) -> None:
        if type(value) is not dict:
            out.append(f"{path}: expected {schema}, got {json_kind(value)}")
            return
        for key in required:
            if key not in value:
                out.append(f"{path}: {schema} needs {key!r}")
        for key, number in value.items():
            if key not in allowed:
                out.append(f"{path}.{key}: not a member of {schema}")
            elif not _is_number(number):
                out.append(f"{path}.{key}: expected a number, got {json_kind(number)}")

    return check


GEOSPATIAL_CHECKS: dict[str, Check] = {name: geometry_check(name) for name in _GEOMETRIES}
CENTRAL_CHECKS: dict[str, Check] = {
    # IoT Central extension schemas: a geographic point and a three-dimensional vector.
    "geopoint": _numbers_object("geopoint", ("lat", "lon"), ("alt",)),
    "vector": _numbers_object("vector", ("x", "y", "z"), ()),
}
