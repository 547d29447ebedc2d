"""DTDL v2/v3 parser and payload validator (DTDL v2/v3 language specifications, seed 004).

A pure library: `parse(document)` → `Model`, then `Validator(model.root).telemetry(message)`.
"""

from fleethub.hub.models.dtdl.dtmi import Dtmi, DtmiError, parse_dtmi
from fleethub.hub.models.dtdl.elements import (
    CentralFacets,
    Command,
    CommandPayload,
    Component,
    Content,
    DeviceTemplate,
    Interface,
    Model,
    Property,
    Relationship,
    Telemetry,
)
from fleethub.hub.models.dtdl.errors import DtdlError, DtdlValidationError
from fleethub.hub.models.dtdl.parse import parse, parse_interface
from fleethub.hub.models.dtdl.schema import (
    ArraySchema,
    EnumSchema,
    EnumValue,
    Field,
    MapKey,
    MapSchema,
    MapValue,
    ObjectSchema,
    PrimitiveSchema,
    Schema,
)
from fleethub.hub.models.dtdl.validate import Validator, Verdict, compile_validator

__all__ = [
    "ArraySchema",
    "CentralFacets",
    "Command",
    "CommandPayload",
    "Component",
    "Content",
    "DeviceTemplate",
    "DtdlError",
    "DtdlValidationError",
    "Dtmi",
    "DtmiError",
    "EnumSchema",
    "EnumValue",
    "Field",
    "Interface",
    "MapKey",
    "MapSchema",
    "MapValue",
    "Model",
    "ObjectSchema",
    "PrimitiveSchema",
    "Property",
    "Relationship",
    "Schema",
    "Telemetry",
    "Validator",
    "Verdict",
    "compile_validator",
    "parse",
    "parse_dtmi",
    "parse_interface",
]
