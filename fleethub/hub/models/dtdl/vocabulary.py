"""DTDL terms: element classes, their members, and each term's DTMI spelling (DTDL v2/v3
specifications, "DTDL element" and "Reserved strings").
"""

from __future__ import annotations

from typing import Literal

from fleethub.hub.models.dtdl.units import SEMANTIC_V2, UNITS_V2

KEYWORDS = frozenset({"@context", "@id", "@type"})
ENTITY = frozenset({"comment", "description", "displayName"})

CONTENT_CLASSES = ("Telemetry", "Property", "Command", "Component", "Relationship")
COMPLEX_SCHEMAS = ("Array", "Enum", "Map", "Object")
PAYLOAD_CLASSES = {2: ("CommandPayload",), 3: ("CommandRequest", "CommandResponse")}

# Members each class may have beyond @context/@id/@type; "unit" is added where semantic
# types apply (see units.py) and IoT Central members where its context is active.
MEMBERS: dict[str, frozenset[str]] = {
    "Interface": ENTITY | {"contents", "extends", "schemas"},
    "Telemetry": ENTITY | {"name", "schema"},
    "Property": ENTITY | {"name", "schema", "writable"},
    "Command": ENTITY | {"name", "request", "response", "commandType"},
    "CommandPayload": ENTITY | {"name", "schema"},
    "CommandRequest": ENTITY | {"name", "schema"},
    "CommandResponse": ENTITY | {"name", "schema"},
    "Component": ENTITY | {"name", "schema"},
    "Relationship": ENTITY
    | {"name", "target", "minMultiplicity", "maxMultiplicity", "properties", "writable"},
    "Array": ENTITY | {"elementSchema"},
    "Enum": ENTITY | {"enumValues", "valueSchema"},
    "EnumValue": ENTITY | {"name", "enumValue"},
    "Map": ENTITY | {"mapKey", "mapValue"},
    "MapKey": ENTITY | {"name", "schema"},
    "MapValue": ENTITY | {"name", "schema"},
    "Object": ENTITY | {"fields"},
    "Field": ENTITY | {"name", "schema"},
}
# Every class and member term the core language defines; a co-type that is one of these is
# never an "undefined term" but a misuse of a reserved word.
CLASS_TERMS = frozenset(MEMBERS) | {
    "Entity",
    "NamedEntity",
    "Content",
    "Schema",
    "ComplexSchema",
    "PrimitiveSchema",
    "SchemaField",
    "SemanticType",
    "SemanticUnit",
    "Unit",
    "UnitAttribute",
    "CommandType",
}
MEMBER_TERMS = frozenset().union(*MEMBERS.values()) | {"unit"}

PRIMITIVES = (
    "boolean",
    "date",
    "dateTime",
    "double",
    "duration",
    "float",
    "integer",
    "long",
    "string",
    "time",
)
NUMERIC = frozenset({"double", "float", "integer", "long"})
GEOSPATIAL = (
    "lineString",
    "multiLineString",
    "multiPoint",
    "multiPolygon",
    "point",
    "polygon",
)
COMMAND_TYPES: dict[str, Literal["synchronous", "asynchronous"]] = {
    "synchronous": "synchronous",
    "asynchronous": "asynchronous",
}


def _aliases() -> dict[int, dict[str, str]]:
    table: dict[int, dict[str, str]] = {}
    for version in (2, 3):
        aliases = {f"dtmi:dtdl:property:{term};{version}": term for term in MEMBER_TERMS}
        aliases.update({f"dtmi:dtdl:class:{term};{version}": term for term in CLASS_TERMS})
        aliases.update({f"dtmi:dtdl:instance:Schema:{term};{version}": term for term in PRIMITIVES})
        aliases.update(
            {f"dtmi:standard:schema:geospatial:{term};{version}": term for term in GEOSPATIAL}
        )
        aliases.update(
            {f"dtmi:dtdl:instance:CommandType:{term};{version}": term for term in COMMAND_TYPES}
        )
        table[version] = aliases
    # Only v2 spells semantic types and units as DTMIs in the core language.
    table[2].update({f"dtmi:standard:class:{name};2": name for name in SEMANTIC_V2})
    table[2].update({f"dtmi:standard:unit:{name};2": name for name in UNITS_V2})
    return table


_ALIASES = _aliases()


def term(value: str, version: int) -> str:
    """The term for a DTMI spelling of a core term: `term("dtmi:dtdl:class:Enum;3", 3)` → "Enum".

    A string that is not such a spelling is returned unchanged.
    """
    if value.startswith("dtmi:"):
        return _ALIASES[version].get(value, value)
    return value
