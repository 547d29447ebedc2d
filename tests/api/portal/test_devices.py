"""/api/Devices: LoRaWAN devices as identities with SAS keys and twins (seed 000)."""

from __future__ import annotations

import base64

import httpx

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.registry.device import IdentitySpec
from fleethub.hub.twins.service import TwinPatch
from tests.api.portal.conftest import (
    SEED_CONCENTRATOR,
    SEED_DEVICE,
    SEED_GATEWAY,
    THUMBPRINT,
    new_model,
    problem,
    seed,
)

LIST_ITEM = {
    "deviceID",
    "deviceName",
    "imageUrl",
    "isConnected",
    "isEnabled",
    "statusUpdatedTime",
    "appEUI",
    "appKey",
    "locationCode",
}


async def test_seed_example_creates_identity_and_twin(portal: httpx.AsyncClient, hub: Hub) -> None:
    model = await new_model(portal, sensorDecoderURL="http://decoders/temp")
    body = seed(SEED_DEVICE, modelId=model["modelId"])
    response = await portal.post("/api/Devices", json=body)
    assert response.status_code == 200, response.text
    details = response.json()
    assert set(details) == set(SEED_DEVICE)
    assert details["deviceID"] == "string"
    assert details["modelName"] == "Temperature sensor"  # the model's name wins
    assert details["imageUrl"] == model["imageUrl"]
    assert details["commands"] == [{"commandId": "on", "frame": "01FF"}]
    assert details["isConnected"] is False
    identity = await hub.registry.find("string", None)
    assert identity.auth.type == "sas"
    assert len(base64.b64decode(identity.auth.primary_key or "")) == 32
    assert identity.model_id == model["modelId"]
    assert identity.twin.tags == {
        "deviceName": "string",
        "modelId": model["modelId"],
        "modelName": "Temperature sensor",
        "locationCode": "string",
        "assetId": "string",
        "deviceType": "string",
    }
    assert identity.twin.desired == {
        "AppEUI": "string",
        "AppKey": "string",
        "SensorDecoder": "string",
    }
    fetched = (await portal.get("/api/Devices/string")).json()
    assert fetched == details


async def test_an_unknown_model_is_a_fault_of_the_model_id_field(
    portal: httpx.AsyncClient,
) -> None:
    errors = problem(await portal.post("/api/Devices", json=SEED_DEVICE), 400)["errors"]
    assert list(errors) == ["modelId"]
    assert "no LoRaWAN device model" in errors["modelId"][0].replace("No", "no")


async def test_each_required_field_is_enforced(portal: httpx.AsyncClient) -> None:
    for field in ("deviceID", "deviceName", "appEUI", "modelName"):
        body = seed(SEED_DEVICE, modelId=None, **{field: None})
        errors = problem(await portal.post("/api/Devices", json=body), 400)["errors"]
        assert errors == {field: [f"The {field} field is required."]}
    bad_id = seed(SEED_DEVICE, modelId=None, deviceID="a/b")
    assert list(problem(await portal.post("/api/Devices", json=bad_id), 400)["errors"]) == [
        "deviceID"
    ]


async def test_without_a_model_the_device_keeps_its_model_name(portal: httpx.AsyncClient) -> None:
    body = seed(SEED_DEVICE, deviceID="plain", modelId=None, modelName="Legacy")
    details = (await portal.post("/api/Devices", json=body)).json()
    assert (details["modelId"], details["modelName"], details["imageUrl"]) == (None, "Legacy", None)
    assert details["commands"] == []
    problem(await portal.post("/api/Devices", json=body), 409)


async def test_list_shows_devices_only(portal: httpx.AsyncClient, hub: Hub) -> None:
    model = await new_model(portal)
    await portal.post(
        "/api/Devices", json=seed(SEED_DEVICE, deviceID="b", modelId=model["modelId"])
    )
    await portal.post("/api/Devices", json=seed(SEED_DEVICE, deviceID="a", modelId=None))
    concentrator = seed(
        SEED_CONCENTRATOR, deviceId="c", loraRegion="EU863", clientCertificateThumbprint=THUMBPRINT
    )
    assert (await portal.post("/api/Concentrators", json=concentrator)).status_code == 200
    assert (
        await portal.post("/api/Gateways", json=seed(SEED_GATEWAY, deviceId="g"))
    ).status_code == 200
    await hub.registry.put(SYSTEM, "iothub-made", None, IdentitySpec())
    listed = (await portal.get("/api/Devices")).json()
    assert [d["deviceID"] for d in listed] == ["a", "b", "iothub-made"]
    assert all(set(d) == LIST_ITEM for d in listed)
    assert listed[1]["imageUrl"] == model["imageUrl"]
    assert listed[2]["deviceName"] is None
    assert listed[0]["statusUpdatedTime"].endswith("Z")


async def test_put_updates_twin_and_identity(portal: httpx.AsyncClient, hub: Hub) -> None:
    first = await new_model(portal)
    second = await new_model(portal, name="Second")
    body = seed(SEED_DEVICE, deviceID="d1", modelId=first["modelId"])
    await portal.post("/api/Devices", json=body)
    change = seed(
        body,
        deviceName="Renamed",
        isEnabled=False,
        locationCode=None,
        appKey=None,
        modelId=second["modelId"],
    )
    response = await portal.put("/api/Devices", json=change)
    assert response.status_code == 200, response.text
    details = response.json()
    assert details["deviceName"] == "Renamed"
    assert details["isEnabled"] is False
    assert (details["locationCode"], details["appKey"]) == (None, None)
    assert details["modelName"] == "Second"
    identity = await hub.registry.find("d1", None)
    assert identity.status == "disabled"
    assert identity.model_id == second["modelId"]
    assert "locationCode" not in identity.twin.tags
    problem(await portal.put("/api/Devices", json=seed(change, deviceID="ghost")), 404)
    bad_model = seed(change, modelId="dtmi:x:y;1")
    assert list(problem(await portal.put("/api/Devices", json=bad_model), 400)["errors"]) == [
        "modelId"
    ]


async def test_connection_and_login_state_come_from_the_registry(
    portal: httpx.AsyncClient, hub: Hub
) -> None:
    await portal.post("/api/Devices", json=seed(SEED_DEVICE, deviceID="d2", modelId=None))
    await hub.registry.set_connection("d2", None, True)
    await hub.registry.flush_connections()
    await hub.twins.patch_reported("d2", None, {"DevAddr": "0028B1B1"})
    details = (await portal.get("/api/Devices/d2")).json()
    assert details["isConnected"] is True
    assert details["alreadyLoggedInOnce"] is True
    await hub.twins.patch(SYSTEM, "d2", None, TwinPatch(tags={"deviceName": 5}), None)
    assert (await portal.get("/api/Devices/d2")).json()["deviceName"] is None


async def test_get_and_delete_unknown_devices_are_404(portal: httpx.AsyncClient) -> None:
    problem(await portal.get("/api/Devices/ghost"), 404)
    problem(await portal.delete("/api/Devices/ghost"), 404)
    await portal.post("/api/Devices", json=seed(SEED_DEVICE, deviceID="d3", modelId=None))
    assert (await portal.delete("/api/Devices/d3")).status_code == 200
    problem(await portal.get("/api/Devices/d3"), 404)
