"""IoT Central extensions (seed 004; DTDL.iotcentral.v2): the device-template envelope and
the IoT Central co-types, members and schemas allowed under "dtmi:iotcentral:context;2".
"""

from __future__ import annotations

from dataclasses import dataclass

from fleethub.hub.models.dtdl.checkers import compile_schema
from fleethub.hub.models.dtdl.context import check_context
from fleethub.hub.models.dtdl.dtmi import DtmiError, parse_dtmi
from fleethub.hub.models.dtdl.elements import CentralFacets
from fleethub.hub.models.dtdl.errors import Problems, member
from fleethub.hub.models.dtdl.literals import (
    MAX_DESCRIPTION,
    MAX_DISPLAY_NAME,
    LocalizedText,
    json_kind,
    read_bool,
    read_int,
    read_localizable,
)
from fleethub.hub.models.dtdl.reader import MISSING, ElementReader
from fleethub.hub.models.dtdl.schema import EnumSchema, PrimitiveSchema, Schema
from fleethub.hub.models.dtdl.vocabulary import GEOSPATIAL, NUMERIC

_BOTH = frozenset({"Telemetry", "Property"})
_KINDS = {
    "Cloud": frozenset({"Property"}),  # a cloud property is stored by the hub, never by a device
    "Initialized": frozenset({"Property"}),
    "NumberValue": _BOTH,
    "StringValue": _BOTH,
    "BooleanValue": _BOTH,
    # Seed 004: IoT Central answers a dateTime cloud property with this co-type.
    "DateTimeValue": _BOTH,
    "Indexed": _BOTH,
    "State": _BOTH,
    "Event": _BOTH,
    "Location": _BOTH,
    "VelocityVector": _BOTH,
    "AccelerationVector": _BOTH,
}
CENTRAL_TYPES = frozenset(_KINDS)
CENTRAL_SCHEMAS = frozenset({"geopoint", "vector"})
CENTRAL_MEMBERS = frozenset(
    {
        "displayUnit",
        "decimalPlaces",
        "minValue",
        "maxValue",
        "minLength",
        "maxLength",
        "trimWhitespace",
        "trueName",
        "falseName",
        "initialValue",
    }
)
# Seed 004 posts a targetTemperature with decimalPlaces, displayUnit, minValue and maxValue but
# no "NumberValue" co-type, and IoT Central answers with the co-type added: the facets imply it.
_IMPLIED = {
    "NumberValue": ("decimalPlaces", "minValue", "maxValue"),
    "StringValue": ("minLength", "maxLength", "trimWhitespace"),
    "BooleanValue": ("trueName", "falseName"),
    "Initialized": ("initialValue",),
}
# Which schemas each IoT Central co-type accepts (DTDL.iotcentral.v2 and IoT Central's UI).
_SCHEMAS: dict[str, tuple[frozenset[str], str]] = {
    "NumberValue": (NUMERIC, "a numeric schema"),
    "StringValue": (frozenset({"string"}), "schema string"),
    "BooleanValue": (frozenset({"boolean"}), "schema boolean"),
    "DateTimeValue": (frozenset({"dateTime"}), "schema dateTime"),
    "Event": (NUMERIC | {"string"}, "schema double, float, integer, long or string"),
    "Location": (frozenset(GEOSPATIAL) | {"geopoint"}, "a geospatial schema or geopoint"),
    "VelocityVector": (frozenset({"vector"}), "schema vector"),
    "AccelerationVector": (frozenset({"vector"}), "schema vector"),
}
TEMPLATE_TYPES = ("ModelDefinition", "DeviceModel")


def central_kinds(name: str) -> frozenset[str]:
    """The element classes IoT Central co-type `name` may co-type."""
    return _KINDS.get(name, frozenset())


def is_template(document: dict[str, object]) -> bool:
    kinds = document.get("@type")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return "capabilityModel" in document or (
        isinstance(kinds, list) and any(kind in TEMPLATE_TYPES for kind in kinds)
    )


@dataclass(frozen=True)
class Envelope:
    """A device template's own members; `capability_model` is still raw JSON."""

    id: str | None
    display_name: LocalizedText | None
    description: LocalizedText | None
    context: object
    capability_model: dict[str, object] | None


def read_envelope(document: dict[str, object], path: str, problems: Problems) -> Envelope:
    """Check the template members; IoT Central's own fields (e.g. "etag") are ignored."""
    kinds = document.get("@type")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if not isinstance(kinds, list) or not all(kind in kinds for kind in TEMPLATE_TYPES):
        problems.add(
            member(path, "@type"),
            "template-type",
            'a device template\'s @type is ["ModelDefinition", "DeviceModel"]',
        )
    template_id = _template_id(document.get("@id", MISSING), path, problems)
    context = document.get("@context", MISSING)
    if context is not MISSING:
        check_context(context, member(path, "@context"), top_level=True, problems=problems)
    names = {
        key: read_localizable(document[key], member(path, key), problems, limit=limit)
        for key, limit in (("displayName", MAX_DISPLAY_NAME), ("description", MAX_DESCRIPTION))
        if key in document
    }
    model = document.get("capabilityModel")
    if not isinstance(model, dict):
        problems.add(
            member(path, "capabilityModel") if "capabilityModel" in document else path,
            "template-capability-model",
            "a device template needs a capabilityModel object (an Interface)",
        )
        model = None
    return Envelope(
        template_id,
        names.get("displayName"),
        names.get("description"),
        None if context is MISSING else context,
        model,
    )


