"""Semantic types, units, co-types and @context (DTDL v2 "Semantic types" and "Context";
v3 QuantitativeTypes extension)."""

from __future__ import annotations

from typing import Any

import pytest

from fleethub.hub.models.dtdl import (
    Component,
    Field,
    ObjectSchema,
    Telemetry,
    parse,
    parse_interface,
)
from tests.hub.models.dtdl.documents import JSON, errors, interface, prop, telemetry

QT = "dtmi:dtdl:extension:quantitativeTypes;1"


def _temperature(**members: Any) -> JSON:
    return telemetry(**{"@type": ["Telemetry", "Temperature"], "unit": "degreeCelsius", **members})


def test_a_semantic_type_and_its_unit_are_kept() -> None:
    model = parse_interface(interface(_temperature(name="temp")))
    temp = model.contents[0]
    assert isinstance(temp, Telemetry)
    assert (temp.semantic_type, temp.unit, temp.types) == (
        "Temperature",
        "degreeCelsius",
        ("Temperature",),
    )


@pytest.mark.parametrize(
    ("semantic", "unit"),
    [
        ("Temperature", "degreeFahrenheit"),
        ("Temperature", "kelvin"),
        ("RelativeHumidity", "percent"),
        ("Humidity", "gramPerCubicMetre"),
        ("Pressure", "kilopascal"),
        ("Power", "watt"),
        ("Energy", "kilowattHour"),
        ("TimeSpan", "second"),
        ("dtmi:standard:class:Temperature;2", "dtmi:standard:unit:kelvin;2"),
    ],
)
def test_v2_semantic_types_take_the_units_of_their_row(semantic: str, unit: str) -> None:
    document = interface(prop(**{"@type": ["Property", semantic], "unit": unit}))
    assert errors(document) == []


CASES: list[Any] = [
    pytest.param(_temperature(unit=None) | {"unit": "percent"},
                 [("$.contents[0].unit", "unit-mismatch")], id="unit-of-another-row"),
    pytest.param(_temperature(unit="degreesCelsius"), [("$.contents[0].unit", "unit-invalid")],
                 id="unknown-unit"),
    pytest.param({k: v for k, v in _temperature().items() if k != "unit"},
                 [("$.contents[0]", "unit-required")], id="unit-required"),
    pytest.param(_temperature(schema="string"), [("$.contents[0].schema", "semantic-schema")],
                 id="semantic-needs-a-number"),
    pytest.param(_temperature(**{"@type": ["Telemetry", "Temperature", "Pressure"]}),
                 [("$.contents[0]['@type'][2]", "cotype-multiple-semantic")],
                 id="one-semantic-type"),
    pytest.param(_temperature(**{"@type": ["Telemetry", "Temprature"]}),
                 [("$.contents[0]['@type'][1]", "cotype-unknown")], id="typo-in-semantic-type"),
    pytest.param(telemetry(**{"@type": ["Telemetry", "Property"]}),
                 [("$.contents[0]['@type']", "type-mismatch")], id="two-content-classes"),
    pytest.param({"@type": ["Command", "Temperature"], "name": "c"},
                 [("$.contents[0]['@type'][1]", "cotype-invalid")], id="no-semantic-command"),
    pytest.param(telemetry(unit="degreeCelsius"), [], id="v2-unit-without-semantic-type"),
    pytest.param(telemetry(**{"@type": ["Telemetry", "Cloud"]}),
                 [("$.contents[0]['@type'][1]", "cotype-requires-extension")],
                 id="central-type-needs-its-context"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "expected"), CASES)
def test_rule(content: JSON, expected: list[tuple[str, str]]) -> None:
    assert errors(interface(content)) == expected


def test_undefined_cotypes_can_be_allowed_as_the_v2_spec_does() -> None:
    """Spec: an undefined term makes the element "informally co-typed", so extra members pass."""
    content = telemetry(**{"@type": ["Telemetry", "Flavor"], "sweetness": 3})
    assert errors(interface(content)) == [
        ("$.contents[0]['@type'][1]", "cotype-unknown"),
        ("$.contents[0].sweetness", "member-unknown"),
    ]
    assert errors(interface(content), allow_undefined_cotypes=True) == []


