"""Schemas values follow: primitive, geospatial, and the complex Array, Enum, Map and Object
(DTDL v2/v3 reference, "Primitive schema" to "Geospatial Schemas").
"""

from __future__ import annotations

from dataclasses import dataclass

from fleethub.hub.models.dtdl.literals import LocalizedText


@dataclass(frozen=True, kw_only=True)
class Described:
    """Members every DTDL element may carry."""

    id: str | None = None
    display_name: LocalizedText | None = None
    description: LocalizedText | None = None
    comment: str | None = None


@dataclass(frozen=True, kw_only=True)
class PrimitiveSchema:
    """A schema named by a term: "double", "dateTime", "point", IoT Central's "vector"..."""

    name: str


@dataclass(frozen=True, kw_only=True)
class ArraySchema(Described):
    element_schema: Schema


@dataclass(frozen=True, kw_only=True)
class EnumValue(Described):
    name: str
    value: int | str


@dataclass(frozen=True, kw_only=True)
class EnumSchema(Described):
    value_schema: str  # "integer" or "string"
    values: tuple[EnumValue, ...]


@dataclass(frozen=True, kw_only=True)
class MapKey(Described):
    name: str


@dataclass(frozen=True, kw_only=True)
class MapValue(Described):
    name: str
    schema: Schema
    semantic_type: str | None = None
    unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class MapSchema(Described):
    key: MapKey
    value: MapValue


@dataclass(frozen=True, kw_only=True)
class Field(Described):
    name: str
    schema: Schema
    semantic_type: str | None = None
    unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class ObjectSchema(Described):
    fields: tuple[Field, ...]


ComplexSchema = ArraySchema | EnumSchema | MapSchema | ObjectSchema
Schema = PrimitiveSchema | ComplexSchema


def label(schema: Schema) -> str:
    """How a schema reads in a message: "double", "Enum", "Array of double"..."""
    if isinstance(schema, PrimitiveSchema):
        return schema.name
    if isinstance(schema, ArraySchema):
        return f"Array of {label(schema.element_schema)}"
    if isinstance(schema, MapSchema):
        return f"Map of {label(schema.value.schema)}"
    return type(schema).__name__.removesuffix("Schema")


def nesting(schema: Schema) -> int:
    """How many `schema`/`elementSchema` hops lead from `schema` to its deepest complex schema.

    Object{field: Array of Object} → 2; the spec allows at most 5 below any complex schema.
    """
    if isinstance(schema, ArraySchema):
        inner: tuple[Schema, ...] = (schema.element_schema,)
    elif isinstance(schema, MapSchema):
        inner = (schema.value.schema,)
    elif isinstance(schema, ObjectSchema):
        inner = tuple(field.schema for field in schema.fields)
    else:
        return 0
    return max(
        (1 + nesting(child) for child in inner if not isinstance(child, PrimitiveSchema)),
        default=0,
    )


def find(schema: Schema, wanted: frozenset[str]) -> str | None:
    """The first primitive name from `wanted`, or "Array" if wanted, used inside `schema`."""
    if isinstance(schema, PrimitiveSchema):
        return schema.name if schema.name in wanted else None
    if isinstance(schema, ArraySchema):
        return "Array" if "Array" in wanted else find(schema.element_schema, wanted)
    if isinstance(schema, MapSchema):
        return find(schema.value.schema, wanted)
    if isinstance(schema, ObjectSchema):
        for field in schema.fields:
            found = find(field.schema, wanted)
            if found is not None:
                return found
    return None
