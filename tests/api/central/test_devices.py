"""/central/api/devices (seed 001 "Devices"): create, get, update, delete, list with $filter
and $top, credentials; one registry shared with the IoT Hub API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.registry.device import IdentitySpec
from tests.api.central.conftest import THERMOSTAT_ID, error_of, thermostat

SEED_DEVICE = {
    "displayName": "New IoT Device",
    "template": "dtmi:com:example:genericDevice;1",
    "simulated": False,
}


async def test_create_device_as_seed_001_shows(central: httpx.AsyncClient) -> None:
    response = await central.put("/api/devices/device001", json=SEED_DEVICE)
    assert response.status_code == 200
    assert response.json() == {
        "id": "device001",
        "displayName": "New IoT Device",
        "template": "dtmi:com:example:genericDevice;1",
        "simulated": False,
        "provisioned": False,
        "enabled": True,
    }


async def test_creating_an_existing_device_is_a_conflict(central: httpx.AsyncClient) -> None:
    await central.put("/api/devices/d1", json={})
    response = await central.put("/api/devices/d1", json={"displayName": "again"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "Conflict"


async def test_defaults_and_a_disabled_device(central: httpx.AsyncClient) -> None:
    plain = (await central.put("/api/devices/d1", json={})).json()
    assert plain == {
        "id": "d1",
        "displayName": "d1",
        "simulated": False,
        "provisioned": False,
        "enabled": True,
    }
    off = (await central.put("/api/devices/d2", json={"enabled": False, "simulated": True})).json()
    assert (off["enabled"], off["simulated"]) == (False, True)


@pytest.mark.parametrize(
    ("device_id", "body", "message"),
    [
        ("bad%2Fid", {}, "Device id"),
        ("d1", {"template": "not a dtmi"}, "template 'not a dtmi'"),
        ("d1", {"template": 5}, "template"),
        ("d1", {"simulated": "sometimes"}, "simulated"),
        ("d1", {"displayName": "x" * 201}, "displayName"),
        ("d1", [], "body"),
    ],
)
async def test_create_errors(
    central: httpx.AsyncClient, device_id: str, body: Any, message: str
) -> None:
    response = await central.put(f"/api/devices/{device_id}", json=body)
    assert response.status_code == 400
    assert message in error_of(response)["message"]


async def test_get_device(central: httpx.AsyncClient, hub: Hub) -> None:
    await central.put("/api/devices/d1", json={"displayName": "Sensor Alpha"})
    await hub.registry.set_connection("d1", None, True)
    await hub.registry.flush_connections()
    await hub.twins.patch_reported("d1", None, {"firmwareVersion": "1.2.0"})
    response = await central.get("/api/devices/d1")
    assert response.status_code == 200
    body = response.json()
    assert body["provisioned"] is True
    assert body["firmwareVersion"] == "1.2.0"
    assert body["lastSeen"].endswith("Z")
    missing = await central.get("/api/devices/nobody")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "NotFound"


async def test_update_device_as_seed_001_shows(central: httpx.AsyncClient, hub: Hub) -> None:
    await central.put("/api/devices/d1", json={"displayName": "Sensor Alpha"})
    change = {"displayName": "Updated Sensor Alpha", "enabled": False}
    response = await central.patch("/api/devices/d1", json=change)
    assert response.status_code == 200
    body = response.json()
    assert (body["displayName"], body["enabled"]) == ("Updated Sensor Alpha", False)
    assert (await hub.registry.find("d1", None)).status == "disabled"
    again = await central.patch(
        "/api/devices/d1", json={"template": THERMOSTAT_ID, "simulated": True}
    )
    assert again.json()["template"] == THERMOSTAT_ID
    assert again.json()["simulated"] is True
    assert again.json()["displayName"] == "Updated Sensor Alpha"
    assert (await hub.registry.find("d1", None)).model_id == THERMOSTAT_ID
    unchanged = await central.patch("/api/devices/d1", json={})
    assert unchanged.json() == again.json()
    keys_before = (await hub.registry.find("d1", None)).auth
    await central.patch("/api/devices/d1", json={"enabled": True})
    assert (await hub.registry.find("d1", None)).auth == keys_before


async def test_update_errors(central: httpx.AsyncClient) -> None:
    assert (await central.patch("/api/devices/nobody", json={"enabled": False})).status_code == 404
    await central.put("/api/devices/d1", json={})
    bad = await central.patch("/api/devices/d1", json={"template": "nope"})
    assert bad.status_code == 400
    assert (await central.patch("/api/devices/d1", json={"enabled": "maybe"})).status_code == 400


async def test_delete_device(central: httpx.AsyncClient, hub: Hub) -> None:
    await central.put("/api/devices/d1", json={"displayName": "One"})
    assert (await central.delete("/api/devices/d1")).status_code == 204
    assert (await central.get("/api/devices/d1")).status_code == 404
    assert error_of(await central.delete("/api/devices/d1"))["code"] == "NotFound"
    # The profile went with it: a new device of that id starts afresh.
    assert (await central.put("/api/devices/d1", json={})).json()["displayName"] == "d1"


async def test_a_device_deleted_through_iot_hub_loses_its_profile(
    central: httpx.AsyncClient, hub: Hub
) -> None:
    await central.put("/api/devices/d1", json={"displayName": "One"})
    await hub.registry.delete(SYSTEM, "d1", None, None)
    await hub.registry.put(SYSTEM, "d1", None, IdentitySpec())
    assert (await central.get("/api/devices/d1")).json()["displayName"] == "d1"


async def test_list_devices_as_seed_001_shows(central: httpx.AsyncClient, hub: Hub) -> None:
    await central.put(
        "/api/devices/device002",
        json={
            "displayName": "Actuator Beta",
            "template": "dtmi:com:example:actuator;1",
            "simulated": True,
        },
    )
    await central.put(
        "/api/devices/device001",
        json={"displayName": "Sensor Alpha", "template": "dtmi:com:example:temperatureSensor;1"},
    )
    await hub.registry.put(SYSTEM, "from-iot-hub", None, IdentitySpec())  # one registry
    await hub.registry.put(
        SYSTEM, "device001", "a-module", IdentitySpec()
    )  # modules are not devices
    response = await central.get("/api/devices")
    assert response.status_code == 200
    assert response.json() == {
        "devices": [
            {
                "id": "device001",
                "displayName": "Sensor Alpha",
                "template": "dtmi:com:example:temperatureSensor;1",
                "simulated": False,
                "provisioned": False,
                "enabled": True,
            },
            {
                "id": "device002",
                "displayName": "Actuator Beta",
                "template": "dtmi:com:example:actuator;1",
                "simulated": True,
                "provisioned": False,
                "enabled": True,
            },
            {
                "id": "from-iot-hub",
                "displayName": "from-iot-hub",
                "simulated": False,
                "provisioned": False,
                "enabled": True,
            },
        ]
    }


@pytest.fixture
async def fleet(central: httpx.AsyncClient, hub: Hub) -> httpx.AsyncClient:
    await central.put(
        "/api/devices/a",
        json={"displayName": "Alpha", "simulated": True, "template": THERMOSTAT_ID},
    )
    await central.put("/api/devices/b", json={"displayName": "Beta", "enabled": False})
    await central.put("/api/devices/c", json={"displayName": "Gamma sensor", "simulated": True})
    await hub.registry.set_connection("b", None, True)
    await hub.registry.flush_connections()
    return central


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"$filter": "simulated eq true"}, ["a", "c"]),  # seed 001's example
        ({"$filter": "simulated eq false"}, ["b"]),
        ({"$filter": "enabled eq false"}, ["b"]),
        ({"$filter": "provisioned eq true"}, ["b"]),
        ({"$filter": f"template eq '{THERMOSTAT_ID}'"}, ["a"]),
        ({"$filter": "template eq null"}, ["b", "c"]),
        ({"$filter": "id ne 'b'"}, ["a", "c"]),
        ({"$filter": "displayName ge 'B'"}, ["b", "c"]),
        ({"$filter": "displayName lt 'B'"}, ["a"]),
        ({"$filter": "displayName le 'Beta'"}, ["a", "b"]),
        ({"$filter": "displayName gt 'Beta'"}, ["c"]),
        ({"$filter": "contains(displayName, 'SENSOR')"}, ["c"]),
        ({"$filter": "simulated eq true and contains(displayName, 'a')"}, ["a", "c"]),
        ({"$filter": "(id eq 'a' or id eq 'b') and enabled eq true"}, ["a"]),
        ({"$top": 2}, ["a", "b"]),
        ({"$filter": "simulated eq true", "$top": 1}, ["a"]),
    ],
)
async def test_list_filter_and_top(
    fleet: httpx.AsyncClient, params: dict[str, Any], expected: list[str]
) -> None:
    response = await fleet.get("/api/devices", params=params)
    assert response.status_code == 200, response.text
    assert [d["id"] for d in response.json()["devices"]] == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"$filter": "simulated eq 'yes'"}, "true or false"),
        ({"$filter": "color eq 'red'"}, "Cannot filter on 'color'"),
        ({"$filter": "endswith(id, 'a')"}, "function 'endswith' is not supported"),
        ({"$filter": ""}, "empty"),
        ({"$top": 0}, "$top"),
        ({"$top": "all"}, "$top"),
    ],
)
async def test_list_errors(
    central: httpx.AsyncClient, params: dict[str, Any], message: str
) -> None:
    response = await central.get("/api/devices", params=params)
    assert response.status_code == 400
    assert message in error_of(response)["message"]


async def test_credentials_are_the_identitys_keys(central: httpx.AsyncClient, hub: Hub) -> None:
    await central.put("/api/devices/d1", json={})
    response = await central.get("/api/devices/d1/credentials")
    assert response.status_code == 200
    auth = (await hub.registry.find("d1", None)).auth
    assert response.json() == {
        "idScope": hub.central.info.id,
        "symmetricKey": {"primaryKey": auth.primary_key, "secondaryKey": auth.secondary_key},
    }
    assert (await central.get("/api/devices/nobody/credentials")).status_code == 404


async def test_x509_credentials(central: httpx.AsyncClient, hub: Hub) -> None:
    thumb = "907715CCC40C9F97CC19E2C86DF7FACEEE3E2D92"
    from fleethub.hub.registry.device import Authentication

    auth = Authentication("selfSigned", primary_thumbprint=thumb)
    await hub.registry.put(SYSTEM, "x1", None, IdentitySpec(auth=auth))
    await hub.registry.put(
        SYSTEM, "ca1", None, IdentitySpec(auth=Authentication("certificateAuthority"))
    )
    body = (await central.get("/api/devices/x1/credentials")).json()
    assert body["x509"]["clientCertificates"]["primary"] == {"thumbprint": thumb}
    assert list((await central.get("/api/devices/ca1/credentials")).json()) == ["idScope"]


async def test_a_template_the_catalogue_lacks_is_allowed(central: httpx.AsyncClient) -> None:
    """Seed 001 creates devices of templates it never defines; checks start once it exists."""
    await central.put("/api/devices/d1", json={"template": THERMOSTAT_ID})
    assert (await central.post("/api/devices/d1/telemetry", json={"x": 1})).headers.get(
        "x-fleethub-validation"
    ) is None
    await central.put(f"/api/deviceTemplates/{THERMOSTAT_ID}", json=thermostat())
    checked = await central.post("/api/devices/d1/telemetry", json={"x": 1})
    assert checked.headers["x-fleethub-validation"] == "invalid: x: not defined by the model"
