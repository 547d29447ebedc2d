"""Device-template JSON as IoT Central answers it (seed 004): value co-types, merge patches,
content ETags."""

from __future__ import annotations

import json
from pathlib import Path

from fleethub.hub.models import template

SEED = json.loads((Path(__file__).parent / "dtdl/thermostat_template.json").read_text())


def _contents(document: dict[str, object]) -> list[dict[str, object]]:
    model = document["capabilityModel"]
    assert isinstance(model, dict)
    contents: list[dict[str, object]] = model["contents"]
    return contents


def test_number_facets_add_number_value_as_seed_004_answers() -> None:
    normalized = template.normalize(SEED, SEED["@id"])
    target = _contents(normalized)[1]
    assert target["@type"] == ["Property", "Temperature", "NumberValue"]
    # Without facets nothing is added (maxTempSinceLastReboot in seed 004's answer).
    assert _contents(normalized)[2]["@type"] == ["Property", "Temperature"]
    assert SEED["capabilityModel"]["contents"][1]["@type"] == ["Property", "Temperature"]


def test_a_value_type_that_disagrees_with_the_schema_is_corrected() -> None:
    """Seed 004's PATCH sends LastMaintenanceDate as StringValue; the answer says DateTimeValue."""
    document = {
        "@type": ["ModelDefinition", "DeviceModel"],
        "capabilityModel": {
            "contents": [
                {"@type": ["Property", "Cloud", "StringValue"], "name": "d", "schema": "dateTime"},
                {"@type": ["Telemetry", "NumberValue"], "name": "n", "schema": "string"},
                {
                    "@type": ["Property", "StringValue", "NumberValue"],
                    "name": "s",
                    "schema": "long",
                },
                {"@type": ["Property", "Cloud", "StringValue"], "name": "ok", "schema": "string"},
                {"@type": ["Property", "BooleanValue"], "name": "m", "schema": {"@type": "Map"}},
                {
                    "@type": "Component",
                    "name": "c",
                    "schema": {
                        "contents": [
                            {"@type": ["Property"], "name": "x", "minLength": 1, "schema": "string"}
                        ]
                    },
                },
                "not an object",
            ]
        },
    }
    contents = _contents(template.normalize(document, "dtmi:x:y;1"))
    assert contents[0]["@type"] == ["Property", "Cloud", "DateTimeValue"]
    assert contents[1]["@type"] == ["Telemetry", "StringValue"]
    assert contents[2]["@type"] == ["Property", "NumberValue"]
    assert contents[3]["@type"] == ["Property", "Cloud", "StringValue"]
    assert contents[4]["@type"] == ["Property", "BooleanValue"]  # no primitive schema: kept
    component = contents[5]["schema"]
    assert isinstance(component, dict)
    assert component["contents"][0]["@type"] == ["Property", "StringValue"]


def test_normalize_sets_the_id_drops_the_etag_and_leaves_interfaces_alone() -> None:
    given = {"etag": '"~x"', "displayName": "T", "capabilityModel": {"@id": "dtmi:a;1"}}
    normalized = template.normalize(given, "dtmi:t;1")
    assert list(normalized) == ["@id", "displayName", "capabilityModel"]
    assert normalized["@id"] == "dtmi:t;1"
    interface = {"@id": "dtmi:i;1", "@type": "Interface", "contents": [{"@type": "Property"}]}
    assert template.normalize(interface, "dtmi:i;1") == interface
    assert template.normalize({"@type": "ModelDefinition", "capabilityModel": 3}, "dtmi:t;1")


def test_merge_patch_follows_rfc_7396() -> None:
    target = {"a": 1, "b": {"c": 2, "d": [1, 2]}, "e": "x"}
    patch = {"b": {"c": None, "d": [3]}, "e": None, "f": {"g": 1}}
    assert template.merge_patch(target, patch) == {"a": 1, "b": {"d": [3]}, "f": {"g": 1}}
    assert template.merge_patch(target, [1]) == [1]
    assert template.merge_patch(3, {"a": 1}) == {"a": 1}
    assert target == {"a": 1, "b": {"c": 2, "d": [1, 2]}, "e": "x"}


def test_etag_is_content_derived_and_quoted_like_seed_004() -> None:
    etag = template.etag_of(SEED)
    assert etag.startswith('"~')
    assert etag.endswith('="')
    assert template.etag_of(json.loads(json.dumps(SEED))) == etag
    assert template.etag_of({**SEED, "displayName": "Other"}) != etag


def test_display_name_and_capability_model_id() -> None:
    assert template.display_name(SEED) == "Thermostat"
    assert template.display_name({"displayName": {"fr": "Thermostat", "en": "Thermo"}}) == "Thermo"
    assert template.display_name({"displayName": {"fr": "Thermostat"}}) == "Thermostat"
    assert template.display_name({"displayName": 3}) is None
    assert template.capability_model_id(SEED, "x") == "dtmi:contoso:Thermostat;1"
    assert template.capability_model_id({"@id": "dtmi:i;1"}, "dtmi:i;1") == "dtmi:i;1"
