"""The identity registry over REST: shapes, ETag rules and every error path (seed 002)."""

from __future__ import annotations

import base64

import httpx
import pytest

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()


def error_code(response: httpx.Response) -> str:
    """The Azure ErrorCode from ``{"Message": "ErrorCode:<code>;..."}``."""
    message = response.json()["Message"]
    assert message.startswith("ErrorCode:")
    return str(message.split(";", 1)[0].removeprefix("ErrorCode:"))


async def test_create_device_generates_keys_and_answers_200(api: httpx.AsyncClient) -> None:
    response = await api.put("/devices/d1", json={"deviceId": "d1"})
    assert response.status_code == 200
    body = response.json()
    assert body["deviceId"] == "d1"
    assert body["status"] == "enabled"
    assert body["connectionState"] == "Disconnected"
    assert body["cloudToDeviceMessageCount"] == 0
    keys = body["authentication"]["symmetricKey"]
    assert len(base64.b64decode(keys["primaryKey"])) == 32
    assert keys["primaryKey"] != keys["secondaryKey"]
    assert body["authentication"]["type"] == "sas"
    assert body["generationId"].isdigit()
    assert response.headers["etag"] == f'"{body["etag"]}"'


async def test_given_keys_are_kept(api: httpx.AsyncClient) -> None:
    auth = {"symmetricKey": {"primaryKey": KEY_A, "secondaryKey": KEY_B}, "type": "sas"}
    body = (await api.put("/devices/d1", json={"authentication": auth})).json()
    assert body["authentication"]["symmetricKey"] == {"primaryKey": KEY_A, "secondaryKey": KEY_B}


async def test_ids_are_percent_decoded_per_segment(api: httpx.AsyncClient) -> None:
    """Wire spec §6.1: `dev/1#x` arrives as `/devices/dev%2F1%23x`."""
    response = await api.put("/devices/dev%2F1%23x", json={"deviceId": "dev/1#x"})
    assert response.status_code == 400  # '/' is not an Azure device-id character
    created = await api.put("/devices/dev%231%3Fx", json={"deviceId": "dev#1?x"})
    assert created.status_code == 200
    assert (await api.get("/devices/dev%231%3Fx")).json()["deviceId"] == "dev#1?x"


async def test_get_list_and_delete(api: httpx.AsyncClient) -> None:
    for name in ("b", "a", "c"):
        await api.put(f"/devices/{name}", json={})
    listed = (await api.get("/devices")).json()
    assert [d["deviceId"] for d in listed] == ["a", "b", "c"]
    assert [d["deviceId"] for d in (await api.get("/devices", params={"top": 2})).json()] == [
        "a",
        "b",
    ]
    assert (await api.delete("/devices/b")).status_code == 204
    response = await api.get("/devices/b")
    assert response.status_code == 404
    assert error_code(response) == "DeviceNotFound"


async def test_put_existing_without_if_match_is_a_conflict(api: httpx.AsyncClient) -> None:
    await api.put("/devices/d1", json={})
    response = await api.put("/devices/d1", json={})
    assert response.status_code == 409
    assert error_code(response) == "DeviceAlreadyExists"


async def test_update_with_etag_and_stale_etag(api: httpx.AsyncClient) -> None:
    created = (await api.put("/devices/d1", json={})).json()
    etag = created["etag"]
    updated = await api.put(
        "/devices/d1",
        json={"status": "disabled", "statusReason": "maintenance"},
        headers={"If-Match": f'"{etag}"'},
    )
    assert updated.status_code == 200
    body = updated.json()
    assert body["status"] == "disabled"
    assert body["statusReason"] == "maintenance"
    assert body["etag"] != etag
    # An update without keys keeps the existing ones.
    assert body["authentication"] == created["authentication"]
    stale = await api.put("/devices/d1", json={}, headers={"If-Match": f'"{etag}"'})
    assert stale.status_code == 412
    assert error_code(stale) == "PreconditionFailed"
    star = await api.put("/devices/d1", json={}, headers={"If-Match": "*"})
    assert star.status_code == 200


