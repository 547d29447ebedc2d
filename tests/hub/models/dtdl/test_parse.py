"""Interface and content rules (DTDL v2/v3 specifications, "DTDL element" to "Telemetry").

Every case states the exact (path, rule) list `parse` must report, so no error goes missing
and none appears that the rule does not explain.
"""

from __future__ import annotations

from typing import Any

import pytest

from fleethub.hub.models.dtdl import (
    Command,
    Component,
    DtdlValidationError,
    Property,
    Relationship,
    Telemetry,
    parse,
    parse_interface,
)
from tests.hub.models.dtdl.documents import JSON, errors, interface, prop, telemetry

CASES: list[Any] = [
    pytest.param("not a model", [("$", "document-root")], id="root-string"),
    pytest.param([], [("$", "document-root")], id="root-empty-array"),
    pytest.param([interface(), 3], [("$[1]", "document-root")], id="root-array-of-non-objects"),
    pytest.param(
        {"@id": "dtmi:a:b;1", "@type": "Interface"},
        [("$", "context-dtdl-missing")],
        id="top-level-without-context",
    ),
    pytest.param(
        interface(**{"@type": "Telemetry", "name": "t", "schema": "double"}),
        [("$['@type']", "type-mismatch")],
        id="top-level-must-be-an-interface",
    ),
    pytest.param(
        {"@context": "dtmi:dtdl:context;2", "@type": "Interface"},
        [("$", "member-required")],
        id="interface-needs-an-id",
    ),
    pytest.param(
        interface(**{"@id": "dtmi:a:b"}),
        [("$['@id']", "dtmi-version-required")],
        id="interface-id-needs-a-version-in-v2",
    ),
    pytest.param(interface(color="blue"), [("$.color", "member-unknown")], id="unknown-member"),
    pytest.param(interface(**{"@graph": []}), [("$['@graph']", "keyword-invalid")], id="graph"),
    pytest.param(interface(**{"@foo": 1}), [], id="other-keyword-tolerated-in-v2"),
    pytest.param(
        interface(version=3, **{"@foo": 1}),
        [("$['@foo']", "keyword-invalid")],
        id="other-keyword-forbidden-in-v3",
    ),
    pytest.param(
        interface(telemetry(name="temp-1")),
        [("$.contents[0].name", "name-pattern")],
        id="name-pattern",
    ),
    pytest.param(
        interface(telemetry(name="temp_")),
        [("$.contents[0].name", "name-pattern")],
        id="name-cannot-end-with-underscore",
    ),
    pytest.param(
        interface(telemetry(name="t" * 65)),
        [("$.contents[0].name", "name-too-long")],
        id="name-over-64",
    ),
    pytest.param(
        interface(telemetry(name="a"), prop(name="a")),
        [("$.contents[1]", "name-duplicate")],
        id="names-unique-in-contents",
    ),
    pytest.param(
        interface({"@type": "Telemetry", "schema": "double"}),
        [("$.contents[0]", "member-required")],
        id="name-required",
    ),
    pytest.param(
        interface({"@type": "Telemetry", "name": "t"}),
        [("$.contents[0]", "member-required")],
        id="schema-required",
    ),
    pytest.param(
        interface({"@type": "Gadget", "name": "t"}),
        [("$.contents[0]['@type']", "type-mismatch")],
        id="content-kind",
    ),
    pytest.param(
        interface({"name": "t", "schema": "double"}),
        [("$.contents[0]", "member-required")],
        id="content-needs-a-type",
    ),
    pytest.param(
        interface(telemetry(writable=True)),
        [("$.contents[0].writable", "member-unknown")],
        id="writable-only-on-property",
    ),
    pytest.param(
        interface(prop(writable="yes")),
        [("$.contents[0].writable", "boolean-invalid")],
        id="writable-is-boolean",
    ),
    pytest.param(
        interface(displayName="d" * 65),
        [("$.displayName", "text-too-long")],
        id="display-name-over-64",
    ),
    pytest.param(
        interface(description={"en": "ok", "fr": "d" * 513}),
        [("$.description['fr']", "text-too-long")],
        id="description-over-512-in-a-language-map",
    ),
    pytest.param(
        interface(displayName={"english": "x"}),
        [("$.displayName['english']", "language-invalid")],
        id="language-code",
    ),
    pytest.param(
        interface(displayName=[{"@value": "a"}, "b"]),
        [("$.displayName[1]", "language-duplicate")],
        id="two-default-language-values",
    ),
    pytest.param(
        interface(displayName=7),
        [("$.displayName", "localizable-invalid")],
        id="display-name-not-a-string",
    ),
    pytest.param(interface(comment="c" * 513), [("$.comment", "text-too-long")], id="comment"),
    pytest.param(
        interface(**{"dtmi:dtdl:property:displayName;2": "x", "displayName": "y"}),
        [("$.displayName", "member-duplicate")],
        id="term-and-dtmi-spelling-of-one-member",
    ),
    pytest.param(
        interface({"@type": "Command", "name": "reboot", "commandType": "later"}),
        [("$.contents[0].commandType", "command-type-invalid")],
        id="command-type-values",
    ),
    pytest.param(
        interface({"@type": "Command", "name": "go", "request": {"name": "x"}}),
        [("$.contents[0].request", "member-required")],
        id="command-request-needs-a-schema",
    ),
    pytest.param(
        interface(
            {
                "@type": "Command",
                "name": "go",
                "request": {"@type": "CommandRequest", "name": "x", "schema": "date"},
            }
        ),
        [("$.contents[0].request['@type']", "type-mismatch")],
        id="v2-request-is-a-CommandPayload",
    ),
    pytest.param(
        interface(
            {
                "@type": "Command",
                "name": "go",
                "request": [{"name": "x", "schema": "date"}, {"name": "y", "schema": "date"}],
            }
        ),
        [("$.contents[0].request", "value-count")],
        id="at-most-one-request",
    ),
    pytest.param(
        interface(
            {
                "@type": "Relationship",
                "name": "r",
                "minMultiplicity": 1,
                "maxMultiplicity": 501,
                "target": "dtmi:x",
            }
        ),
        [
            ("$.contents[0].target", "target-invalid"),
            ("$.contents[0].minMultiplicity", "multiplicity-invalid"),
            ("$.contents[0].maxMultiplicity", "multiplicity-invalid"),
        ],
        id="relationship-rules-v2",
    ),
    pytest.param(
        interface({"@type": "Relationship", "name": "r", "maxMultiplicity": 501}, version=3),
        [],
        id="v3-lifts-the-500-maximum",
    ),
    pytest.param(
        interface(
            {
                "@type": "Relationship",
                "name": "r",
                "properties": [prop(name="p"), prop(name="p"), telemetry(name="t")],
            }
        ),
        [
            ("$.contents[0].properties[1]", "name-duplicate"),
            ("$.contents[0].properties[2]['@type']", "type-mismatch"),
        ],
        id="relationship-properties",
    ),
    pytest.param(
        interface({"@type": "Component", "name": "c", "schema": "dtmi:com:example:Missing;1"}),
        [("$.contents[0].schema", "reference-unresolved")],
        id="component-schema-unresolved",
    ),
    pytest.param(
        interface({"@type": "Component", "name": "c", "schema": "double"}),
        [("$.contents[0].schema", "interface-invalid")],
        id="component-schema-is-an-interface",
    ),
    pytest.param(
        interface(**{"extends": "dtmi:com:example:Base;1"}),
        [("$.extends", "reference-unresolved")],
        id="extends-unresolved",
    ),
    pytest.param(
        interface(contents=[{"@type": "Telemetry", "name": "t", "schema": "double"}, "dtmi:x;1"]),
        [("$.contents[1]", "reference-unsupported")],
        id="contents-by-reference",
    ),
    pytest.param(
        interface(contents=[telemetry(), 5]),
        [("$.contents[1]", "element-invalid")],
        id="contents-hold-objects",
    ),
    pytest.param(
        interface(telemetry(**{"@type": 5})),
        [("$.contents[0]['@type']", "type-invalid")],
        id="type-is-a-string",
    ),
    pytest.param(
        interface(telemetry(name=5)), [("$.contents[0].name", "string-invalid")], id="name-string"
    ),
    pytest.param(
        interface(telemetry(**{"@id": "dtmi:com:example:_hidden;1"})),
        [("$.contents[0]['@id']", "dtmi-system-segment")],
        id="no-system-dtmi-in-models",
    ),
    pytest.param(
        interface(
            extends="dtmi:com:example:Test:point;1",
            schemas=[
                {
                    "@id": "dtmi:com:example:Test:point;1",
                    "@type": "Object",
                    "fields": [{"name": "x", "schema": "double"}],
                }
            ],
        ),
        [("$.extends", "reference-kind")],
        id="extends-an-interface",
    ),
    pytest.param(
        interface(
            {
                "@type": "Relationship",
                "name": "r",
                "properties": [prop(name=f"p{i}") for i in range(301)],
            }
        ),
        [("$.contents[0].properties", "properties-too-many")],
        id="v2-relationship-at-most-300-properties",
    ),
    pytest.param(
        interface(telemetry(**{"@id": "dtmi:com:example:Test;1"})),
        [("$.contents[0]['@id']", "id-duplicate")],
        id="ids-unique-in-the-model",
    ),
]


