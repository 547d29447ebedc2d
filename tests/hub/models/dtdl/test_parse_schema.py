"""Schema rules (DTDL v2/v3 specifications, Array to Object, "Limits and exclusions")."""

from __future__ import annotations

from typing import Any

import pytest

from fleethub.hub.models.dtdl import (
    ArraySchema,
    EnumSchema,
    MapSchema,
    ObjectSchema,
    PrimitiveSchema,
    Property,
    Telemetry,
    parse_interface,
)
from tests.hub.models.dtdl.documents import JSON, errors, interface, obj, prop, telemetry


def _enum(*values: Any, value_schema: str = "integer") -> JSON:
    return {
        "@type": "Enum",
        "valueSchema": value_schema,
        "enumValues": [{"name": f"v{i}", "enumValue": value} for i, value in enumerate(values)],
    }


def _map(key_schema: str = "string", value_schema: Any = "double") -> JSON:
    return {
        "@type": "Map",
        "mapKey": {"name": "key", "schema": key_schema},
        "mapValue": {"name": "value", "schema": value_schema},
    }


def _nested(depth: int) -> Any:
    """`depth` Objects, each the only field of the one outside it."""
    schema: Any = "double"
    for _ in range(depth):
        schema = obj(("inner", schema))
    return schema


S = "$.contents[0].schema"

CASES: list[Any] = [
    pytest.param(telemetry(schema="decimal"), [(S, "schema-invalid")], id="unknown-primitive"),
    pytest.param(telemetry(schema=5), [(S, "schema-invalid")], id="schema-not-a-string"),
    pytest.param(telemetry(schema="vector"), [(S, "schema-invalid")], id="central-needs-context"),
    pytest.param(
        telemetry(schema={"@type": "Array"}), [(S, "member-required")], id="array-element-schema"
    ),
    pytest.param(
        telemetry(schema={"@type": "Interface", "@id": "dtmi:a:b;1"}),
        [(S, "schema-kind")],
        id="interface-is-not-a-schema",
    ),
    pytest.param(
        telemetry(schema={**_enum(1), "valueSchema": "boolean"}),
        [(f"{S}.valueSchema", "enum-value-schema")],
        id="enum-value-schema",
    ),
    pytest.param(
        telemetry(schema=_enum(1, "two")),
        [(f"{S}.enumValues[1].enumValue", "integer-invalid")],
        id="enum-value-matches-value-schema",
    ),
    pytest.param(
        telemetry(schema=_enum(2**31)),
        [(f"{S}.enumValues[0].enumValue", "integer-invalid")],
        id="enum-integer-is-32-bit",
    ),
    pytest.param(
        telemetry(schema=_enum("a", "a", value_schema="string")),
        [(f"{S}.enumValues[1]", "enum-value-duplicate")],
        id="enum-values-unique",
    ),
    pytest.param(
        telemetry(
            schema={
                "@type": "Enum",
                "valueSchema": "integer",
                "enumValues": [{"name": "x", "enumValue": 1}, {"name": "x", "enumValue": 2}],
            }
        ),
        [(f"{S}.enumValues[1]", "name-duplicate")],
        id="enum-names-unique",
    ),
    pytest.param(
        telemetry(schema=_enum()), [(f"{S}.enumValues", "enumValues-empty")], id="v2-enum-not-empty"
    ),
    pytest.param(
        telemetry(schema=_enum(*range(101))),
        [(f"{S}.enumValues", "enumValues-too-many")],
        id="v2-enum-at-most-100",
    ),
    pytest.param(
        telemetry(schema=_map(key_schema="integer")),
        [(f"{S}.mapKey.schema", "map-key-schema")],
        id="map-key-is-string",
    ),
    pytest.param(
        telemetry(schema={"@type": "Map", "mapKey": {"name": "k", "schema": "string"}}),
        [(S, "member-required")],
        id="map-needs-a-value",
    ),
    pytest.param(
        telemetry(schema={"@type": "Object", "fields": []}),
        [(f"{S}.fields", "fields-empty")],
        id="v2-object-not-empty",
    ),
    pytest.param(
        telemetry(schema=obj(*((f"f{i}", "double") for i in range(31)))),
        [(f"{S}.fields", "fields-too-many")],
        id="v2-object-at-most-30-fields",
    ),
    pytest.param(
        telemetry(schema=obj(("x", "double"), ("x", "long"))),
        [(f"{S}.fields[1]", "name-duplicate")],
        id="field-names-unique",
    ),
    pytest.param(
        telemetry(schema=_nested(7)),
        [(f"{S}{'.fields[0].schema' * 6}", "schema-depth")],
        id="complex-schemas-nest-at-most-5-deep",
    ),
    pytest.param(
        prop(schema={"@type": "Array", "elementSchema": "double"}),
        [(S, "property-array")],
        id="v2-property-no-array",
    ),
    pytest.param(
        prop(schema=obj(("list", {"@type": "Array", "elementSchema": "double"}))),
        [(f"{S}.fields[0].schema", "property-array")],
        id="v2-property-no-nested-array",
    ),
    pytest.param(prop(schema="point"), [(S, "property-geospatial")], id="v2-property-no-geo"),
    pytest.param(telemetry(schema="point"), [], id="telemetry-geo"),
]


@pytest.mark.parametrize(("content", "expected"), CASES)
def test_rule(content: JSON, expected: list[tuple[str, str]]) -> None:
    assert errors(interface(content)) == expected


