"""Well-known public DTDL v2 models (the IoT Plug and Play samples), written out here:
Thermostat, DeviceInformation and a TemperatureController made of components."""

from __future__ import annotations

from typing import Any

from fleethub.hub.models.dtdl import Component, Validator, parse
from tests.hub.models.dtdl.documents import errors

THERMOSTAT: dict[str, Any] = {
    "@context": "dtmi:dtdl:context;2",
    "@id": "dtmi:com:example:Thermostat;1",
    "@type": "Interface",
    "displayName": "Thermostat",
    "description": "Reports current temperature and provides desired temperature control.",
    "contents": [
        {
            "@type": ["Telemetry", "Temperature"],
            "name": "temperature",
            "displayName": "Temperature",
            "schema": "double",
            "unit": "degreeCelsius",
        },
        {
            "@type": ["Property", "Temperature"],
            "name": "targetTemperature",
            "schema": "double",
            "unit": "degreeCelsius",
            "writable": True,
        },
        {
            "@type": ["Property", "Temperature"],
            "name": "maxTempSinceLastReboot",
            "schema": "double",
            "unit": "degreeCelsius",
        },
        {
            "@type": "Command",
            "name": "getMaxMinReport",
            "request": {"name": "since", "schema": "dateTime"},
            "response": {
                "name": "tempReport",
                "schema": {
                    "@type": "Object",
                    "fields": [
                        {"name": "maxTemp", "schema": "double"},
                        {"name": "minTemp", "schema": "double"},
                        {"name": "avgTemp", "schema": "double"},
                        {"name": "startTime", "schema": "dateTime"},
                        {"name": "endTime", "schema": "dateTime"},
                    ],
                },
            },
        },
    ],
}

DEVICE_INFORMATION: dict[str, Any] = {
    "@context": "dtmi:dtdl:context;2",
    "@id": "dtmi:azure:DeviceManagement:DeviceInformation;1",
    "@type": "Interface",
    "displayName": "Device Information",
    "contents": [
        *(
            {"@type": "Property", "name": name, "schema": "string"}
            for name in (
                "manufacturer",
                "model",
                "swVersion",
                "osName",
                "processorArchitecture",
                "processorManufacturer",
            )
        ),
        {"@type": "Property", "name": "totalStorage", "schema": "double"},
        {"@type": "Property", "name": "totalMemory", "schema": "double"},
    ],
}

TEMPERATURE_CONTROLLER: dict[str, Any] = {
    "@context": "dtmi:dtdl:context;2",
    "@id": "dtmi:com:example:TemperatureController;1",
    "@type": "Interface",
    "displayName": "Temperature Controller",
    "contents": [
        {
            "@type": ["Telemetry", "DataSize"],
            "name": "workingSet",
            "schema": "double",
            "unit": "kibibit",
        },
        {"@type": "Property", "name": "serialNumber", "schema": "string"},
        {
            "@type": "Command",
            "name": "reboot",
            "request": {"name": "delay", "schema": "integer"},
        },
        {"@type": "Component", "name": "thermostat1", "schema": "dtmi:com:example:Thermostat;1"},
        {"@type": "Component", "name": "thermostat2", "schema": "dtmi:com:example:Thermostat;1"},
        {
            "@type": "Component",
            "name": "deviceInformation",
            "schema": "dtmi:azure:DeviceManagement:DeviceInformation;1",
        },
    ],
}


def test_the_thermostat_model_is_valid() -> None:
    thermostat = parse(THERMOSTAT).root
    assert [content.name for content in thermostat.contents] == [
        "temperature",
        "targetTemperature",
        "maxTempSinceLastReboot",
        "getMaxMinReport",
    ]


def test_the_temperature_controller_resolves_its_components_in_a_model_set() -> None:
    model = parse([TEMPERATURE_CONTROLLER, THERMOSTAT, DEVICE_INFORMATION])
    controller = model.root
    components = [c for c in controller.contents if isinstance(c, Component)]
    assert [c.name for c in components] == ["thermostat1", "thermostat2", "deviceInformation"]
    assert components[0].schema is components[1].schema is model.interfaces[THERMOSTAT["@id"]]
    assert len(model.interfaces) == 3


def test_the_temperature_controller_without_its_components_is_incomplete() -> None:
    assert errors(TEMPERATURE_CONTROLLER) == [
        ("$.contents[3].schema", "reference-unresolved"),
        ("$.contents[4].schema", "reference-unresolved"),
        ("$.contents[5].schema", "reference-unresolved"),
    ]


def test_component_telemetry_and_commands_follow_plug_and_play_conventions() -> None:
    validator = Validator(parse([TEMPERATURE_CONTROLLER, THERMOSTAT, DEVICE_INFORMATION]).root)
    assert validator.telemetry({"workingSet": 1024}).ok
    # Component telemetry carries the component in the `$.sub` system property.
    assert validator.telemetry({"temperature": 21.5}, component="thermostat1").ok
    assert validator.telemetry({"temperature": 21.5}).unmodeled == ["temperature"]
    assert validator.command("thermostat2*getMaxMinReport", "2024-05-31T08:00:00Z").ok
    assert validator.command("reboot", 5).ok
    assert validator.command("reboot", 5.5).reasons == ["delay: expected integer, got number"]
    assert validator.writable_property("targetTemperature", 25, component="thermostat1").ok
    verdict = validator.writable_property("manufacturer", "x", component="deviceInformation")
    assert verdict.reasons == ["manufacturer: the property is read-only (not writable)"]