@pytest.mark.parametrize("if_match", ['"*"', '"bogus"'])
async def test_put_absent_with_if_match_fails(api: httpx.AsyncClient, if_match: str) -> None:
    """Seed 002: If-Match "*" or "xyz" on a resource that does not exist → 412."""
    response = await api.put("/devices/nope", json={}, headers={"If-Match": if_match})
    assert response.status_code == 412
    assert (await api.get("/devices/nope")).status_code == 404


async def test_if_none_match_star(api: httpx.AsyncClient) -> None:
    """Seed 002: If-None-Match "*" creates when absent, 412 when the resource exists."""
    assert (await api.put("/devices/d1", json={}, headers={"If-None-Match": "*"})).status_code == (
        200
    )
    again = await api.put("/devices/d1", json={}, headers={"If-None-Match": "*", "If-Match": "*"})
    assert again.status_code == 412


async def test_delete_etag_rules(api: httpx.AsyncClient) -> None:
    """Seed 002: DELETE of an absent resource succeeds; a wrong ETag on an existing one is 412."""
    assert (await api.delete("/devices/ghost", headers={"If-Match": '"x"'})).status_code == 204
    etag = (await api.put("/devices/d1", json={})).json()["etag"]
    wrong = await api.delete("/devices/d1", headers={"If-Match": '"AAAA"'})
    assert wrong.status_code == 412
    assert (await api.delete("/devices/d1", headers={"If-Match": f'"{etag}"'})).status_code == 204


async def test_x509_devices(api: httpx.AsyncClient) -> None:
    thumb = "907715CCC40C9F97CC19E2C86DF7FACEEE3E2D92"
    auth = {"x509Thumbprint": {"primaryThumbprint": thumb.lower()}, "type": "selfSigned"}
    body = (await api.put("/devices/x1", json={"authentication": auth})).json()
    assert body["authentication"]["x509Thumbprint"]["primaryThumbprint"] == thumb
    assert body["authentication"]["symmetricKey"]["primaryKey"] is None
    bad = {"x509Thumbprint": {"primaryThumbprint": "XYZ"}, "type": "selfSigned"}
    assert (await api.put("/devices/x2", json={"authentication": bad})).status_code == 400
    ca = await api.put("/devices/ca1", json={"authentication": {"type": "certificateAuthority"}})
    assert ca.json()["authentication"]["type"] == "certificateAuthority"


@pytest.mark.parametrize(
    ("device_id", "body"),
    [
        ("a" * 129, {}),
        ("bad%20space", {}),
        ("d1", {"deviceId": "other"}),
        ("d1", {"status": "sleeping"}),
        ("d1", {"authentication": {"symmetricKey": {"primaryKey": "not base64!"}}}),
        ("d1", {"authentication": {"symmetricKey": {"primaryKey": KEY_A}}}),
        (
            "d1",
            {
                "authentication": {
                    "symmetricKey": {
                        "primaryKey": base64.b64encode(b"short").decode(),
                        "secondaryKey": KEY_B,
                    }
                }
            },
        ),
        ("d1", {"authentication": {"type": "selfSigned"}}),
    ],
)
async def test_invalid_identities_are_refused(
    api: httpx.AsyncClient, device_id: str, body: dict[str, object]
) -> None:
    response = await api.put(f"/devices/{device_id}", json=body)
    assert response.status_code == 400
    assert error_code(response) == "ArgumentInvalid"
    assert (await api.get("/devices")).json() == []


