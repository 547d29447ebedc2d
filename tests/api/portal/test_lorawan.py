"""/api/Concentrators: LoRa Basics Station gateways with a routerConfig made from their region
and the X.509 thumbprint kept for the network server (seed 000)."""

from __future__ import annotations

import httpx

from fleethub.api.portal.wire import router_config_json, time_json
from fleethub.hub.hub import Hub
from tests.api.portal.conftest import SEED_CONCENTRATOR, SEED_DEVICE, THUMBPRINT, problem, seed

VALID = seed(SEED_CONCENTRATOR, loraRegion="EU863", clientCertificateThumbprint=THUMBPRINT)
ROUTER_KEYS = {
    "netID",
    "joinEui",
    "region",
    "hwspec",
    "freq_range",
    "dRs",
    "sx1301_conf",
    "nocca",
    "nodc",
    "nodwell",
}


async def test_seed_example_with_a_real_region_and_thumbprint(
    portal: httpx.AsyncClient, hub: Hub
) -> None:
    response = await portal.post("/api/Concentrators", json=VALID)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == set(SEED_CONCENTRATOR)
    assert body["deviceType"] == "LoRa Concentrator"
    assert body["clientCertificateThumbprint"] == THUMBPRINT
    assert body["loraRegion"] == "EU863"
    router = body["routerConfig"]
    assert set(router) == ROUTER_KEYS
    assert router["region"] == "EU863"
    assert router["freq_range"] == [863_000_000, 870_000_000]
    assert router["sx1301_conf"][0]["chan_multiSF_0"] == {
        "enable": True,
        "radio": 1,
        "if": -400_000,
    }
    twin = (await hub.registry.find("string", None)).twin
    assert twin.desired["routerConfig"]["NetID"] == [1]  # the starter kit's spelling
    assert twin.desired["routerConfig"]["DRs"] == router["dRs"]
    assert twin.desired["clientThumbprint"] == [THUMBPRINT]
    assert twin.tags == {
        "deviceName": "string",
        "deviceType": "LoRa Concentrator",
        "loraRegion": "EU863",
    }
    assert (await portal.get("/api/Concentrators/string")).json() == body


async def test_seed_example_as_is_names_region_and_thumbprint(portal: httpx.AsyncClient) -> None:
    errors = problem(await portal.post("/api/Concentrators", json=SEED_CONCENTRATOR), 400)["errors"]
    assert sorted(errors) == ["clientCertificateThumbprint", "loraRegion"]
    assert "EU863, US902, AS923, AU915, CN470" in errors["loraRegion"][0]


async def test_each_required_field_is_enforced(portal: httpx.AsyncClient) -> None:
    for field in ("deviceId", "deviceName", "loraRegion"):
        body = seed(VALID, **{field: None})
        errors = problem(await portal.post("/api/Concentrators", json=body), 400)["errors"]
        assert errors == {field: [f"The {field} field is required."]}


async def test_every_supported_region_and_no_thumbprint(portal: httpx.AsyncClient) -> None:
    for region in ("EU863", "us902", "AS923", "AU915", "CN470"):
        body = seed(
            VALID, deviceId=f"c-{region}", loraRegion=region, clientCertificateThumbprint=""
        )
        created = (await portal.post("/api/Concentrators", json=body)).json()
        assert created["routerConfig"]["region"] == region.upper()
        assert created["clientCertificateThumbprint"] is None
    listed = (await portal.get("/api/Concentrators")).json()
    assert [c["deviceId"] for c in listed] == [
        "c-AS923",
        "c-AU915",
        "c-CN470",
        "c-EU863",
        "c-us902",
    ]
    problem(await portal.post("/api/Concentrators", json=seed(VALID, deviceId="c-EU863")), 409)


async def test_update_changes_region_thumbprint_and_state(
    portal: httpx.AsyncClient, hub: Hub
) -> None:
    await portal.post("/api/Concentrators", json=VALID)
    change = seed(
        VALID,
        deviceName="Roof",
        loraRegion="US902",
        clientCertificateThumbprint="",
        isEnabled=False,
    )
    response = await portal.put("/api/Concentrators", json=change)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["deviceName"], body["loraRegion"], body["isEnabled"]) == ("Roof", "US902", False)
    assert body["clientCertificateThumbprint"] is None
    twin = (await hub.registry.find("string", None)).twin
    assert twin.desired["routerConfig"]["region"] == "US902"
    assert "chan_FSK" in twin.desired["routerConfig"]["sx1301_conf"][0]
    assert len(twin.desired["routerConfig"]["DRs"]) == 14
    assert "clientThumbprint" not in twin.desired
    problem(await portal.put("/api/Concentrators", json=seed(VALID, deviceId="ghost")), 404)
    bad = seed(VALID, loraRegion="Mars")
    assert list(problem(await portal.put("/api/Concentrators", json=bad), 400)["errors"]) == [
        "loraRegion"
    ]


async def test_only_concentrators_are_concentrators(portal: httpx.AsyncClient) -> None:
    await portal.post("/api/Devices", json=seed(SEED_DEVICE, deviceID="plain", modelId=None))
    problem(await portal.get("/api/Concentrators/plain"), 404)
    problem(await portal.delete("/api/Concentrators/plain"), 404)
    problem(await portal.get("/api/Concentrators/ghost"), 404)
    await portal.post("/api/Concentrators", json=VALID)
    assert (await portal.delete("/api/Concentrators/string")).status_code == 200
    problem(await portal.get("/api/Concentrators/string"), 404)


def test_times_and_missing_router_configs_render_as_the_portal_does() -> None:
    assert time_json(None) == "0001-01-01T00:00:00Z"
    assert time_json(0.0) == "1970-01-01T00:00:00.000000Z"
    assert router_config_json({}) is None
