"""Parsing schema values: a primitive or geospatial term, a complex schema element (Array,
Enum, Map, Object) inline, or a DTMI naming one (DTDL v2/v3 specifications, Array to Object,
"Limits and exclusions").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from fleethub.hub.models.dtdl.central import CENTRAL_SCHEMAS
from fleethub.hub.models.dtdl.context import Context
from fleethub.hub.models.dtdl.cotypes import check_semantic_schema, read_cotypes, read_unit
from fleethub.hub.models.dtdl.errors import Problems
from fleethub.hub.models.dtdl.literals import literal, one, read_string
from fleethub.hub.models.dtdl.reader import MISSING, ElementReader, Entity, element_list
from fleethub.hub.models.dtdl.schema import (
    ArraySchema,
    ComplexSchema,
    EnumSchema,
    EnumValue,
    Field,
    MapKey,
    MapSchema,
    MapValue,
    ObjectSchema,
    PrimitiveSchema,
    Schema,
    find,
    nesting,
)
from fleethub.hub.models.dtdl.vocabulary import (
    COMPLEX_SCHEMAS,
    GEOSPATIAL,
    MEMBERS,
    PRIMITIVES,
    term,
)

MAX_NESTING = 5  # "elementSchema"/"schema" members below any complex schema, v2 and v3
V2_MAX_ENUM_VALUES = 100
V2_MAX_FIELDS = 30
_INT32 = (-(2**31), 2**31 - 1)
_PRIMITIVE = {name: PrimitiveSchema(name=name) for name in (*PRIMITIVES, *GEOSPATIAL)}
_CENTRAL = {name: PrimitiveSchema(name=name) for name in CENTRAL_SCHEMAS}
_NOT_IN_V2_PROPERTY = frozenset({"Array", *GEOSPATIAL})


class SchemaScope(Protocol):
    """What schema parsing needs from the parse session."""

    allow_undefined: bool

    def schema_ref(self, ref: str, path: str) -> ComplexSchema | None:
        """The complex schema with @id `ref` in the current Interface's partition."""

    def defines(self, ref: str, raw: dict[str, object]) -> bool:
        """Whether `raw` is the element the model knows by @id `ref`."""


@dataclass(frozen=True)
class Site:
    """Where a schema sits: `hops` schema members below the outermost complex schema, and
    whether a DTDL v2 Property holds it (v2 forbids Arrays and geospatial schemas there)."""

    hops: int = 0
    property_v2: bool = False

    def deeper(self) -> Site:
        return replace(self, hops=self.hops + 1)


def parse_schema(
    value: object, path: str, ctx: Context, problems: Problems, scope: SchemaScope, site: Site
) -> Schema | None:
    """Any value of a `schema`/`elementSchema` member (or an array holding exactly one)."""
    value, path = one(value, path, problems, required=True)
    if isinstance(value, dict):
        ref = value.get("@id")
        if isinstance(ref, str) and scope.defines(ref, value):
            # Parsed once through the reference memo, so a schema reused elsewhere by its
            # @id reports its errors only once.
            return _reference(ref, path, problems, scope, site)
        return parse_complex(value, path, ctx, problems, scope, site)
    if not isinstance(value, str):
        if value is not None:
            problems.add(path, "schema-invalid", "a schema is a term, a DTMI or a schema object")
        return None
    name = term(value, ctx.version)
    if name.startswith("dtmi:iotcentral:schema:"):
        name = name.removeprefix("dtmi:iotcentral:schema:").partition(";")[0]
    if name in _PRIMITIVE:
        if site.property_v2 and name in GEOSPATIAL:
            problems.add(
                path,
                "property-geospatial",
                "a DTDL v2 Property cannot use a geospatial schema (v3 can)",
            )
            return None
        return _PRIMITIVE[name]
    if name in _CENTRAL and ctx.central:
        return _CENTRAL[name]
    if name.startswith("dtmi:"):
        return _reference(name, path, problems, scope, site)
    extra = " (an IoT Central schema; add its context)" if name in _CENTRAL else ""
    problems.add(path, "schema-invalid", f"{value!r} is not a DTDL schema{extra}")
    return None


def _reference(
    ref: str, path: str, problems: Problems, scope: SchemaScope, site: Site
) -> Schema | None:
    schema = scope.schema_ref(ref, path)
    if schema is None:
        return None
    if site.hops + nesting(schema) > MAX_NESTING:
        problems.add(
            path,
            "schema-depth",
            f"{ref!r} nests complex schemas deeper than {MAX_NESTING} levels here",
        )
        return None
    if site.property_v2:
        found = find(schema, _NOT_IN_V2_PROPERTY)
        if found is not None:
            rule = "property-array" if found == "Array" else "property-geospatial"
            problems.add(path, rule, f"{ref!r} uses {found}, which a DTDL v2 Property cannot")
            return None
    return schema


