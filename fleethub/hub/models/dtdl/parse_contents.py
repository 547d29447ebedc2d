"""Parsing an Interface's contents: Telemetry, Property, Command (with its request/response),
Component and Relationship (DTDL v2/v3 specifications, one section per class).
"""

from __future__ import annotations

from typing import Protocol

from fleethub.hub.models.dtdl.central import CENTRAL_MEMBERS, read_facets
from fleethub.hub.models.dtdl.context import Context
from fleethub.hub.models.dtdl.cotypes import check_semantic_schema, read_cotypes, read_unit
from fleethub.hub.models.dtdl.dtmi import model_dtmi_problem
from fleethub.hub.models.dtdl.elements import (
    Command,
    CommandPayload,
    Component,
    Content,
    Interface,
    Property,
    Relationship,
    Telemetry,
)
from fleethub.hub.models.dtdl.errors import Problems
from fleethub.hub.models.dtdl.literals import one, read_bool, read_int
from fleethub.hub.models.dtdl.parse_schema import SchemaScope, Site, optional_type, parse_schema
from fleethub.hub.models.dtdl.reader import ElementReader, element_list
from fleethub.hub.models.dtdl.vocabulary import (
    COMMAND_TYPES,
    CONTENT_CLASSES,
    MEMBERS,
    PAYLOAD_CLASSES,
    term,
)

V2_MAX_RELATIONSHIP_PROPERTIES = 300
V2_MAX_MULTIPLICITY = 500


class ContentScope(SchemaScope, Protocol):
    """What content parsing needs from the parse session beyond schemas."""

    def interface_value(self, value: object, path: str, ctx: Context) -> Interface | None:
        """A Component's schema: an inline Interface or the DTMI of one in the model."""


def parse_content(
    raw: dict[str, object],
    path: str,
    ctx: Context,
    problems: Problems,
    scope: ContentScope,
    *,
    only: str | None = None,
) -> Content | None:
    """One element of `contents` (or, with `only="Property"`, of a Relationship's properties)."""
    reader = ElementReader(raw, path, ctx, problems)
    types = reader.types(required=True, kind="a content element")
    classes = (only,) if only else CONTENT_CLASSES
    kinds = [name for name, _ in types if name in classes]
    if len(kinds) != 1:
        if types:
            wanted = only or "one of " + ", ".join(CONTENT_CLASSES)
            problems.add(reader.at("@type"), "type-mismatch", f"@type must include {wanted}")
        return None
    kind = kinds[0]
    if kind in ("Telemetry", "Property"):
        return _datum(reader, types, kind, scope)
    if kind == "Command":
        return _command(reader, types, scope)
    if kind == "Component":
        return _component(reader, types, scope)
    return _relationship(reader, types, scope)


def _datum(
    reader: ElementReader, types: list[tuple[str, str]], kind: str, scope: ContentScope
) -> Telemetry | Property | None:
    ctx = reader.ctx
    cotypes = read_cotypes(reader, types, kind, allow_undefined=scope.allow_undefined)
    entity = reader.entity()
    entity["id"] = reader.read_id(interface=False, required=False)
    allowed = MEMBERS[kind] | ({"unit"} if cotypes.unit_allowed(reader, kind) else set())
    allowed |= CENTRAL_MEMBERS if ctx.central else set()
    reader.reject_unknown(allowed, kind)
    name = reader.name(kind)
    unit = read_unit(reader, cotypes) if "unit" in allowed else None
    schema = None
    if reader.require("schema", kind):
        site = Site(property_v2=kind == "Property" and ctx.version == 2)
        schema = parse_schema(
            reader.get("schema"), reader.at("schema"), ctx, reader.problems, scope, site
        )
    check_semantic_schema(reader, cotypes, schema)
    central = read_facets(reader, cotypes.central, schema) if ctx.central else None
    writable = False
    if kind == "Property" and reader.has("writable"):
        writable = bool(read_bool(reader.get("writable"), reader.at("writable"), reader.problems))
    if name is None or schema is None:
        return None
    if kind == "Telemetry":
        return Telemetry(
            name=name,
            schema=schema,
            types=tuple(cotypes.names),
            semantic_type=cotypes.semantic,
            unit=unit,
            central=central,
            **entity,
        )
    return Property(
        name=name,
        schema=schema,
        writable=writable,
        types=tuple(cotypes.names),
        semantic_type=cotypes.semantic,
        unit=unit,
        central=central,
        **entity,
    )


def _command(
    reader: ElementReader, types: list[tuple[str, str]], scope: ContentScope
) -> Command | None:
    read_cotypes(reader, types, "Command", allow_undefined=scope.allow_undefined)
    entity = reader.entity()
    entity["id"] = reader.read_id(interface=False, required=False)
    reader.reject_unknown(MEMBERS["Command"], "Command")
    problems = reader.problems
    name = reader.name("Command")
    command_type = None
    if reader.has("commandType"):
        # Deprecated in both versions, but still valid: either value means the same thing.
        raw, where = one(
            reader.get("commandType"), reader.at("commandType"), problems, required=False
        )
        value = term(raw, reader.ctx.version) if isinstance(raw, str) else raw
        if isinstance(value, str) and value in COMMAND_TYPES:
            command_type = COMMAND_TYPES[value]
        elif raw is not None:
            problems.add(
                where, "command-type-invalid", "commandType is 'synchronous' or 'asynchronous'"
            )
    payloads: dict[str, CommandPayload | None] = {}
    ok = True
    for index, member in enumerate(("request", "response")):
        payloads[member] = None
        if reader.has(member):
            payloads[member] = _payload(reader, member, index, scope)
            ok = ok and payloads[member] is not None
    if name is None or not ok:
        return None
    return Command(
        name=name,
        request=payloads["request"],
        response=payloads["response"],
        command_type=command_type,
        **entity,
    )