def _template_id(value: object, path: str, problems: Problems) -> str | None:
    if value is MISSING:
        problems.add(path, "member-required", "a device template requires '@id'")
        return None
    try:
        # IoT Central mints unversioned ids (dtmi:modelDefinition:spzeut3n:n2lteu39u6).
        return parse_dtmi(value, dtdl_version=3).text
    except DtmiError as error:
        problems.add(member(path, "@id"), error.rule, f"@id: {error.message}")
        return None


def read_facets(
    reader: ElementReader, types: set[str], schema: Schema | None
) -> CentralFacets | None:
    """IoT Central members of a Telemetry or Property, checked against its schema."""
    present = [name for name in CENTRAL_MEMBERS if reader.has(name)]
    if not present and not types:
        return None
    types = set(types)
    for implied, members in _IMPLIED.items():
        if any(reader.has(name) for name in members):
            types.add(implied)
    facets = CentralFacets(
        types=frozenset(types),
        display_unit=_text(reader, "displayUnit"),
        decimal_places=_count(reader, "decimalPlaces"),
        min_value=_number(reader, "minValue"),
        max_value=_number(reader, "maxValue"),
        min_length=_count(reader, "minLength"),
        max_length=_count(reader, "maxLength"),
        trim_whitespace=_flag(reader, "trimWhitespace"),
        true_name=_text(reader, "trueName"),
        false_name=_text(reader, "falseName"),
        initial_value=reader.get("initialValue") if reader.has("initialValue") else None,
    )
    _check_order(reader, facets.min_value, facets.max_value, "minValue", "maxValue")
    _check_order(reader, facets.min_length, facets.max_length, "minLength", "maxLength")
    if schema is not None:
        _check_schema(reader, facets, schema)
    if "Initialized" in types and not reader.has("initialValue"):
        reader.problems.add(
            reader.path, "central-initial-value", "an Initialized property requires 'initialValue'"
        )
    return facets


def _text(reader: ElementReader, name: str) -> LocalizedText | None:
    if not reader.has(name):
        return None
    return read_localizable(
        reader.get(name), reader.at(name), reader.problems, limit=MAX_DISPLAY_NAME
    )


def _count(reader: ElementReader, name: str) -> int | None:
    if not reader.has(name):
        return None
    count = read_int(reader.get(name), reader.at(name), reader.problems)
    if count is not None and count < 0:
        reader.problems.add(reader.at(name), "central-count", f"{name} must not be negative")
        return None
    return count


def _number(reader: ElementReader, name: str) -> int | float | None:
    value = reader.get(name)
    if value is MISSING:
        return None
    if type(value) is int or type(value) is float:
        return value
    reader.problems.add(
        reader.at(name), "central-number", f"{name} must be a number, not {json_kind(value)}"
    )
    return None


def _flag(reader: ElementReader, name: str) -> bool | None:
    if not reader.has(name):
        return None
    return read_bool(reader.get(name), reader.at(name), reader.problems)


def _check_order(
    reader: ElementReader, lower: float | None, upper: float | None, low: str, high: str
) -> None:
    if lower is not None and upper is not None and lower > upper:
        reader.problems.add(
            reader.at(high), "central-range", f"{high} {upper} is below {low} {lower}"
        )


def _check_schema(reader: ElementReader, facets: CentralFacets, schema: Schema) -> None:
    name = schema.name if isinstance(schema, PrimitiveSchema) else None
    for kind in sorted(facets.types):
        if kind == "State" and not isinstance(schema, EnumSchema):
            reader.problems.add(reader.at("schema"), "central-schema", "State requires an Enum")
        elif kind in _SCHEMAS and name not in _SCHEMAS[kind][0]:
            reader.problems.add(
                reader.at("schema"), "central-schema", f"{kind} requires {_SCHEMAS[kind][1]}"
            )
    if reader.has("initialValue"):
        out: list[str] = []
        compile_schema(schema)(facets.initial_value, "initialValue", out)
        out.extend(facet_problems(facets, facets.initial_value, "initialValue"))
        for reason in out:
            reader.problems.add(reader.at("initialValue"), "central-initial-value", reason)


def facet_problems(facets: CentralFacets, value: object, path: str) -> list[str]:
    """Reasons `value` breaks minValue/maxValue or minLength/maxLength (seed 004's 50 to 80)."""
    reasons = []
    if type(value) is int or type(value) is float:
        if facets.min_value is not None and value < facets.min_value:
            reasons.append(f"{path}: {value} is below minValue {facets.min_value}")
        if facets.max_value is not None and value > facets.max_value:
            reasons.append(f"{path}: {value} is above maxValue {facets.max_value}")
    elif type(value) is str:
        text = value.strip() if facets.trim_whitespace else value
        if facets.min_length is not None and len(text) < facets.min_length:
            reasons.append(f"{path}: shorter than minLength {facets.min_length}")
        if facets.max_length is not None and len(text) > facets.max_length:
            reasons.append(f"{path}: longer than maxLength {facets.max_length}")
    return reasons