def parse_complex(
    raw: dict[str, object],
    path: str,
    ctx: Context,
    problems: Problems,
    scope: SchemaScope,
    site: Site,
    *,
    need_id: bool = False,
) -> ComplexSchema | None:
    """An inline Array, Enum, Map or Object element."""
    reader = ElementReader(raw, path, ctx, problems)
    types = reader.types(required=True, kind="a schema")
    kinds = [name for name, _ in types if name in COMPLEX_SCHEMAS]
    if len(kinds) != 1:
        if types:
            problems.add(
                reader.at("@type"),
                "schema-kind",
                "a schema element's @type is one of Array, Enum, Map, Object",
            )
        return None
    kind = kinds[0]
    read_cotypes(reader, types, kind, allow_undefined=scope.allow_undefined)
    entity = reader.entity()
    entity["id"] = reader.read_id(interface=False, required=need_id)
    reader.reject_unknown(MEMBERS[kind], kind)
    if site.hops > MAX_NESTING:
        problems.add(path, "schema-depth", f"complex schemas nest deeper than {MAX_NESTING} levels")
        return None
    if kind == "Array":
        if site.property_v2:
            problems.add(path, "property-array", "a DTDL v2 Property cannot use an Array (v3 can)")
            return None
        if not reader.require("elementSchema", "Array"):
            return None
        element = parse_schema(
            reader.get("elementSchema"),
            reader.at("elementSchema"),
            reader.ctx,
            problems,
            scope,
            site.deeper(),
        )
        return None if element is None else ArraySchema(element_schema=element, **entity)
    if kind == "Enum":
        return _enum(reader, entity, scope)
    if kind == "Map":
        return _map(reader, entity, scope, site)
    return _object(reader, entity, scope, site)


def _enum(reader: ElementReader, entity: Entity, scope: SchemaScope) -> EnumSchema | None:
    value_schema = None
    if reader.require("valueSchema", "Enum"):
        raw, where = one(
            reader.get("valueSchema"), reader.at("valueSchema"), reader.problems, required=True
        )
        name = term(raw, reader.ctx.version) if isinstance(raw, str) else None
        if name in ("integer", "string"):
            value_schema = name
        else:
            reader.problems.add(where, "enum-value-schema", "valueSchema must be integer or string")
    items = _items(reader, "enumValues", "Enum", "an EnumValue", V2_MAX_ENUM_VALUES)
    values: list[EnumValue] = []
    names: set[str] = set()
    literals: set[object] = set()
    for raw_value, where in items:
        parsed = _enum_value(raw_value, where, reader.ctx, reader.problems, scope, value_schema)
        if parsed is None:
            continue
        if parsed.name in names:
            reader.problems.add(
                where, "name-duplicate", f"two enum values are named {parsed.name!r}"
            )
        elif parsed.value in literals:
            reader.problems.add(
                where, "enum-value-duplicate", f"two enum values have the value {parsed.value!r}"
            )
        else:
            values.append(parsed)
        names.add(parsed.name)
        literals.add(parsed.value)
    if value_schema is None or len(values) != len(items):
        return None
    return EnumSchema(value_schema=value_schema, values=tuple(values), **entity)


def _items(
    reader: ElementReader, name: str, kind: str, what: str, v2_limit: int
) -> list[tuple[dict[str, object], str]]:
    """The elements of a set member; DTDL v2 wants 1..`v2_limit` of them, v3 any number."""
    v2 = reader.ctx.version == 2
    if not reader.has(name):
        if v2:  # v3 makes both fields and enumValues optional
            reader.require(name, kind)
        return []
    items = element_list(reader.get(name), reader.at(name), reader.problems, what=what)
    if v2 and reader.get(name) == []:
        reader.problems.add(
            reader.at(name),
            f"{name}-empty",
            f"a DTDL v2 {kind} needs at least one {what.removeprefix('an ').removeprefix('a ')}",
        )
    if v2 and len(items) > v2_limit:
        reader.problems.add(
            reader.at(name),
            f"{name}-too-many",
            f"a DTDL v2 {kind} has at most {v2_limit} {name}, not {len(items)}",
        )
    return items


