"""DTDL "Limits and exclusions" that need a whole Interface: contents counts, extends depth
and breadth (DTDL v2 and v3 specifications; v3 replaced most per-set limits by totals).
"""

from __future__ import annotations

from fleethub.hub.models.dtdl.elements import Command, Component, Content, Interface, Relationship
from fleethub.hub.models.dtdl.reader import ElementReader
from fleethub.hub.models.dtdl.schema import ArraySchema, EnumSchema, MapSchema, ObjectSchema, Schema

V2_MAX_CONTENTS = 300
V2_MAX_EXTENDS = 2
V3_MAX_EXTENDS_TOTAL = 1024
MAX_EXTENDS_DEPTH = 10
V3_MAX_ELEMENTS = 100_000


def check_limits(reader: ElementReader, interface: Interface) -> None:
    """Report the Interface-wide limits `interface` (parsed from `reader`) exceeds."""
    problems = reader.problems
    version = reader.ctx.version
    contents = interface.all_contents()
    if version == 2 and len(contents) > V2_MAX_CONTENTS:
        problems.add(
            reader.at("contents"),
            "contents-too-many",
            f"a DTDL v2 Interface has at most {V2_MAX_CONTENTS} contents, inherited ones included",
        )
    if version >= 3 and count_values(contents) > V3_MAX_ELEMENTS:
        problems.add(
            reader.at("contents"),
            "elements-too-many",
            f"more than {V3_MAX_ELEMENTS} elements under contents, inherited ones included",
        )
    depths = [extends_depth(base) for base in interface.extends]
    # Report only where the limit is first crossed, not again at every derived Interface.
    if depths and max(depths) + 1 > MAX_EXTENDS_DEPTH >= max(depths):
        problems.add(
            reader.at("extends"),
            "extends-depth",
            f"a chain of extends is at most {MAX_EXTENDS_DEPTH} Interfaces long",
        )
    if version >= 3 and len(ancestors(interface)) > V3_MAX_EXTENDS_TOTAL:
        problems.add(
            reader.at("extends"),
            "extends-too-many",
            f"more than {V3_MAX_EXTENDS_TOTAL} Interfaces in the extends tree",
        )


def extends_depth(interface: Interface) -> int:
    """The most `extends` members on any path down from `interface` (0 when it extends none)."""
    return max((1 + extends_depth(base) for base in interface.extends), default=0)


def ancestors(interface: Interface) -> set[str]:
    found: set[str] = set()
    for base in interface.extends:
        found.add(base.id)
        found |= ancestors(base)
    return found


def count_values(contents: tuple[Content, ...]) -> int:
    """Values of the members the v3 100,000-element limit counts, from `contents` down."""
    total = 0
    for content in contents:
        total += 1
        if isinstance(content, Command):
            for payload in (content.request, content.response):
                total += 0 if payload is None else 1 + schema_values(payload.schema)
        elif isinstance(content, Relationship):
            total += count_values(content.properties)
        elif not isinstance(content, Component):
            total += schema_values(content.schema)
    return total


def schema_values(schema: Schema) -> int:
    if isinstance(schema, ArraySchema):
        return 1 + schema_values(schema.element_schema)
    if isinstance(schema, MapSchema):
        return 2 + schema_values(schema.value.schema)
    if isinstance(schema, ObjectSchema):
        return 1 + sum(1 + schema_values(field.schema) for field in schema.fields)
    if isinstance(schema, EnumSchema):
        return 1 + len(schema.values)
    return 1
