"""/central/api/devices/{id}/properties/{name} (seed 001 "Properties"): reported values with
their time, desired writes checked against the template (seed 004's 50-80), cloud properties
kept in the hub."""

from __future__ import annotations

import httpx
import pytest

from fleethub.hub.hub import Hub
from tests.api.central.conftest import THERMOSTAT_ID, error_of, thermostat
from tests.fakes import ScriptedLink

TARGET = "/api/devices/t1/properties/targetTemperature"


@pytest.fixture
async def device(central: httpx.AsyncClient) -> str:
    await central.put(f"/api/deviceTemplates/{THERMOSTAT_ID}", json=thermostat())
    await central.put("/api/devices/t1", json={"template": THERMOSTAT_ID})
    return "t1"


async def test_get_a_reported_property(central: httpx.AsyncClient, hub: Hub, device: str) -> None:
    await hub.twins.patch_reported(device, None, {"maxTempSinceLastReboot": 30.5})
    response = await central.get(f"/api/devices/{device}/properties/maxTempSinceLastReboot")
    assert response.status_code == 200
    body = response.json()
    assert body["value"] == 30.5
    assert body["lastReportedTime"].endswith("Z")
    assert len(body["lastReportedTime"]) == len("2023-10-26T15:20:00.000Z")


async def test_a_writable_propertys_acknowledgement_is_unwrapped(
    central: httpx.AsyncClient, hub: Hub, device: str
) -> None:
    ack = {"value": 60, "ac": 200, "av": 2, "ad": "done"}
    await hub.twins.patch_reported(device, None, {"targetTemperature": ack})
    assert (await central.get(TARGET)).json()["value"] == 60


async def test_write_a_desired_property(central: httpx.AsyncClient, hub: Hub, device: str) -> None:
    link = await ScriptedLink(hub, device).attach()
    response = await central.patch(TARGET, json={"value": 60})
    assert response.status_code == 200
    assert response.json()["value"] == 60
    assert response.json()["lastReportedTime"].endswith("Z")
    twin = (await hub.registry.find(device, None)).twin
    assert twin.desired == {"targetTemperature": 60}
    assert link.desired == [{"targetTemperature": 60, "$version": 2}]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (90, "targetTemperature: 90 is above maxValue 80"),
        (49.5, "targetTemperature: 49.5 is below minValue 50"),
        ("warm", "targetTemperature: expected double, got string"),
    ],
)
async def test_invalid_values_are_refused_before_they_are_sent(
    central: httpx.AsyncClient, hub: Hub, device: str, value: object, reason: str
) -> None:
    link = await ScriptedLink(hub, device).attach()
    response = await central.patch(TARGET, json={"value": value})
    assert response.status_code == 400
    assert [d["message"] for d in error_of(response)["details"]] == [reason]
    assert link.desired == []
    assert (await hub.registry.find(device, None)).twin.desired == {}


async def test_read_only_and_unknown_properties(central: httpx.AsyncClient, device: str) -> None:
    read_only = await central.patch(
        f"/api/devices/{device}/properties/maxTempSinceLastReboot", json={"value": 1.0}
    )
    assert read_only.status_code == 400
    assert "read-only" in error_of(read_only)["details"][0]["message"]
    for method in ("GET", "PATCH"):
        unknown = await central.request(
            method, f"/api/devices/{device}/properties/color", json={"value": "red"}
        )
        assert unknown.status_code == 404
        assert "no property 'color'" in error_of(unknown)["message"]
    not_reported = await central.get(TARGET)
    assert not_reported.status_code == 404
    assert "has not reported" in error_of(not_reported)["message"]


async def test_cloud_properties_stay_in_the_hub(
    central: httpx.AsyncClient, hub: Hub, device: str
) -> None:
    link = await ScriptedLink(hub, device).attach()
    path = f"/api/devices/{device}/properties/CustomerName"
    assert (await central.get(path)).status_code == 404
    written = await central.patch(path, json={"value": "Contoso"})
    assert written.status_code == 200
    read = (await central.get(path)).json()
    assert read["value"] == "Contoso"
    assert read["lastReportedTime"] == written.json()["lastReportedTime"]
    assert link.desired == []
    assert (await hub.registry.find(device, None)).twin.desired == {}
    wrong = await central.patch(path, json={"value": 42})
    assert wrong.status_code == 400
    await central.patch(path, json={"value": None})
    assert (await central.get(path)).status_code == 404


async def test_a_device_without_a_template_takes_any_property(
    central: httpx.AsyncClient, hub: Hub
) -> None:
    await central.put("/api/devices/plain", json={})
    written = await central.patch(
        "/api/devices/plain/properties/anything", json={"value": {"a": 1}}
    )
    assert written.status_code == 200
    await hub.twins.patch_reported("plain", None, {"anything": {"value": 1, "ac": 200}})
    kept = (await central.get("/api/devices/plain/properties/anything")).json()
    assert kept["value"] == {"value": 1, "ac": 200}  # no model says it is writable


async def test_property_errors(central: httpx.AsyncClient, device: str) -> None:
    assert (await central.get("/api/devices/nobody/properties/x")).status_code == 404
    assert (
        await central.patch("/api/devices/nobody/properties/x", json={"value": 1})
    ).status_code == 404
    missing_value = await central.patch(TARGET, json={"val": 60})
    assert missing_value.status_code == 400
    assert "value" in error_of(missing_value)["message"]
    assert (await central.patch(TARGET, content=b"{")).status_code == 400