@pytest.mark.parametrize(("document", "expected"), CASES)
def test_rule(document: Any, expected: list[tuple[str, str]]) -> None:
    assert errors(document) == expected


def test_every_error_is_collected_not_just_the_first() -> None:
    document = interface(telemetry(name="bad name"), prop(schema="decimal"), color="blue")
    with pytest.raises(DtdlValidationError) as raised:
        parse(document)
    assert [(e.path, e.rule) for e in raised.value.errors] == [
        ("$.color", "member-unknown"),
        ("$.contents[0].name", "name-pattern"),
        ("$.contents[1].schema", "schema-invalid"),
    ]
    assert "name-pattern" in str(raised.value)


def test_contents_parse_into_dataclasses() -> None:
    model = parse_interface(
        interface(
            telemetry(name="temp", displayName={"en": "Temp", "it": "Temperatura"}),
            prop(name="mode", schema="string", writable=True),
            {
                "@type": "Command",
                "name": "reboot",
                "commandType": "synchronous",
                "request": {"name": "delay", "schema": "duration"},
            },
            {
                "@type": "Relationship",
                "name": "feeds",
                "target": "dtmi:com:example:Pump;1",
                "maxMultiplicity": 3,
                "properties": [prop(name="since", schema="dateTime")],
            },
            description="A test",
            comment="for the tests",
        )
    )
    temp, mode, reboot, feeds = model.contents
    assert isinstance(temp, Telemetry)
    assert temp.display_name == {"en": "Temp", "it": "Temperatura"}
    assert isinstance(mode, Property)
    assert mode.writable
    assert isinstance(reboot, Command)
    assert reboot.command_type == "synchronous"
    assert reboot.request is not None
    assert reboot.request.name == "delay"
    assert isinstance(feeds, Relationship)
    assert feeds.target == "dtmi:com:example:Pump;1"
    assert feeds.properties[0].name == "since"
    assert (model.version, model.description, model.comment) == (
        2,
        {"en": "A test"},
        "for the tests",
    )


