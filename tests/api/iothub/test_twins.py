"""Twins over REST: tags, desired/reported, $metadata, $version, ETag and limits."""

from __future__ import annotations

import httpx
import pytest

from fleethub.hub.hub import Hub
from tests.api.iothub.test_devices import error_code


@pytest.fixture
async def device(api: httpx.AsyncClient) -> str:
    await api.put("/devices/d1", json={})
    return "d1"


async def test_new_twin_shape(api: httpx.AsyncClient, device: str) -> None:
    twin = (await api.get(f"/twins/{device}")).json()
    assert twin["deviceId"] == device
    assert twin["etag"] == "AAAAAAAAAAE="
    assert twin["version"] == 1
    assert twin["status"] == "enabled"
    assert twin["authenticationType"] == "sas"
    assert twin["properties"]["desired"]["$version"] == 1
    assert twin["properties"]["reported"]["$version"] == 1
    assert "$metadata" in twin["properties"]["desired"]
    assert twin["capabilities"] == {"iotEdge": False}


async def test_patch_merges_and_null_removes(api: httpx.AsyncClient, device: str) -> None:
    first = await api.patch(
        f"/twins/{device}",
        json={
            "tags": {"location": {"building": 43, "floor": 1}},
            "properties": {"desired": {"a": 1, "b": {"c": 2}}},
        },
    )
    assert first.status_code == 200
    twin = first.json()
    assert twin["tags"] == {"location": {"building": 43, "floor": 1}}
    assert twin["properties"]["desired"]["$version"] == 2
    assert "$lastUpdated" in twin["properties"]["desired"]["$metadata"]["b"]["c"]
    assert twin["properties"]["desired"]["$metadata"]["a"]["$lastUpdatedVersion"] == 2
    second = (
        await api.patch(
            f"/twins/{device}",
            json={"tags": {"location": {"floor": None}}, "properties": {"desired": {"a": None}}},
            headers={"If-Match": f'"{twin["etag"]}"'},
        )
    ).json()
    assert second["tags"] == {"location": {"building": 43}}
    desired = second["properties"]["desired"]
    assert "a" not in desired
    assert "a" not in desired["$metadata"]
    assert desired["b"] == {"c": 2}
    assert second["version"] == 3


async def test_stale_twin_etag_is_412(api: httpx.AsyncClient, device: str) -> None:
    etag = (await api.get(f"/twins/{device}")).json()["etag"]
    await api.patch(f"/twins/{device}", json={"tags": {"x": 1}})
    response = await api.patch(
        f"/twins/{device}", json={"tags": {"x": 2}}, headers={"If-Match": f'"{etag}"'}
    )
    assert response.status_code == 412
    assert error_code(response) == "PreconditionFailed"
    assert (await api.get(f"/twins/{device}")).json()["tags"] == {"x": 1}


async def test_replace_twin(api: httpx.AsyncClient, device: str) -> None:
    await api.patch(
        f"/twins/{device}", json={"tags": {"a": 1}, "properties": {"desired": {"x": 1}}}
    )
    current = (await api.get(f"/twins/{device}")).json()
    current["tags"] = {"b": 2}
    current["properties"]["desired"]["y"] = 2
    del current["properties"]["desired"]["x"]
    replaced = await api.put(f"/twins/{device}", json=current, headers={"If-Match": "*"})
    assert replaced.status_code == 200
    twin = replaced.json()
    assert twin["tags"] == {"b": 2}
    assert {k: v for k, v in twin["properties"]["desired"].items() if not k.startswith("$")} == {
        "y": 2
    }


async def test_reported_properties_come_from_the_device(
    api: httpx.AsyncClient, hub: Hub, device: str
) -> None:
    version = await hub.twins.patch_reported(device, None, {"temp": 21.5, "fw": {"v": "1.0"}})
    assert version == 2
    # A service patch of reported properties is ignored: they belong to the device.
    await api.patch(f"/twins/{device}", json={"properties": {"reported": {"temp": 0}}})
    reported = (await api.get(f"/twins/{device}")).json()["properties"]["reported"]
    assert reported["temp"] == 21.5
    assert reported["$version"] == 2
    assert "$lastUpdated" in reported["$metadata"]["fw"]["v"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"tags": {"a.b": 1}}, "ArgumentInvalid"),
        ({"tags": {"$a": 1}}, "ArgumentInvalid"),
        ({"tags": {"a b": 1}}, "ArgumentInvalid"),
        ({"properties": {"desired": {"s": "x" * 5000}}}, "ArgumentInvalid"),
        ({"tags": {"big": "x" * 4000, "big2": "x" * 4000, "big3": "x" * 300}}, "TooManyTwinBytes"),
        ({"tags": "notanobject"}, "ArgumentInvalid"),
    ],
)
async def test_twin_rules(
    api: httpx.AsyncClient, device: str, body: dict[str, object], code: str
) -> None:
    response = await api.patch(f"/twins/{device}", json=body)
    assert response.status_code == 400
    assert error_code(response) == code
    assert (await api.get(f"/twins/{device}")).json()["version"] == 1


async def test_depth_limit(api: httpx.AsyncClient, device: str) -> None:
    deep: dict[str, object] = {"leaf": 1}
    for level in range(10):
        deep = {f"l{level}": deep}
    response = await api.patch(f"/twins/{device}", json={"properties": {"desired": deep}})
    assert response.status_code == 400
    shallow: dict[str, object] = {"leaf": 1}
    for level in range(9):
        shallow = {f"l{level}": shallow}
    ok = await api.patch(f"/twins/{device}", json={"properties": {"desired": shallow}})
    assert ok.status_code == 200


async def test_module_twins(api: httpx.AsyncClient, device: str) -> None:
    await api.put(f"/devices/{device}/modules/m1", json={})
    patched = await api.patch(
        f"/twins/{device}/modules/m1", json={"properties": {"desired": {"rate": 5}}}
    )
    assert patched.status_code == 200
    assert patched.json()["moduleId"] == "m1"
    twin = (await api.get(f"/twins/{device}/modules/m1")).json()
    assert twin["properties"]["desired"]["rate"] == 5
    replaced = await api.put(
        f"/twins/{device}/modules/m1", json={"properties": {"desired": {"rate": 6}}}
    )
    assert replaced.json()["properties"]["desired"]["rate"] == 6
    assert (await api.get(f"/twins/{device}/modules/nope")).status_code == 404
    # The device twin is untouched by its module's.
    assert "rate" not in (await api.get(f"/twins/{device}")).json()["properties"]["desired"]


async def test_unknown_device_twin_is_404(api: httpx.AsyncClient) -> None:
    response = await api.patch("/twins/ghost", json={"tags": {"a": 1}})
    assert response.status_code == 404
    assert error_code(response) == "DeviceNotFound"
