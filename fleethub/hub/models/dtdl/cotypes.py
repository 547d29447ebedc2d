"""Co-types beside an element's class: semantic types and their `unit`, IoT Central types,
undefined terms (DTDL v2 "Semantic types"; v3 QuantitativeTypes extension; IoT Central).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fleethub.hub.models.dtdl.central import CENTRAL_TYPES, central_kinds
from fleethub.hub.models.dtdl.context import QUANTITATIVE_TYPES
from fleethub.hub.models.dtdl.literals import read_string
from fleethub.hub.models.dtdl.reader import MISSING, ElementReader
from fleethub.hub.models.dtdl.schema import PrimitiveSchema, Schema
from fleethub.hub.models.dtdl.units import VECTOR_UNITS, all_units, semantic_table
from fleethub.hub.models.dtdl.vocabulary import CLASS_TERMS, NUMERIC, term

# v2 puts semantic types on Telemetry and Property; v3 (with QuantitativeTypes) also on
# CommandRequest, CommandResponse, Field and MapValue.
_SEMANTIC_KINDS = {
    2: frozenset({"Telemetry", "Property"}),
    3: frozenset(
        {"Telemetry", "Property", "CommandRequest", "CommandResponse", "Field", "MapValue"}
    ),
}


@dataclass
class CoTypes:
    """What the co-types of one element say; `names` keeps them in document order."""

    names: list[str] = field(default_factory=list)
    semantic: str | None = None
    central: set[str] = field(default_factory=set)

    def unit_allowed(self, reader: ElementReader, kind: str) -> bool:
        """Whether `unit` is a member of this element (v2: always on Telemetry/Property)."""
        if self.semantic is not None or self.central & VECTOR_UNITS.keys():
            return True
        return reader.ctx.version == 2 and kind in _SEMANTIC_KINDS[2]


def read_cotypes(
    reader: ElementReader, types: list[tuple[str, str]], kind: str, *, allow_undefined: bool
) -> CoTypes:
    """Sort the co-types (every `@type` value but `kind`) and report the misplaced ones."""
    found = CoTypes()
    ctx = reader.ctx
    table = semantic_table(ctx.version)
    for name, where in types:
        if name == kind:
            continue
        found.names.append(name)
        if name in CLASS_TERMS:
            reader.problems.add(where, "cotype-invalid", f"{name!r} cannot co-type a {kind}")
        elif name in table:
            _semantic(reader, found, name, where, kind)
        elif name in CENTRAL_TYPES:
            if not ctx.central:
                reader.problems.add(
                    where,
                    "cotype-requires-extension",
                    f"{name!r} is an IoT Central type; add 'dtmi:iotcentral:context;2' to @context",
                )
            elif kind not in central_kinds(name):
                reader.problems.add(where, "cotype-invalid", f"{name!r} cannot co-type a {kind}")
            else:
                found.central.add(name)
        elif allow_undefined:
            reader.informal = True  # the spec's "informally co-typed": extra members allowed
        else:
            reader.problems.add(
                where,
                "cotype-unknown",
                f"{name!r} is not a semantic type or a type of any supported extension",
            )
    return found


def _semantic(reader: ElementReader, found: CoTypes, name: str, where: str, kind: str) -> None:
    ctx = reader.ctx
    if ctx.version >= 3 and not ctx.quantitative:
        reader.problems.add(
            where,
            "cotype-requires-extension",
            f"semantic type {name!r} needs "
            f"the QuantitativeTypes context {QUANTITATIVE_TYPES!r} in DTDL v3",
        )
    elif kind not in _SEMANTIC_KINDS[min(ctx.version, 3)]:
        reader.problems.add(
            where, "cotype-invalid", f"semantic type {name!r} cannot co-type a {kind}"
        )
    elif found.semantic is not None:
        reader.problems.add(
            where,
            "cotype-multiple-semantic",
            f"{name!r}: an element has at most one semantic type (already {found.semantic!r})",
        )
    else:
        found.semantic = name


def read_unit(reader: ElementReader, found: CoTypes) -> str | None:
    """Check `unit` against the semantic type's row of the units table."""
    value = reader.get("unit")
    version = reader.ctx.version
    if value is MISSING:
        if found.semantic is not None:
            reader.problems.add(
                reader.path, "unit-required", f"semantic type {found.semantic!r} requires a 'unit'"
            )
        return None
    where = reader.at("unit")
    unit = read_string(value, where, reader.problems, required=True)
    if unit is None:
        return None
    unit = term(unit, version)
    if found.semantic is not None:
        allowed = semantic_table(version)[found.semantic]
    else:
        vector = found.central & VECTOR_UNITS.keys()
        allowed = VECTOR_UNITS[next(iter(vector))] if vector else tuple(all_units(version))
    if unit in allowed:
        return unit
    if unit in all_units(version):
        reader.problems.add(
            where,
            "unit-mismatch",
            f"unit {unit!r} does not measure {found.semantic or sorted(found.central)[0]}",
        )
    else:
        reader.problems.add(where, "unit-invalid", f"{unit!r} is not a DTDL unit")
    return None


def check_semantic_schema(reader: ElementReader, found: CoTypes, schema: Schema | None) -> None:
    """A semantic type gives a number a meaning, so the schema must be numeric."""
    if found.semantic is None or schema is None:
        return
    if not (isinstance(schema, PrimitiveSchema) and schema.name in NUMERIC):
        reader.problems.add(
            reader.at("schema"),
            "semantic-schema",
            f"semantic type {found.semantic!r} requires schema double, float, integer or long",
        )
