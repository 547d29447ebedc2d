"""Payload conformance: telemetry, writable properties and commands against a model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fleethub.hub.models.dtdl import Validator, Verdict, parse, parse_interface
from tests.hub.models.dtdl.documents import interface, obj, prop, telemetry

TEMPLATE = json.loads((Path(__file__).parent / "thermostat_template.json").read_text())


@pytest.fixture
def thermostat() -> Validator:
    return Validator(parse(TEMPLATE).root)


def test_valid_telemetry_passes(thermostat: Validator) -> None:
    assert thermostat.telemetry({"temperature": 21.5}) == Verdict(True, [], [])
    assert thermostat.telemetry({"temperature": 21}).ok  # a double accepts an integer


def test_invalid_telemetry_names_the_field_and_the_rule(thermostat: Validator) -> None:
    verdict = thermostat.telemetry({"temperature": "hot"})
    assert verdict == Verdict(False, ["temperature: expected double, got string"], [])


def test_unmodeled_fields_are_listed_but_do_not_fail(thermostat: Validator) -> None:
    verdict = thermostat.telemetry({"temperature": 20.0, "humidity": 40, "targetTemperature": 5})
    assert verdict == Verdict(True, [], ["humidity", "targetTemperature"])


def test_a_message_must_be_an_object(thermostat: Validator) -> None:
    assert thermostat.telemetry([21.5]).reasons == ["message: expected a JSON object, got array"]


def test_an_unknown_component_fails(thermostat: Validator) -> None:
    assert thermostat.telemetry({"temperature": 1.0}, component="nope").reasons == [
        "$.sub: 'nope' is not a component of the model"
    ]


def test_writable_property_range_comes_from_iot_central(thermostat: Validator) -> None:
    """Seed 004: targetTemperature has minValue 50 and maxValue 80."""
    assert thermostat.writable_property("targetTemperature", 50).ok
    assert thermostat.writable_property("targetTemperature", 80.0).ok
    assert thermostat.writable_property("targetTemperature", 49.9).reasons == [
        "targetTemperature: 49.9 is below minValue 50"
    ]
    assert thermostat.writable_property("targetTemperature", 81).reasons == [
        "targetTemperature: 81 is above maxValue 80"
    ]
    assert thermostat.writable_property("targetTemperature", "70").reasons == [
        "targetTemperature: expected double, got string"
    ]


def test_property_writes_must_target_writable_properties(thermostat: Validator) -> None:
    assert thermostat.writable_property("maxTempSinceLastReboot", 1.0).reasons == [
        "maxTempSinceLastReboot: the property is read-only (not writable)"
    ]
    assert thermostat.writable_property("nope", 1).reasons == ["nope: not a property of the model"]
    assert thermostat.writable_property("CustomerName", "Contoso").ok  # a cloud property
    assert thermostat.writable_property("targetTemperature", None).ok  # null removes


def test_a_desired_patch_checks_every_property(thermostat: Validator) -> None:
    verdict = thermostat.desired_patch({"targetTemperature": 90, "$version": 3, "CustomerName": 1})
    assert verdict.reasons == [
        "targetTemperature: 90 is above maxValue 80",
        "CustomerName: expected string, got number",
    ]


def test_command_request_follows_its_schema(thermostat: Validator) -> None:
    assert thermostat.command("getMaxMinReport", "2024-05-31T08:00:00Z").ok
    assert thermostat.command("getMaxMinReport", "2024-05-31").reasons == [
        "since: expected dateTime (RFC 3339, e.g. 2024-05-31T12:00:00Z), got '2024-05-31'"
    ]
    assert thermostat.command("getMaxMinReport").reasons == [
        "since: the request payload is missing"
    ]
    assert thermostat.command("selfDestruct", {}).reasons == [
        "selfDestruct: not a command of the model"
    ]


def test_command_response_is_an_object_without_unknown_fields(thermostat: Validator) -> None:
    response = {
        "maxTemp": 30,
        "minTemp": 10.5,
        "avgTemp": 20.1,
        "startTime": "2024-05-31T08:00:00Z",
        "endTime": "2024-05-31T09:00:00+02:00",
    }
    assert thermostat.command_response("getMaxMinReport", response).ok
    assert thermostat.command_response("getMaxMinReport", {"maxTemp": 1, "median": 2}).reasons == [
        "tempReport.median: not a field of the object"
    ]


def test_a_command_without_request_takes_no_payload() -> None:
    validator = Validator(parse_interface(interface({"@type": "Command", "name": "reboot"})))
    assert validator.command("reboot").ok
    assert validator.command("reboot", 5).reasons == [
        "reboot: the command defines no request payload"
    ]


def _check(schema: Any, value: Any) -> list[str]:
    validator = Validator(parse_interface(interface(telemetry(name="v", schema=schema), version=3)))
    return validator.telemetry({"v": value}).reasons


VALUES: list[Any] = [
    ("boolean", True, True), ("boolean", 1, False),
    ("integer", 2**31 - 1, True), ("integer", 2**31, False), ("integer", -(2**31), True),
    ("integer", 5.0, True), ("integer", 5.5, False), ("integer", True, False),
    ("long", 2**63 - 1, True), ("long", 2**63, False),
    ("double", 1e308, True), ("double", float("nan"), False), ("double", "1", False),
    ("float", 3.4e38, True), ("float", 3.5e38, False),
    ("string", "x", True), ("string", None, False),
    ("date", "2024-02-29", True), ("date", "2023-02-29", False), ("date", "2024-1-01", False),
    ("dateTime", "2024-05-31T23:59:60.123Z", True), ("dateTime", "2024-05-31T24:00:00Z", False),
    ("dateTime", "2024-05-31 12:00:00Z", False), ("dateTime", "2024-05-31T12:00:00", False),
    ("time", "12:30:00+05:30", True), ("time", "12:30:00", False), ("time", "12:61:00Z", False),
    ("duration", "P1Y2M10DT2H30M", True), ("duration", "PT0.5S", True), ("duration", "P2W", True),
    ("duration", "P", False), ("duration", "PT", False), ("duration", "P1.5DT2H", False),
    ("duration", "1 hour", False), ("duration", "P1Y2W", False),
    ("point", {"type": "Point", "coordinates": [47.6, -122.1]}, True),
    ("point", {"type": "Point", "coordinates": [47.6]}, False),
    ("lineString", {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, True),
    ("polygon", {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, True),
    ("polygon", {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, False),
    ("multiPoint", {"type": "Point", "coordinates": [[0, 0]]}, False),
]  # fmt: skip


@pytest.mark.parametrize(("schema", "value", "ok"), VALUES)
def test_primitive_value_rules(schema: str, value: Any, ok: bool) -> None:
    reasons = _check(schema, value)
    assert (reasons == []) is ok, reasons
    assert all(reason.startswith("v") for reason in reasons)


def test_complex_value_rules() -> None:
    enum = {
        "@type": "Enum",
        "valueSchema": "string",
        "enumValues": [{"name": "on", "enumValue": "on"}, {"name": "off", "enumValue": "off"}],
    }
    assert _check(enum, "on") == []
    assert _check(enum, "dim") == ["v: 'dim' is not one of the enum values ('on', 'off')"]
    array = {"@type": "Array", "elementSchema": "integer"}
    assert _check(array, [1, 2, "3"]) == ["v[2]: expected integer, got string"]
    assert _check(array, {"0": 1}) == ["v: expected array, got object"]
    map_ = {
        "@type": "Map",
        "mapKey": {"name": "k", "schema": "string"},
        "mapValue": {"name": "v", "schema": "boolean"},
    }
    assert _check(map_, {"a": True, "b": "no"}) == ["v.b: expected boolean, got string"]
    nested = obj(("pos", obj(("x", "double"))), ("at", "time"))
    assert _check(nested, {"pos": {"x": 1.5}}) == []  # fields may be left out
    assert _check(nested, {"pos": {"x": 1, "y": 2}, "zz": 0}) == [
        "v.pos.y: not a field of the object",
        "v.zz: not a field of the object",
    ]
    assert _check(nested, {"pos": {"x": None}}) == ["v.pos.x: expected double, got null"]


def test_iot_central_schemas_and_string_facets() -> None:
    document = interface(
        prop(name="where", schema="geopoint", writable=True),
        prop(name="speed", schema="vector", writable=True),
        prop(
            name="label",
            schema="string",
            writable=True,
            minLength=2,
            maxLength=4,
            trimWhitespace=True,
        ),
        **{"@context": ["dtmi:dtdl:context;2", "dtmi:iotcentral:context;2"]},
    )
    validator = Validator(parse_interface(document))
    assert validator.writable_property("where", {"lat": 47.6, "lon": -122.1}).ok
    assert validator.writable_property("where", {"lat": 47.6}).reasons == [
        "where: geopoint needs 'lon'"
    ]
    assert validator.writable_property("speed", {"x": 1, "y": 2, "z": "3"}).reasons == [
        "speed.z: expected a number, got string"
    ]
    assert validator.writable_property("label", "  abc  ").ok
    assert validator.writable_property("label", "abcde").reasons == [
        "label: longer than maxLength 4"
    ]