def test_members_and_types_may_be_spelled_as_dtmis() -> None:
    model = parse_interface(
        {
            "@context": "dtmi:dtdl:context;2",
            "@id": "dtmi:com:example:Test;1",
            "@type": "dtmi:dtdl:class:Interface;2",
            "dtmi:dtdl:property:contents;2": [
                {
                    "@type": "dtmi:dtdl:class:Telemetry;2",
                    "dtmi:dtdl:property:name;2": "t",
                    "dtmi:dtdl:property:schema;2": "dtmi:dtdl:instance:Schema:double;2",
                }
            ],
        }
    )
    assert model.contents[0].name == "t"


def test_representational_literals_and_single_item_arrays_are_accepted() -> None:
    model = parse_interface(
        interface(
            prop(
                name=[{"@value": "p", "@type": "xsd:string"}],
                schema=["long"],
                writable={"@value": True},
            )
        )
    )
    assert isinstance(model.contents[0], Property)
    assert model.contents[0].writable


def _base(**members: Any) -> JSON:
    return interface(telemetry(name="base"), **{"@id": "dtmi:com:example:Base;1", **members})


def test_extends_by_reference_and_inline_inherits_contents() -> None:
    derived = interface(
        telemetry(name="own"),
        extends=[
            "dtmi:com:example:Base;1",
            {
                "@type": "Interface",
                "@id": "dtmi:com:example:Inline;1",
                "contents": [prop(name="p")],
            },
        ],
    )
    model = parse([derived, _base()])
    names = [content.name for content in model.root.all_contents()]
    assert names == ["base", "p", "own"]
    assert set(model.interfaces) == {
        "dtmi:com:example:Test;1",
        "dtmi:com:example:Base;1",
        "dtmi:com:example:Inline;1",
    }


