"""/central/api/devices/{id}/telemetry (seed 001 "Telemetry"): sent telemetry is checked
against the template, stored whatever the verdict, and counted as the device's traffic."""

from __future__ import annotations

import httpx
import pytest

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import Message
from fleethub.hub.messaging.telemetry import MAX_MESSAGE_BYTES, ReadRange
from tests.api.central.conftest import THERMOSTAT_ID, error_of, thermostat


@pytest.fixture
async def device(central: httpx.AsyncClient) -> str:
    await central.put(f"/api/deviceTemplates/{THERMOSTAT_ID}", json=thermostat())
    await central.put("/api/devices/t1", json={"template": THERMOSTAT_ID})
    return "t1"


async def test_send_telemetry_as_seed_001_shows(
    central: httpx.AsyncClient, hub: Hub, device: str
) -> None:
    seed = {"temperature": 25.5, "humidity": 60.2, "timestamp": "2023-10-26T15:05:10Z"}
    response = await central.post(f"/api/devices/{device}/telemetry", json=seed)
    assert response.status_code == 204
    assert response.headers["x-fleethub-validation"] == (
        "invalid: humidity: not defined by the model; timestamp: not defined by the model"
    )
    valid = await central.post(f"/api/devices/{device}/telemetry", json={"temperature": 20})
    assert valid.headers["x-fleethub-validation"] == "valid"
    stored = await hub.telemetry.read(SYSTEM, ReadRange(device))
    assert [r.validation for r in stored] == [response.headers["x-fleethub-validation"], "valid"]
    assert stored[0].message.content_type == "application/json"
    await hub.telemetry.record_activity()  # D2C traffic: the device was seen
    assert (await central.get(f"/api/devices/{device}")).json()["lastSeen"].endswith("Z")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"[1, 2]", 400, "BadRequest"),
        (b"not json", 400, "BadRequest"),
        (b"", 400, "BadRequest"),
        (b'{"x": "' + b"a" * MAX_MESSAGE_BYTES + b'"}', 413, "PayloadTooLarge"),
    ],
)
async def test_send_errors(
    central: httpx.AsyncClient, device: str, body: bytes, status: int, code: str
) -> None:
    response = await central.post(f"/api/devices/{device}/telemetry", content=body)
    assert response.status_code == status
    assert error_of(response)["code"] == code


async def test_unknown_and_disabled_devices(central: httpx.AsyncClient, device: str) -> None:
    missing = await central.post("/api/devices/nobody/telemetry", json={})
    assert missing.status_code == 404
    await central.patch(f"/api/devices/{device}", json={"enabled": False})
    disabled = await central.post(f"/api/devices/{device}/telemetry", json={})
    assert disabled.status_code == 403


async def test_validation_header_is_printable(central: httpx.AsyncClient, device: str) -> None:
    response = await central.post(f"/api/devices/{device}/telemetry", json={"tëmp\n": 1})
    assert response.headers["x-fleethub-validation"] == (
        "invalid: t\\u00ebmp\\u000a: not defined by the model"
    )


async def test_latest_value(central: httpx.AsyncClient, hub: Hub, device: str) -> None:
    for body in ({"temperature": 20.5}, {"temperature": 21.5}, {"temperature": "hot"}, {}):
        await central.post(f"/api/devices/{device}/telemetry", json=body)
    await hub.telemetry.ingest(device, None, Message(b'{"temperature": 99}', component="c"), "sas")
    await hub.telemetry.ingest(device, "mod", Message(b'{"temperature": 98}'), "sas")
    await hub.telemetry.ingest(device, None, Message(b"garbage"), "sas")
    gz = Message(b'{"temperature": 97}', content_encoding="gzip")
    await hub.telemetry.ingest(device, None, gz, "sas")
    response = await central.get(f"/api/devices/{device}/telemetry/temperature")
    assert response.status_code == 200
    body = response.json()
    assert body["value"] == 21.5  # newest conforming value of the device itself
    assert body["timestamp"].endswith("Z")


async def test_latest_value_errors(central: httpx.AsyncClient, device: str) -> None:
    none_yet = await central.get(f"/api/devices/{device}/telemetry/temperature")
    assert none_yet.status_code == 404
    assert "no valid 'temperature'" in error_of(none_yet)["message"]
    unknown = await central.get(f"/api/devices/{device}/telemetry/pressure")
    assert "no telemetry 'pressure'" in error_of(unknown)["message"]
    assert (await central.get("/api/devices/nobody/telemetry/temperature")).status_code == 404


async def test_latest_value_without_a_template(central: httpx.AsyncClient) -> None:
    await central.put("/api/devices/plain", json={})
    await central.post("/api/devices/plain/telemetry", json={"anything": [1, 2]})
    body = (await central.get("/api/devices/plain/telemetry/anything")).json()
    assert body["value"] == [1, 2]
    headers = (await central.post("/api/devices/plain/telemetry", json={})).headers
    assert "x-fleethub-validation" not in headers


async def test_validation_counts(central: httpx.AsyncClient, device: str) -> None:
    empty = (await central.get(f"/api/devices/{device}/validation")).json()
    assert empty == {"messages": 0, "invalid": 0, "lastInvalidTime": None, "lastReasons": []}
    await central.post(f"/api/devices/{device}/telemetry", json={"temperature": 1})
    await central.post(f"/api/devices/{device}/telemetry", json={"temperature": "x"})
    counts = (await central.get(f"/api/devices/{device}/validation")).json()
    assert counts["messages"] == 2
    assert counts["invalid"] == 1
    assert counts["lastReasons"] == ["temperature: expected double, got string"]
    assert counts["lastInvalidTime"].endswith("Z")
    assert (await central.get("/api/devices/nobody/validation")).status_code == 404