def test_v3_semantic_types_need_the_quantitative_types_context() -> None:
    assert errors(interface(_temperature(), version=3)) == [
        ("$.contents[0]['@type'][1]", "cotype-requires-extension"),
        ("$.contents[0].unit", "member-unknown"),
    ]
    document = interface(_temperature(), version=3)
    document["@context"] = ["dtmi:dtdl:context;3", QT]
    assert errors(document) == []


def test_v3_quantitative_types_apply_to_fields_with_their_own_table() -> None:
    field = {
        "@type": ["Field", "Concentration"],
        "name": "co2",
        "schema": "double",
        "unit": "partsPerMillion",
    }
    document = interface(telemetry(schema={"@type": "Object", "fields": [field]}), version=3)
    document["@context"] = ["dtmi:dtdl:context;3", QT]
    content = parse_interface(document).contents[0]
    assert isinstance(content, Telemetry)
    schema = content.schema
    assert isinstance(schema, ObjectSchema)
    assert schema.fields[0] == Field(
        name="co2",
        schema=schema.fields[0].schema,
        semantic_type="Concentration",
        unit="partsPerMillion",
    )


def test_v2_fields_cannot_carry_semantic_types() -> None:
    field = {"@type": ["Field", "Temperature"], "name": "t", "schema": "double"}
    document = interface(telemetry(schema={"@type": "Object", "fields": [field]}))
    assert errors(document) == [("$.contents[0].schema.fields[0]['@type'][1]", "cotype-invalid")]


CONTEXTS: list[Any] = [
    pytest.param("dtmi:dtdl:context;3", [], id="v3"),
    pytest.param(["dtmi:dtdl:context;2", "dtmi:iotcentral:context;2"], [], id="v2-central"),
    pytest.param(["dtmi:iotcentral:context;2", "dtmi:dtdl:context;2"], [],
                 id="v2-allows-central-first"),
    pytest.param(["dtmi:iotcentral:context;2", "dtmi:dtdl:context;3"],
                 [("$['@context'][1]", "context-order")], id="v3-dtdl-first"),
    pytest.param([QT, "dtmi:dtdl:context;3"], [("$['@context'][1]", "context-order")],
                 id="dtdl-first-always"),
    pytest.param("dtmi:dtdl:context;4", [("$['@context']", "context-version")], id="v4"),
    pytest.param(["dtmi:dtdl:context;2", QT], [("$['@context']", "context-extension")],
                 id="quantitative-types-are-v3-only"),
    pytest.param(["dtmi:dtdl:context;3", "dtmi:dtdl:extension:historization;1"],
                 [("$['@context'][1]", "context-extension")], id="unsupported-extension"),
    pytest.param(["dtmi:dtdl:context;3", "dtmi:ex:foo"],
                 [("$['@context'][1]", "context-dtmi")], id="context-needs-a-version"),
    pytest.param(["dtmi:iotcentral:context;2"], [("$['@context']", "context-dtdl-missing")],
                 id="no-dtdl-context"),
    pytest.param(7, [("$['@context']", "context-invalid")], id="not-a-string"),
]  # fmt: skip


@pytest.mark.parametrize(("context", "expected"), CONTEXTS)
def test_context(context: Any, expected: list[tuple[str, str]]) -> None:
    assert errors(interface(**{"@context": context})) == expected


def test_the_context_decides_the_version() -> None:
    model = parse([interface(), interface(version=3, **{"@id": "dtmi:com:example:Three;1"})])
    assert [root.version for root in model.roots] == [2, 3]


def test_a_nested_context_switches_version_for_its_element() -> None:
    """DTDL v3 may hold a v2 Interface inline; v2 rules then apply inside it."""
    inner = interface(prop(schema="point"), **{"@id": "dtmi:com:example:Inner;1"})
    outer = interface({"@type": "Component", "name": "old", "schema": inner}, version=3)
    assert errors(outer) == [("$.contents[0].schema.contents[0].schema", "property-geospatial")]
    model = parse_interface(
        interface(
            {"@type": "Component", "name": "old", "schema": interface(**{"@id": "dtmi:a:b;1"})},
            version=3,
        )
    )
    component = model.contents[0]
    assert isinstance(component, Component)
    assert component.schema.version == 2