def _enum_value(
    raw: dict[str, object],
    path: str,
    ctx: Context,
    problems: Problems,
    scope: SchemaScope,
    value_schema: str | None,
) -> EnumValue | None:
    reader = ElementReader(raw, path, ctx, problems)
    optional_type(reader, "EnumValue")
    entity = reader.entity()
    entity["id"] = reader.read_id(interface=False, required=False)
    reader.reject_unknown(MEMBERS["EnumValue"], "EnumValue")
    name = reader.name("EnumValue")
    if not reader.require("enumValue", "EnumValue") or value_schema is None:
        return None
    raw_value, where = one(reader.get("enumValue"), reader.at("enumValue"), problems, required=True)
    if raw_value is None:
        return None
    value = literal(raw_value, int if value_schema == "integer" else str, where, problems)
    if isinstance(value, int) and not _INT32[0] <= value <= _INT32[1]:
        problems.add(where, "integer-invalid", f"{value} does not fit a 32-bit integer")
        return None
    if name is None or not isinstance(value, int | str):
        return None
    return EnumValue(name=name, value=value, **entity)


def optional_type(reader: ElementReader, kind: str) -> list[tuple[str, str]]:
    """Check the optional @type of an element whose class can be inferred (EnumValue, Field...)."""
    types = reader.types(required=False, kind=kind)
    if types and kind not in (name for name, _ in types):
        reader.problems.add(reader.at("@type"), "type-mismatch", f"@type must include {kind!r}")
        return []  # the wrong class is the one error; its co-types are not worth reporting
    return types


def _map(reader: ElementReader, entity: Entity, scope: SchemaScope, site: Site) -> MapSchema | None:
    key = value = None
    problems = reader.problems
    if reader.require("mapKey", "Map"):
        key = _map_key(reader, scope)
    if reader.require("mapValue", "Map"):
        for raw, where in element_list(
            reader.get("mapValue"), reader.at("mapValue"), problems, what="a MapValue"
        )[:1]:
            value = _named_schema(raw, where, reader.ctx, problems, scope, site, "MapValue")
    if key is None or not isinstance(value, MapValue):
        return None
    return MapSchema(key=key, value=value, **entity)


def _map_key(reader: ElementReader, scope: SchemaScope) -> MapKey | None:
    found = element_list(
        reader.get("mapKey"), reader.at("mapKey"), reader.problems, what="a MapKey"
    )
    if len(found) != 1:
        return None
    key = ElementReader(found[0][0], found[0][1], reader.ctx, reader.problems)
    optional_type(key, "MapKey")
    entity = key.entity()
    entity["id"] = key.read_id(interface=False, required=False)
    key.reject_unknown(MEMBERS["MapKey"], "MapKey")
    name = key.name("MapKey")
    if key.require("schema", "MapKey"):
        schema = read_string(key.get("schema"), key.at("schema"), key.problems, required=True)
        if schema is not None and term(schema, key.ctx.version) != "string":
            key.problems.add(key.at("schema"), "map-key-schema", "a MapKey's schema must be string")
            return None
    return None if name is None else MapKey(name=name, **entity)


def _object(
    reader: ElementReader, entity: Entity, scope: SchemaScope, site: Site
) -> ObjectSchema | None:
    items = _items(reader, "fields", "Object", "a Field", V2_MAX_FIELDS)
    fields: list[Field] = []
    names: set[str] = set()
    for raw, where in items:
        field = _named_schema(raw, where, reader.ctx, reader.problems, scope, site, "Field")
        if not isinstance(field, Field):
            continue
        if field.name in names:
            reader.problems.add(where, "name-duplicate", f"two fields are named {field.name!r}")
            continue
        names.add(field.name)
        fields.append(field)
    if len(fields) != len(items):
        return None
    return ObjectSchema(fields=tuple(fields), **entity)


def _named_schema(
    raw: dict[str, object],
    path: str,
    ctx: Context,
    problems: Problems,
    scope: SchemaScope,
    site: Site,
    kind: str,
) -> Field | MapValue | None:
    """A Field or MapValue: a name and a schema, one level deeper (v3: maybe a semantic type)."""
    reader = ElementReader(raw, path, ctx, problems)
    cotypes = read_cotypes(
        reader, optional_type(reader, kind), kind, allow_undefined=scope.allow_undefined
    )
    entity = reader.entity()
    entity["id"] = reader.read_id(interface=False, required=False)
    allowed = MEMBERS[kind] | ({"unit"} if cotypes.unit_allowed(reader, kind) else set())
    reader.reject_unknown(allowed, kind)
    unit = read_unit(reader, cotypes) if "unit" in allowed else None
    name = reader.name(kind)
    schema = None
    if reader.require("schema", kind):
        schema = parse_schema(
            reader.get("schema"), reader.at("schema"), reader.ctx, problems, scope, site.deeper()
        )
    check_semantic_schema(reader, cotypes, schema)
    if name is None or schema is None or (reader.get("unit") is not MISSING and unit is None):
        return None
    cls = Field if kind == "Field" else MapValue
    return cls(name=name, schema=schema, semantic_type=cotypes.semantic, unit=unit, **entity)