def test_an_inherited_name_cannot_be_redefined() -> None:
    derived = interface(telemetry(name="base"), extends="dtmi:com:example:Base;1")
    assert errors([derived, _base()]) == [("$[0].contents[0]", "name-duplicate")]


def test_extends_cannot_loop() -> None:
    derived = interface(extends="dtmi:com:example:Base;1")
    assert errors([derived, _base(extends="dtmi:com:example:Test;1")]) == [
        ("$[1].extends", "reference-cycle")
    ]


def test_a_v2_interface_extends_at_most_two() -> None:
    bases = [_base(**{"@id": f"dtmi:com:example:B{i};1"}, contents=[]) for i in range(3)]
    derived = interface(extends=[base["@id"] for base in bases])
    assert errors([derived, *bases]) == [("$[0].extends", "extends-too-many")]
    derived["@context"] = "dtmi:dtdl:context;3"
    for base in bases:
        base["@context"] = "dtmi:dtdl:context;3"
    assert errors([derived, *bases]) == []


def _chain(length: int) -> list[JSON]:
    """Interfaces I0 extends I1 extends ... I<length>."""
    chain = []
    for index in range(length + 1):
        members: dict[str, Any] = {"@id": f"dtmi:com:example:I{index};1"}
        if index < length:
            members["extends"] = f"dtmi:com:example:I{index + 1};1"
        chain.append(interface(**members))
    return chain


def test_extends_chains_are_at_most_ten_deep() -> None:
    assert errors(_chain(10)) == []
    assert errors(_chain(11)) == [("$[0].extends", "extends-depth")]


def test_a_component_interface_cannot_contain_components() -> None:
    inner = interface(
        {"@type": "Component", "name": "deeper", "schema": "dtmi:com:example:Leaf;1"},
        **{"@id": "dtmi:com:example:Middle;1"},
    )
    leaf = interface(**{"@id": "dtmi:com:example:Leaf;1"})
    outer = interface(
        {"@type": "Component", "name": "middle", "schema": "dtmi:com:example:Middle;1"}
    )
    assert errors([outer, inner, leaf]) == [("$[0].contents[0].schema", "component-nested")]


def test_a_component_may_define_its_interface_inline() -> None:
    model = parse_interface(
        interface(
            {
                "@type": "Component",
                "name": "sub",
                "schema": {
                    "@type": "Interface",
                    "@id": "dtmi:com:example:Sub;1",
                    "contents": [telemetry()],
                },
            }
        )
    )
    component = model.contents[0]
    assert isinstance(component, Component)
    assert component.schema.id == "dtmi:com:example:Sub;1"


def test_a_component_cannot_contain_itself() -> None:
    document = interface({"@type": "Component", "name": "me", "schema": "dtmi:com:example:Test;1"})
    assert errors(document) == [("$.contents[0].schema", "reference-cycle")]


def test_v2_interfaces_hold_at_most_300_contents() -> None:
    assert errors(interface(*(telemetry(name=f"t{i}") for i in range(300)))) == []
    too_many = interface(*(telemetry(name=f"t{i}") for i in range(301)))
    assert errors(too_many) == [("$.contents", "contents-too-many")]
    too_many["@context"] = "dtmi:dtdl:context;3"
    assert errors(too_many) == []


def test_v3_interfaces_hold_at_most_100000_elements() -> None:
    fields = [{"name": f"f{i}", "schema": "double"} for i in range(50_000)]
    document = interface(
        telemetry(name="a", schema={"@type": "Object", "fields": fields}), version=3
    )
    assert errors(document) == [("$.contents", "elements-too-many")]