def test_an_objects_field_name_error_names_its_full_path() -> None:
    contents = [telemetry(name=f"t{i}") for i in range(3)]
    contents.append(telemetry(name="pos", schema=obj(("1x", "double"))))
    assert errors(interface(*contents)) == [("$.contents[3].schema.fields[0].name", "name-pattern")]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(telemetry(schema=_enum()), id="empty-enum"),
        pytest.param(telemetry(schema=_enum(*range(101))), id="large-enum"),
        pytest.param(telemetry(schema={"@type": "Object"}), id="object-without-fields"),
        pytest.param(telemetry(schema=obj(*((f"f{i}", "double") for i in range(31)))), id="wide"),
        pytest.param(prop(schema={"@type": "Array", "elementSchema": "point"}), id="array"),
    ],
)
def test_v3_lifts_v2_set_limits(content: JSON) -> None:
    assert errors(interface(content, version=3)) == []


def test_six_nested_complex_schemas_are_allowed() -> None:
    assert errors(interface(telemetry(schema=_nested(6)))) == []


def test_schemas_parse_into_dataclasses() -> None:
    model = parse_interface(
        interface(
            telemetry(name="a", schema={"@type": "Array", "elementSchema": "dateTime"}),
            telemetry(name="e", schema=_enum("on", "off", value_schema="string")),
            telemetry(name="m", schema=_map(value_schema=obj(("x", "double")))),
            telemetry(name="o", schema=obj(("when", "date"))),
        )
    )
    array, enum, map_, object_ = (c.schema for c in model.contents if isinstance(c, Telemetry))
    assert array == ArraySchema(element_schema=PrimitiveSchema(name="dateTime"))
    assert isinstance(enum, EnumSchema)
    assert [(v.name, v.value) for v in enum.values] == [("v0", "on"), ("v1", "off")]
    assert isinstance(map_, MapSchema)
    assert isinstance(map_.value.schema, ObjectSchema)
    assert (map_.key.name, map_.value.name) == ("key", "value")
    assert isinstance(object_, ObjectSchema)
    assert object_.fields[0].schema == PrimitiveSchema(name="date")


_POINT = {"@id": "dtmi:com:example:Test:point;1", **obj(("x", "double"), ("y", "double"))}


def test_interface_schemas_are_reused_by_id() -> None:
    document = interface(
        telemetry(name="a", schema="dtmi:com:example:Test:point;1"),
        telemetry(name="b", schema=["dtmi:com:example:Test:point;1"]),
        schemas=[_POINT],
    )
    model = parse_interface(document)
    first, second = model.contents
    assert isinstance(first, Telemetry)
    assert isinstance(second, Telemetry)
    assert first.schema is second.schema is model.schemas[0]


def test_an_interface_schema_needs_an_id() -> None:
    document = interface(schemas=[obj(("x", "double"))])
    assert errors(document) == [("$.schemas[0]", "member-required")]


def test_an_unknown_schema_reference_is_reported_where_it_is_used() -> None:
    document = interface(telemetry(schema="dtmi:com:example:Nowhere;1"))
    assert errors(document) == [("$.contents[0].schema", "reference-unresolved")]


def test_schemas_are_not_shared_between_interfaces() -> None:
    other = interface(schemas=[_POINT], **{"@id": "dtmi:com:example:Other;1"})
    user = interface(telemetry(schema="dtmi:com:example:Test:point;1"))
    assert errors([user, other]) == [("$[0].contents[0].schema", "reference-not-referenceable")]


def test_an_inline_schema_with_an_id_is_checked_once_even_when_reused() -> None:
    shared = {"@id": "dtmi:com:example:Test:bad;1", **obj(("bad name", "double"))}
    document = interface(
        telemetry(name="a", schema=shared),
        telemetry(name="b", schema="dtmi:com:example:Test:bad;1"),
    )
    assert errors(document) == [("$.contents[0].schema.fields[0].name", "name-pattern")]


def test_a_schema_cannot_contain_itself() -> None:
    node = "dtmi:com:example:Test:node;1"
    looped = {"@id": node, **obj(("next", node))}
    assert errors(interface(telemetry(schema="dtmi:x:y;1"), schemas=[looped])) == [
        ("$.contents[0].schema", "reference-unresolved"),
        ("$.schemas[0].fields[0].schema", "reference-cycle"),
    ]


def test_a_referenced_array_is_still_refused_in_a_v2_property() -> None:
    listed = {"@id": "dtmi:com:example:Test:list;1", "@type": "Array", "elementSchema": "long"}
    document = interface(prop(schema="dtmi:com:example:Test:list;1"), schemas=[listed])
    assert errors(document) == [("$.contents[0].schema", "property-array")]


def test_a_referenced_schema_counts_towards_the_nesting_limit() -> None:
    deep = {"@id": "dtmi:com:example:Test:deep;1", **_nested(5)}
    ok = interface(telemetry(schema=obj(("d", "dtmi:com:example:Test:deep;1"))), schemas=[deep])
    assert errors(ok) == []
    too_deep = interface(
        telemetry(schema=obj(("d", obj(("e", "dtmi:com:example:Test:deep;1"))))), schemas=[deep]
    )
    assert errors(too_deep) == [
        ("$.contents[0].schema.fields[0].schema.fields[0].schema", "schema-depth")
    ]


def test_a_property_may_use_geospatial_and_arrays_in_v3() -> None:
    model = parse_interface(interface(prop(schema="polygon"), version=3))
    assert isinstance(model.contents[0], Property)
    assert model.contents[0].schema == PrimitiveSchema(name="polygon")