def _payload(
    parent: ElementReader, member: str, index: int, scope: ContentScope
) -> CommandPayload | None:
    """A Command's request or response: CommandPayload in v2, CommandRequest/Response in v3."""
    problems = parent.problems
    value = parent.get(member)
    found = element_list(value, parent.at(member), problems, what=f"a {member}")
    if isinstance(value, list) and len(value) > 1:
        problems.add(parent.at(member), "value-count", f"a Command has at most one {member}")
    if len(found) != 1:
        return None
    reader = ElementReader(found[0][0], found[0][1], parent.ctx, problems)
    classes = PAYLOAD_CLASSES[min(reader.ctx.version, 3)]
    kind = classes[min(index, len(classes) - 1)]
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
            reader.get("schema"), reader.at("schema"), reader.ctx, problems, scope, Site()
        )
    check_semantic_schema(reader, cotypes, schema)
    if name is None or schema is None:
        return None
    return CommandPayload(
        name=name, schema=schema, semantic_type=cotypes.semantic, unit=unit, **entity
    )


def _component(
    reader: ElementReader, types: list[tuple[str, str]], scope: ContentScope
) -> Component | None:
    read_cotypes(reader, types, "Component", allow_undefined=scope.allow_undefined)
    entity = reader.entity()
    entity["id"] = reader.read_id(interface=False, required=False)
    reader.reject_unknown(MEMBERS["Component"], "Component")
    name = reader.name("Component")
    schema = None
    if reader.require("schema", "Component"):
        value, where = one(
            reader.get("schema"), reader.at("schema"), reader.problems, required=True
        )
        schema = scope.interface_value(value, where, reader.ctx) if value is not None else None
        nested = schema and next(
            (c for c in schema.all_contents() if isinstance(c, Component)), None
        )
        if nested:
            # No path of schema/contents may lead from a Component to another Component.
            reader.problems.add(
                where,
                "component-nested",
                f"the Interface of a Component cannot itself contain a Component ({nested.name!r})",
            )
            schema = None
    if name is None or schema is None:
        return None
    return Component(name=name, schema=schema, **entity)


def _relationship(
    reader: ElementReader, types: list[tuple[str, str]], scope: ContentScope
) -> Relationship | None:
    read_cotypes(reader, types, "Relationship", allow_undefined=scope.allow_undefined)
    entity = reader.entity()
    entity["id"] = reader.read_id(interface=False, required=False)
    reader.reject_unknown(MEMBERS["Relationship"], "Relationship")
    problems = reader.problems
    name = reader.name("Relationship")
    target = _target(reader)
    low = _multiplicity(reader, "minMultiplicity")
    high = _multiplicity(reader, "maxMultiplicity")
    writable = reader.has("writable") and bool(
        read_bool(reader.get("writable"), reader.at("writable"), problems)
    )
    properties = _relationship_properties(reader, scope)
    if name is None or properties is None or (reader.has("target") and target is None):
        return None
    return Relationship(
        name=name,
        target=target,
        min_multiplicity=low,
        max_multiplicity=high,
        properties=properties,
        writable=writable,
        **entity,
    )


def _target(reader: ElementReader) -> str | None:
    if not reader.has("target"):
        return None
    value, where = one(reader.get("target"), reader.at("target"), reader.problems, required=False)
    # A target is a non-dependent reference: it must be a DTMI but need not be in the model.
    problem = model_dtmi_problem(value, dtdl_version=reader.ctx.version)
    if problem is not None:
        reader.problems.add(where, "target-invalid", f"target: {problem[1]}")
        return None
    return value if isinstance(value, str) else None


def _multiplicity(reader: ElementReader, name: str) -> int | None:
    if not reader.has(name):
        return None
    value = read_int(reader.get(name), reader.at(name), reader.problems)
    if value is None:
        return None
    if name == "minMultiplicity" and value != 0:
        reader.problems.add(reader.at(name), "multiplicity-invalid", "minMultiplicity must be 0")
    elif name == "maxMultiplicity" and value < 1:
        reader.problems.add(reader.at(name), "multiplicity-invalid", "maxMultiplicity must be ≥ 1")
    elif name == "maxMultiplicity" and reader.ctx.version == 2 and value > V2_MAX_MULTIPLICITY:
        reader.problems.add(
            reader.at(name),
            "multiplicity-invalid",
            f"maxMultiplicity is at most {V2_MAX_MULTIPLICITY} in DTDL v2",
        )
    else:
        return value
    return None


def _relationship_properties(
    reader: ElementReader, scope: ContentScope
) -> tuple[Property, ...] | None:
    if not reader.has("properties"):
        return ()
    items = element_list(
        reader.get("properties"), reader.at("properties"), reader.problems, what="a Property"
    )
    if reader.ctx.version == 2 and len(items) > V2_MAX_RELATIONSHIP_PROPERTIES:
        reader.problems.add(
            reader.at("properties"),
            "properties-too-many",
            f"a DTDL v2 Relationship has at most {V2_MAX_RELATIONSHIP_PROPERTIES} properties",
        )
    found: list[Property] = []
    names: set[str] = set()
    for raw, where in items:
        prop = parse_content(raw, where, reader.ctx, reader.problems, scope, only="Property")
        if isinstance(prop, Property):
            if prop.name in names:
                reader.problems.add(
                    where,
                    "name-duplicate",
                    f"two properties of the Relationship are named {prop.name!r}",
                )
            names.add(prop.name)
            found.append(prop)
    return tuple(found) if len(found) == len(items) == len(names) else None
