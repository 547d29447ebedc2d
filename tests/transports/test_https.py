"""Device HTTPS (seed 002 Device Messaging): telemetry and C2D receive/complete/reject/abandon."""

from __future__ import annotations

import httpx

from fleethub.hub.auth import sas
from tests.api.iothub.test_devices import error_code
from tests.conftest import Clock


async def device_client(api: httpx.AsyncClient, device_id: str, clock: Clock) -> httpx.AsyncClient:
    key = (await api.put(f"/devices/{device_id}", json={})).json()["authentication"]
    token = sas.build(f"localhost/devices/{device_id}", key["symmetricKey"]["primaryKey"],
                      int(clock()) + 600)  # fmt: skip
    return httpx.AsyncClient(
        transport=api._transport,
        base_url=str(api.base_url),
        params={"api-version": "2020-03-13"},
        headers={"authorization": token},
    )


async def test_device_sends_telemetry_over_https(api: httpx.AsyncClient, clock: Clock) -> None:
    async with await device_client(api, "h1", clock) as device:
        response = await device.post(
            "/devices/h1/messages/events",
            content=b'{"t": 1}',
            headers={
                "iothub-app-alert": "high",
                "iothub-messageid": "hm1",
                "content-type": "application/json",
            },
        )
        assert response.status_code == 204
    stored = (await api.get("/devices/h1/messages/events")).json()
    assert stored[0]["systemProperties"]["messageId"] == "hm1"
    assert stored[0]["properties"] == {"alert": "high"}
    assert stored[0]["body"] == '{"t": 1}'


async def test_a_device_cannot_use_another_devices_url(
    api: httpx.AsyncClient, clock: Clock
) -> None:
    await api.put("/devices/victim", json={})
    async with await device_client(api, "h2", clock) as device:
        response = await device.post("/devices/victim/messages/events", content=b"x")
        assert response.status_code == 401
        assert error_code(response) == "IotHubUnauthorizedAccess"
    assert (await api.get("/devices/victim/messages/events")).json() == []


async def test_receive_complete_reject_abandon(api: httpx.AsyncClient, clock: Clock) -> None:
    async with await device_client(api, "h3", clock) as device:
        assert (await device.get("/devices/h3/messages/deviceBound")).status_code == 204
        for body in (b"one", b"two", b"three"):
            sent = await api.post(
                "/messages/deviceBound/h3",
                content=body,
                headers={"iothub-app-k": "v", "iothub-ack": "full"},
            )
            assert sent.status_code == 204
        first = await device.get("/devices/h3/messages/deviceBound")
        assert first.status_code == 200
        assert first.content == b"one"
        assert first.headers["iothub-app-k"] == "v"
        assert first.headers["iothub-deliverycount"] == "1"
        lock = first.headers["etag"].strip('"')
        assert (await device.delete(f"/devices/h3/messages/deviceBound/{lock}")).status_code == 204
        second = await device.get("/devices/h3/messages/deviceBound")
        lock2 = second.headers["etag"].strip('"')
        abandoned = await device.post(f"/devices/h3/messages/deviceBound/{lock2}/abandon")
        assert abandoned.status_code == 204
        again = await device.get("/devices/h3/messages/deviceBound")
        assert again.content == b"two"
        assert again.headers["iothub-deliverycount"] == "2"
        rejected = await device.delete(
            f"/devices/h3/messages/deviceBound/{again.headers['etag'].strip(chr(34))}",
            params={"reject": ""},
        )
        assert rejected.status_code == 204
        stale = await device.delete(f"/devices/h3/messages/deviceBound/{lock}")
        assert stale.status_code == 412
        assert error_code(stale) == "DeviceMessageLockLost"
    feedback = (await api.get("/messages/serviceBound/feedback")).json()
    assert sorted(r["statusCode"] for r in feedback) == ["Rejected", "Success"]


async def test_queue_depth_and_expiry(api: httpx.AsyncClient, clock: Clock) -> None:
    await api.put("/devices/h4", json={})
    for _ in range(50):
        assert (await api.post("/messages/deviceBound/h4", content=b"x")).status_code == 204
    full = await api.post("/messages/deviceBound/h4", content=b"x")
    assert full.status_code == 403
    assert error_code(full) == "DeviceMaximumQueueDepthExceeded"
    purged = await api.delete("/devices/h4/commands")
    assert purged.json()["totalMessagesPurged"] == 50
    await api.post(
        "/messages/deviceBound/h4",
        content=b"short-lived",
        headers={"iothub-ttl": "5", "iothub-ack": "negative", "iothub-messageid": "dying"},
    )
    clock.now += 10
    hub = api._transport.app.state.hub  # type: ignore[attr-defined]
    assert await hub.c2d.expire() == 1
    feedback = (await api.get("/messages/serviceBound/feedback")).json()
    assert [(r["originalMessageId"], r["statusCode"]) for r in feedback] == [("dying", "Expired")]
    assert (await api.get("/messages/serviceBound/feedback")).status_code == 204


async def test_unknown_device_and_bad_ack(api: httpx.AsyncClient) -> None:
    missing = await api.post("/messages/deviceBound/ghost", content=b"x")
    assert missing.status_code == 404
    await api.put("/devices/h5", json={})
    bad = await api.post("/messages/deviceBound/h5", content=b"x", headers={"iothub-ack": "yes"})
    assert bad.status_code == 400
