"""IoT Central device templates and extensions (seed 004; DTDL.iotcentral.v2)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from fleethub.hub.models.dtdl import Command, Property, Telemetry, parse
from tests.hub.models.dtdl.documents import JSON, errors, interface, prop, telemetry

TEMPLATE = json.loads((Path(__file__).parent / "thermostat_template.json").read_text())
CENTRAL = ["dtmi:dtdl:context;2", "dtmi:iotcentral:context;2"]


def _central(*contents: JSON) -> JSON:
    return interface(*contents, **{"@context": CENTRAL})


def test_the_thermostat_device_template_of_seed_004_is_valid() -> None:
    model = parse(TEMPLATE)
    assert model.template is not None
    assert model.template.id == "dtmi:contoso:mythermostattemplate;1"
    assert model.template.display_name == {"en": "Thermostat"}
    assert model.template.context == ("dtmi:iotcentral:context;2", "dtmi:dtdl:context;2")
    thermostat = model.root
    assert thermostat is model.template.capability_model
    assert thermostat.id == "dtmi:contoso:Thermostat;1"
    assert [c.name for c in thermostat.contents] == [
        "temperature",
        "targetTemperature",
        "maxTempSinceLastReboot",
        "getMaxMinReport",
        "CustomerName",
    ]


def test_the_template_keeps_its_iot_central_facets() -> None:
    temperature, target, max_temp, report, customer = parse(TEMPLATE).root.contents
    assert isinstance(temperature, Telemetry)
    assert (temperature.semantic_type, temperature.unit) == ("Temperature", "degreeCelsius")
    assert isinstance(target, Property)
    assert target.writable
    assert target.central is not None
    # Seed 004: the facets alone imply NumberValue, as IoT Central's own answer shows.
    assert target.central.types == {"NumberValue"}
    assert (target.central.min_value, target.central.max_value) == (50, 80)
    assert (target.central.decimal_places, target.central.display_unit) == (1, {"en": "C"})
    assert isinstance(max_temp, Property)
    assert not max_temp.writable
    assert isinstance(report, Command)
    assert report.request is not None
    assert report.response is not None
    assert isinstance(customer, Property)
    assert customer.cloud
    assert customer.central is not None
    assert customer.central.types == {"Cloud", "StringValue"}


def test_the_response_form_of_the_template_with_etag_and_unversioned_id_is_valid() -> None:
    """IoT Central answers with an "etag" and mints ids like dtmi:modelDefinition:x:y."""
    answered = copy.deepcopy(TEMPLATE)
    answered["etag"] = '"~F27cqSo0ON3bfOzwgZxAl89/JVvM80+dds6y8+mZh5M="'
    answered["@id"] = "dtmi:modelDefinition:spzeut3n:n2lteu39u6"
    answered["capabilityModel"]["contents"][1]["@type"].append("NumberValue")
    assert errors(answered) == []


def _template(**changes: Any) -> JSON:
    template: JSON = copy.deepcopy(TEMPLATE)
    template.update(changes)
    return template


def test_template_envelope_rules() -> None:
    assert errors(_template(**{"@type": ["ModelDefinition"]})) == [("$['@type']", "template-type")]
    assert errors(_template(capabilityModel="dtmi:contoso:Thermostat;1")) == [
        ("$.capabilityModel", "template-capability-model")
    ]
    no_id = _template()
    del no_id["@id"]
    assert errors(no_id) == [("$", "member-required")]


def test_template_errors_point_into_the_capability_model() -> None:
    broken = _template()
    broken["capabilityModel"]["contents"][1]["minValue"] = 90
    assert errors(broken) == [("$.capabilityModel.contents[1].maxValue", "central-range")]


CASES: list[Any] = [
    pytest.param(prop(schema="string", minValue=1), [("$.contents[0].schema", "central-schema")],
                 id="number-facets-need-a-number"),
    pytest.param(prop(minValue="low"), [("$.contents[0].minValue", "central-number")],
                 id="min-value-is-a-number"),
    pytest.param(prop(decimalPlaces=-1), [("$.contents[0].decimalPlaces", "central-count")],
                 id="decimal-places-not-negative"),
    pytest.param(prop(schema="string", minLength=5, maxLength=2),
                 [("$.contents[0].maxLength", "central-range")], id="lengths-ordered"),
    pytest.param(prop(schema="double", trueName="On"), [("$.contents[0].schema", "central-schema")],
                 id="true-name-needs-a-boolean"),
    pytest.param(telemetry(**{"@type": ["Telemetry", "Cloud"]}),
                 [("$.contents[0]['@type'][1]", "cotype-invalid")], id="cloud-only-on-property"),
    pytest.param(prop(**{"@type": ["Property", "State"]}),
                 [("$.contents[0].schema", "central-schema")], id="state-needs-an-enum"),
    pytest.param(telemetry(**{"@type": ["Telemetry", "Location"]}),
                 [("$.contents[0].schema", "central-schema")], id="location-needs-geo"),
    pytest.param(telemetry(**{"@type": ["Telemetry", "Location"]}, schema="geopoint"), [],
                 id="location-geopoint"),
    pytest.param(telemetry(**{"@type": ["Telemetry", "VelocityVector"]}, schema="vector",
                           unit="metrePerSecond"), [], id="velocity-vector"),
    pytest.param(telemetry(**{"@type": ["Telemetry", "VelocityVector"]}, schema="vector",
                           unit="kelvin"), [("$.contents[0].unit", "unit-mismatch")],
                 id="velocity-vector-unit"),
    pytest.param(telemetry(**{"@type": ["Telemetry", "Event"]}, schema="string"), [], id="event"),
    pytest.param(prop(**{"@type": ["Property", "Initialized"]}),
                 [("$.contents[0]", "central-initial-value")], id="initialized-needs-a-value"),
    pytest.param(prop(initialValue="warm"),
                 [("$.contents[0].initialValue", "central-initial-value")],
                 id="initial-value-follows-the-schema"),
    pytest.param(prop(initialValue=100, maxValue=80),
                 [("$.contents[0].initialValue", "central-initial-value")],
                 id="initial-value-within-range"),
    pytest.param(prop(schema="boolean", trueName="On", falseName={"en": "Off", "it": "Spento"},
                      initialValue=True), [], id="boolean-value"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "expected"), CASES)
def test_rule(content: JSON, expected: list[tuple[str, str]]) -> None:
    assert errors(_central(content)) == expected


def test_iot_central_members_need_the_iot_central_context() -> None:
    assert errors(interface(prop(minValue=1))) == [("$.contents[0].minValue", "member-unknown")]


def test_the_iot_central_v3_context_seen_in_seed_004_listings_is_accepted() -> None:
    document = interface(
        prop(maxValue=3), **{"@context": ["dtmi:iotcentral:context;3", "dtmi:dtdl:context;2"]}
    )
    assert errors(document) == []
