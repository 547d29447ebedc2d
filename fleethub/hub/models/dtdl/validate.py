"""Payload conformance against a parsed Interface: telemetry, writable properties, commands
(IoT Plug and Play conventions; DTDL value rules). Compiled once into checker closures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fleethub.hub.models.dtdl.central import facet_problems
from fleethub.hub.models.dtdl.checkers import Check, compile_schema
from fleethub.hub.models.dtdl.elements import (
    CentralFacets,
    Command,
    CommandPayload,
    Component,
    Interface,
    Property,
    Telemetry,
)
from fleethub.hub.models.dtdl.literals import json_kind


@dataclass(frozen=True)
class Verdict:
    """`ok` unless some reason was found; `unmodeled` lists telemetry fields the model lacks.

    Reasons name the field and the rule: "temperature: expected double, got string".
    """

    ok: bool
    reasons: list[str] = field(default_factory=list)
    unmodeled: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Payload:
    name: str
    check: Check


@dataclass(frozen=True)
class _Scope:
    """One Interface's compiled checkers: the root's, or one Component's."""

    telemetry: dict[str, Check]
    properties: dict[str, tuple[Check, CentralFacets | None, bool]]  # check, facets, writable
    commands: dict[str, tuple[_Payload | None, _Payload | None]]  # request, response


def _payload(payload: CommandPayload | None, cache: dict[int, Check]) -> _Payload | None:
    return (
        None if payload is None else _Payload(payload.name, compile_schema(payload.schema, cache))
    )


def _compile_scope(interface: Interface, cache: dict[int, Check]) -> _Scope:
    telemetry: dict[str, Check] = {}
    properties: dict[str, tuple[Check, CentralFacets | None, bool]] = {}
    commands: dict[str, tuple[_Payload | None, _Payload | None]] = {}
    for content in interface.all_contents():
        if isinstance(content, Telemetry):
            telemetry[content.name] = compile_schema(content.schema, cache)
        elif isinstance(content, Property):
            # A cloud property is written by operators, never by the device, whatever `writable`.
            writable = content.writable or content.cloud
            properties[content.name] = (
                compile_schema(content.schema, cache),
                content.central,
                writable,
            )
        elif isinstance(content, Command):
            commands[content.name] = (
                _payload(content.request, cache),
                _payload(content.response, cache),
            )
    return _Scope(telemetry, properties, commands)


class Validator:
    """Checks payloads against one Interface and its Components.

    >>> Validator(thermostat).telemetry({"temperature": "hot"}).reasons
    ['temperature: expected double, got string']
    """

    def __init__(self, interface: Interface) -> None:
        cache: dict[int, Check] = {}
        self.interface = interface
        self._scopes: dict[str | None, _Scope] = {None: _compile_scope(interface, cache)}
        for content in interface.all_contents():
            if isinstance(content, Component):
                self._scopes[content.name] = _compile_scope(content.schema, cache)

    def telemetry(self, message: object, *, component: str | None = None) -> Verdict:
        """A telemetry message: a JSON object of telemetry name → value.

        `component` is the message's `$.sub` system property (IoT Plug and Play). Fields the
        model does not define are listed in `unmodeled`; they do not make the message fail.
        """
        scope = self._scopes.get(component)
        if scope is None:
            return Verdict(False, [f"$.sub: {component!r} is not a component of the model"])
        if type(message) is not dict:
            return Verdict(False, [f"message: expected a JSON object, got {json_kind(message)}"])
        checks = scope.telemetry
        reasons: list[str] = []
        unmodeled: list[str] = []
        for name, value in message.items():
            check = checks.get(name)
            if check is None:
                unmodeled.append(name)
            else:
                check(value, name, reasons)
        return Verdict(not reasons, reasons, unmodeled)

    def writable_property(
        self, name: str, value: object, *, component: str | None = None
    ) -> Verdict:
        """A value for a writable (or IoT Central cloud) property, including minValue/maxValue.

        `None` is accepted: in a twin patch, null removes the desired value.
        """
        scope = self._scopes.get(component)
        if scope is None:
            return Verdict(False, [f"{component!r} is not a component of the model"])
        found = scope.properties.get(name)
        if found is None:
            return Verdict(False, [f"{name}: not a property of the model"])
        check, facets, writable = found
        if not writable:
            return Verdict(False, [f"{name}: the property is read-only (not writable)"])
        if value is None:
            return Verdict(True)
        reasons: list[str] = []
        check(value, name, reasons)
        if facets is not None and not reasons:
            reasons.extend(facet_problems(facets, value, name))
        return Verdict(not reasons, reasons)

    def desired_patch(self, patch: object) -> Verdict:
        """A desired-properties patch; a component's properties sit in an object marked
        `"__t": "c"` under the component name (IoT Plug and Play convention)."""
        if type(patch) is not dict:
            return Verdict(False, [f"patch: expected a JSON object, got {json_kind(patch)}"])
        reasons: list[str] = []
        for name, value in patch.items():
            if name.startswith("$"):
                continue  # $version and other system members
            if name in self._scopes and type(value) is dict and value.get("__t") == "c":
                for inner, inner_value in value.items():
                    if inner != "__t":
                        verdict = self.writable_property(inner, inner_value, component=name)
                        reasons.extend(f"{name}.{reason}" for reason in verdict.reasons)
            else:
                reasons.extend(self.writable_property(name, value).reasons)
        return Verdict(not reasons, reasons)

    def command(
        self, name: str, payload: object = None, *, component: str | None = None
    ) -> Verdict:
        """A command's request payload: the bare value of the request schema.

        IoT Plug and Play names a component's command "component*command"; either spelling
        (or the `component` argument) works.
        """
        return self._command(name, payload, component, request=True)

    def command_response(
        self, name: str, payload: object = None, *, component: str | None = None
    ) -> Verdict:
        """A device's response payload to a command."""
        return self._command(name, payload, component, request=False)

    def _command(
        self, name: str, payload: object, component: str | None, *, request: bool
    ) -> Verdict:
        if component is None and "*" in name:
            component, _, name = name.partition("*")
        scope = self._scopes.get(component)
        found = None if scope is None else scope.commands.get(name)
        if found is None:
            where = f"{component}*{name}" if component else name
            return Verdict(False, [f"{where}: not a command of the model"])
        schema = found[0] if request else found[1]
        part = "request" if request else "response"
        if schema is None:
            if payload is None:
                return Verdict(True)
            return Verdict(False, [f"{name}: the command defines no {part} payload"])
        if payload is None:
            return Verdict(False, [f"{schema.name}: the {part} payload is missing"])
        reasons: list[str] = []
        schema.check(payload, schema.name, reasons)
        return Verdict(not reasons, reasons)


def compile_validator(interface: Interface) -> Validator:
    """Compile `interface` once; keep the result and reuse it for every payload."""
    return Validator(interface)