async def test_malformed_json_is_400(api: httpx.AsyncClient) -> None:
    response = await api.put(
        "/devices/d1", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["Message"]


async def test_modules(api: httpx.AsyncClient) -> None:
    await api.put("/devices/d1", json={})
    missing = await api.put("/devices/ghost/modules/m1", json={"moduleId": "m1"})
    assert missing.status_code == 404
    created = await api.put(
        "/devices/d1/modules/m1", json={"moduleId": "m1", "deviceId": "d1", "managedBy": "mgr"}
    )
    assert created.status_code == 200
    module = created.json()
    assert module["moduleId"] == "m1"
    assert module["managedBy"] == "mgr"
    assert module["authentication"]["symmetricKey"]["primaryKey"]
    assert (await api.put("/devices/d1/modules/m1", json={})).status_code == 409
    updated = await api.put(
        "/devices/d1/modules/m1", json={"managedBy": "other"}, headers={"If-Match": "*"}
    )
    assert updated.json()["managedBy"] == "other"
    assert [m["moduleId"] for m in (await api.get("/devices/d1/modules")).json()] == ["m1"]
    gone = await api.get("/devices/d1/modules/m2")
    assert gone.status_code == 404
    assert error_code(gone) == "ModuleNotFound"
    # A device is listed without its modules, and deleting it takes its modules with it.
    assert [d["deviceId"] for d in (await api.get("/devices")).json()] == ["d1"]
    assert (await api.delete("/devices/d1")).status_code == 204
    assert (await api.get("/devices/d1/modules/m1")).status_code == 404


async def test_statistics(api: httpx.AsyncClient) -> None:
    await api.put("/devices/a", json={})
    await api.put("/devices/b", json={"status": "disabled"})
    await api.put("/devices/b2", json={})
    await api.put("/devices/a/modules/m", json={})
    stats = (await api.get("/statistics/devices")).json()
    assert stats == {"totalDeviceCount": 3, "enabledDeviceCount": 2, "disabledDeviceCount": 1}
    assert (await api.get("/statistics/service")).json() == {"connectedDeviceCount": 0}


async def test_bulk_create_update_delete(api: httpx.AsyncClient) -> None:
    items = [{"id": f"b{i}", "importMode": "create"} for i in range(5)]
    result = await api.post("/devices", json=items)
    assert result.status_code == 200
    assert result.json() == {"isSuccessful": True, "errors": [], "warnings": []}
    again = await api.post(
        "/devices",
        json=[
            {"id": "b0", "importMode": "create"},
            {"id": "b1", "importMode": "delete"},
            {"id": "b2", "importMode": "update", "status": "disabled"},
            {"id": "b3", "importMode": "updateIfMatchETag", "eTag": "nope"},
            {"id": "b9", "importMode": "create", "tags": {"floor": 3}},
            {"id": "bad id", "importMode": "create"},
            {"id": "b4", "importMode": "updateTwin", "properties": {"desired": {"x": 1}}},
        ],
    )
    assert again.status_code == 400
    body = again.json()
    assert body["isSuccessful"] is False
    failures = {(e["deviceId"], e["errorCode"]) for e in body["errors"]}
    assert failures == {
        ("b0", "DeviceAlreadyExists"),
        ("b3", "PreconditionFailed"),
        ("bad id", "ArgumentInvalid"),
    }
    assert (await api.get("/devices/b1")).status_code == 404
    assert (await api.get("/devices/b2")).json()["status"] == "disabled"
    assert (await api.get("/twins/b9")).json()["tags"] == {"floor": 3}
    assert (await api.get("/twins/b4")).json()["properties"]["desired"]["x"] == 1


async def test_bulk_limit(api: httpx.AsyncClient) -> None:
    items = [{"id": f"b{i}", "importMode": "create"} for i in range(101)]
    response = await api.post("/devices", json=items)
    assert response.status_code == 400
    assert error_code(response) == "TooManyDevices"
    assert (await api.get("/devices")).json() == []


async def test_bulk_duplicate_ids_fail_after_the_first(api: httpx.AsyncClient) -> None:
    """Azure: an identity may appear once per request; later entries answer
    DeviceDefinedMultipleTimes (400011) and the first is applied."""
    response = await api.post(
        "/devices",
        json=[
            {"id": "dup", "importMode": "create"},
            {"id": "dup", "importMode": "create", "status": "disabled"},
            {"id": "other", "importMode": "create"},
            {"id": "dup", "importMode": "update"},
            {"id": "dup", "moduleId": "m", "importMode": "create"},
        ],
    )
    assert response.status_code == 400
    body = response.json()
    assert body["isSuccessful"] is False
    assert [(e["deviceId"], e["moduleId"], e["errorCode"]) for e in body["errors"]] == [
        ("dup", None, "DeviceDefinedMultipleTimes"),
        ("dup", None, "DeviceDefinedMultipleTimes"),
    ]
    assert [e["operation"] for e in body["errors"]] == ["create", "update"]
    assert (await api.get("/devices/dup")).json()["status"] == "enabled"
    assert (await api.get("/devices/other")).status_code == 200
    assert (await api.get("/devices/dup/modules/m")).status_code == 200
