"""The parsed model: Interface and its contents, plus IoT Central's device template (DTDL
v2/v3 reference, "Interface" to "Component"; seed 004). References are resolved objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fleethub.hub.models.dtdl.literals import LocalizedText
from fleethub.hub.models.dtdl.schema import ComplexSchema, Described, Schema


@dataclass(frozen=True, kw_only=True)
class CentralFacets:
    """IoT Central extension data on a Property or Telemetry (device templates, seed 004).

    `types` holds the IoT Central co-types, e.g. {"Cloud", "StringValue"}; "NumberValue" is
    implied when a number facet (minValue, maxValue, decimalPlaces, displayUnit) is present.
    """

    types: frozenset[str] = frozenset()
    display_unit: LocalizedText | None = None
    decimal_places: int | None = None
    min_value: int | float | None = None
    max_value: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    trim_whitespace: bool | None = None
    true_name: LocalizedText | None = None
    false_name: LocalizedText | None = None
    initial_value: object = None

    @property
    def cloud(self) -> bool:
        """A cloud property lives in the hub only and is never sent to the device."""
        return "Cloud" in self.types


@dataclass(frozen=True, kw_only=True)
class Telemetry(Described):
    name: str
    schema: Schema
    types: tuple[str, ...] = ()  # co-types besides "Telemetry", e.g. ("Temperature",)
    semantic_type: str | None = None
    unit: str | None = None
    central: CentralFacets | None = None


@dataclass(frozen=True, kw_only=True)
class Property(Described):
    name: str
    schema: Schema
    writable: bool = False
    types: tuple[str, ...] = ()
    semantic_type: str | None = None
    unit: str | None = None
    central: CentralFacets | None = None

    @property
    def cloud(self) -> bool:
        return self.central is not None and self.central.cloud


@dataclass(frozen=True, kw_only=True)
class CommandPayload(Described):
    """A Command's request or response (CommandPayload in v2, CommandRequest/Response in v3)."""

    name: str
    schema: Schema
    semantic_type: str | None = None
    unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class Command(Described):
    name: str
    request: CommandPayload | None = None
    response: CommandPayload | None = None
    command_type: Literal["synchronous", "asynchronous"] | None = None  # deprecated in DTDL


@dataclass(frozen=True, kw_only=True)
class Component(Described):
    name: str
    schema: Interface


@dataclass(frozen=True, kw_only=True)
class Relationship(Described):
    name: str
    target: str | None = None  # a DTMI; a non-dependent reference, so never resolved
    min_multiplicity: int | None = None
    max_multiplicity: int | None = None
    properties: tuple[Property, ...] = ()
    writable: bool = False


Content = Telemetry | Property | Command | Component | Relationship


@dataclass(frozen=True, kw_only=True)
class Interface(Described):
    id: str
    version: int  # DTDL language version, from "dtmi:dtdl:context;2" or ";3"
    contents: tuple[Content, ...] = ()  # this Interface's own contents
    extends: tuple[Interface, ...] = ()
    schemas: tuple[ComplexSchema, ...] = ()
    extensions: frozenset[str] = frozenset()  # extension contexts in force, e.g. IoT Central

    def all_contents(self) -> tuple[Content, ...]:
        """Own contents plus every inherited one (base Interfaces first), each once."""
        seen: set[int] = set()
        result: list[Content] = []
        for base in self.extends:
            for content in base.all_contents():
                if id(content) not in seen:
                    seen.add(id(content))
                    result.append(content)
        result.extend(self.contents)
        return tuple(result)

    def content(self, name: str) -> Content | None:
        """The content (own or inherited) named `name`."""
        return next((c for c in self.all_contents() if c.name == name), None)


@dataclass(frozen=True, kw_only=True)
class DeviceTemplate(Described):
    """IoT Central's device template: an envelope whose `capabilityModel` is the Interface."""

    id: str
    capability_model: Interface
    context: tuple[str, ...] = ()  # the template's @context, e.g. IoT Central's then DTDL's


@dataclass(frozen=True, kw_only=True)
class Model:
    """What `parse` returns: the document's top-level Interfaces and every Interface by @id."""

    roots: tuple[Interface, ...]
    interfaces: dict[str, Interface]
    template: DeviceTemplate | None = None

    @property
    def root(self) -> Interface:
        """The first top-level Interface (the capability model for a device template)."""
        return self.roots[0]
