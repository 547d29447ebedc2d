"""/configurations and applyConfigurationContent over REST: Azure's shapes and If-Match rules
(unquoted etags, wire spec §6.2), and what the reconciler does with them."""

from __future__ import annotations

from typing import Any

import httpx

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.registry.device import IdentitySpec
from fleethub.hub.twins.service import TwinPatch
from tests.api.iothub.test_devices import error_code

ADM: dict[str, Any] = {
    "id": "fw-2",
    "schemaVersion": "1.0",
    "labels": {"team": "ops"},
    "content": {"deviceContent": {"properties.desired.firmware.version": "2.0"}},
    "targetCondition": "tags.environment='prod'",
    "priority": 10,
    "metrics": {
        "queries": {
            "current": "SELECT deviceId FROM devices WHERE "
            "configurations.[[fw-2]].status = 'Applied' "
            "AND properties.reported.firmware.version = '2.0'"
        }
    },
}
DEPLOYMENT: dict[str, Any] = {
    "id": "edge-base",
    "content": {
        "modulesContent": {
            "$edgeAgent": {"properties.desired": {"schemaVersion": "1.1", "modules": {}}},
            "$edgeHub": {"properties.desired": {"schemaVersion": "1.1", "routes": {}}},
        }
    },
    "targetCondition": "*",
    "priority": 1,
}


async def devices(hub: Hub, **tags: dict[str, Any]) -> None:
    for device_id, device_tags in tags.items():
        await hub.registry.put(SYSTEM, device_id, None, IdentitySpec())
        if device_tags:
            await hub.twins.patch(SYSTEM, device_id, None, TwinPatch(tags=device_tags), None)


async def test_create_get_list_with_azure_shape(api: httpx.AsyncClient, hub: Hub) -> None:
    response = await api.put("/configurations/fw-2", json=ADM)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "id", "schemaVersion", "labels", "content", "targetCondition", "createdTimeUtc",
        "lastUpdatedTimeUtc", "priority", "systemMetrics", "metrics", "etag",
    }  # fmt: skip
    assert body["etag"] == "MQ=="
    assert response.headers["etag"] == '"MQ=="'
    assert body["content"] == {
        "deviceContent": ADM["content"]["deviceContent"],
        "modulesContent": {},
        "moduleContent": {},
    }
    assert body["systemMetrics"]["queries"]["targetedCount"].endswith("tags.environment='prod'")
    assert body["metrics"]["queries"] == ADM["metrics"]["queries"]
    assert (await api.get("/configurations/fw-2")).json()["id"] == "fw-2"
    await api.put("/configurations/edge-base", json=DEPLOYMENT)
    listed = (await api.get("/configurations")).json()
    assert [c["id"] for c in listed] == ["edge-base", "fw-2"]
    assert [c["id"] for c in (await api.get("/configurations", params={"top": 1})).json()] == [
        "edge-base"
    ]
    assert (await api.get("/configurations", params={"top": 0})).status_code == 400


async def test_if_match_rules(api: httpx.AsyncClient) -> None:
    await api.put("/configurations/fw-2", json=ADM)
    again = await api.put("/configurations/fw-2", json=ADM)
    assert (again.status_code, error_code(again)) == (409, "ConfigurationAlreadyExists")
    changed = {**ADM, "priority": 20, "labels": {"team": "dev"}}
    updated = await api.put("/configurations/fw-2", json=changed, headers={"If-Match": "MQ=="})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["priority"], updated.json()["etag"]) == (20, "Mg==")
    stale = await api.put("/configurations/fw-2", json=changed, headers={"If-Match": "MQ=="})
    assert (stale.status_code, error_code(stale)) == (412, "PreconditionFailed")
    star = await api.put("/configurations/fw-2", json=changed, headers={"If-Match": '"*"'})
    assert star.json()["etag"] == "Mw=="
    absent = await api.put(
        "/configurations/nope", json={**ADM, "id": None}, headers={"If-Match": "MQ=="}
    )
    assert absent.status_code == 412
    other = {**ADM, "content": {"deviceContent": {"properties.desired.x": 1}}}
    refused = await api.put("/configurations/fw-2", json=other, headers={"If-Match": "*"})
    assert refused.status_code == 400
    assert "cannot be changed" in refused.text
    assert (
        await api.delete("/configurations/fw-2", headers={"If-Match": "MQ=="})
    ).status_code == 412
    assert (
        await api.delete("/configurations/fw-2", headers={"If-Match": "Mw=="})
    ).status_code == 204
    gone = await api.get("/configurations/fw-2")
    assert (gone.status_code, error_code(gone)) == (404, "ConfigurationNotFound")
    assert (await api.delete("/configurations/fw-2", headers={"If-Match": "*"})).status_code == 404


async def test_invalid_configurations_are_refused(api: httpx.AsyncClient) -> None:
    cases = [
        ("Upper", ADM),
        ("fw-2", {**ADM, "id": "other"}),
        ("fw-2", {**ADM, "content": {}}),
        ("fw-2", {**ADM, "content": {**ADM["content"], **DEPLOYMENT["content"]}}),
        ("fw-2", {**ADM, "content": {"moduleContent": {"properties.desired.x": 1}}}),
        ("fw-2", {**ADM, "content": {"deviceContent": {"tags.x": 1}}}),
        ("fw-2", {**ADM, "content": {"deviceContent": {"properties.desired..x": 1}}}),
        ("fw-2", {**ADM, "content": {"deviceContent": {"properties.desired": 5}}}),
        ("fw-2", {**ADM, "content": {"modulesContent": {"$edgeAgent": {}}}}),
        ("fw-2", {**ADM, "content": {"modulesContent": {"bad/id": {"properties.desired": {}}}}}),
        ("fw-2", {**ADM, "targetCondition": "tags.x ="}),
        ("fw-2", {**ADM, "priority": -1}),
        ("fw-2", {**ADM, "metrics": {"queries": {"m": "SELECT FROM"}}}),
        ("fw-2", {**ADM, "metrics": {"queries": {"m": "SELECT COUNT() AS n FROM devices"}}}),
    ]
    for configuration_id, body in cases:
        response = await api.put(f"/configurations/{configuration_id}", json=body)
        assert response.status_code == 400, (body, response.text)
    assert (await api.get("/configurations/fw-2")).status_code == 404


async def test_test_queries(api: httpx.AsyncClient) -> None:
    good = {"targetCondition": "tags.a = 1", "customMetricQueries": {"m": "SELECT * FROM devices"}}
    body = (await api.post("/configurations/testQueries", json=good)).json()
    assert body == {"targetConditionError": "", "customMetricQueryErrors": {}}
    bad = {
        "targetCondition": "tags.a =",
        "customMetricQueries": {"m": "nonsense", "ok": "SELECT * FROM devices"},
    }
    body = (await api.post("/configurations/testQueries", json=bad)).json()
    assert "syntax error" in body["targetConditionError"]
    assert list(body["customMetricQueryErrors"]) == ["m"]


async def test_a_configuration_reaches_targeted_twins_only(
    api: httpx.AsyncClient, hub: Hub
) -> None:
    await devices(
        hub,
        p1={"environment": "prod"},
        p2={"environment": "prod"},
        d1={"environment": "dev"},
        bare={},
    )
    await api.put("/configurations/fw-2", json=ADM)
    await hub.configurations.worker.settled()
    for device_id, expected in (("p1", {"firmware": {"version": "2.0"}}), ("d1", {}), ("bare", {})):
        assert (await hub.registry.find(device_id, None)).twin.desired == expected
    body = (await api.get("/configurations/fw-2")).json()
    assert body["systemMetrics"]["results"] == {"targetedCount": 2, "appliedCount": 2}
    assert body["metrics"]["results"] == {"current": 0}
    await hub.twins.patch_reported("p1", None, {"firmware": {"version": "2.0"}})
    await hub.twins.patch(SYSTEM, "d1", None, TwinPatch(tags={"environment": "prod"}), None)
    await hub.configurations.worker.settled()
    assert (await hub.registry.find("d1", None)).twin.desired == {"firmware": {"version": "2.0"}}
    body = (await api.get("/configurations/fw-2")).json()
    assert body["systemMetrics"]["results"] == {"targetedCount": 3, "appliedCount": 3}
    assert body["metrics"]["results"] == {"current": 1}


async def test_the_highest_priority_wins_then_the_newest(api: httpx.AsyncClient, hub: Hub) -> None:
    await devices(hub, p1={"environment": "prod"})
    low = {
        **ADM,
        "id": "low",
        "priority": 1,
        "content": {"deviceContent": {"properties.desired.v": "low"}},
    }
    high = {
        **ADM,
        "id": "high",
        "priority": 5,
        "content": {"deviceContent": {"properties.desired.v": "high"}},
    }
    await api.put("/configurations/high", json=high)
    await api.put("/configurations/low", json=low)
    await hub.configurations.worker.settled()
    assert (await hub.registry.find("p1", None)).twin.desired["v"] == "high"
    low_now = (await api.get("/configurations/low")).json()["systemMetrics"]["results"]
    assert low_now == {"targetedCount": 1, "appliedCount": 0}
    tie = {**high, "id": "tie", "content": {"deviceContent": {"properties.desired.v": "tie"}}}
    await api.put("/configurations/tie", json=tie)
    await hub.configurations.worker.settled()
    assert (await hub.registry.find("p1", None)).twin.desired["v"] == "tie"
    await api.delete("/configurations/tie")
    await hub.configurations.worker.settled()
    assert (await hub.registry.find("p1", None)).twin.desired["v"] == "high"


async def test_apply_configuration_content(api: httpx.AsyncClient, hub: Hub) -> None:
    await api.put("/devices/edge-1", json={"capabilities": {"iotEdge": True}})
    await api.put("/devices/plain", json={})
    content = {"modulesContent": {"$edgeAgent": {"properties.desired": {"schemaVersion": "1.1"}}}}
    applied = await api.post("/devices/edge-1/applyConfigurationContent", json=content)
    assert applied.status_code == 204, applied.text
    agent = await hub.registry.find("edge-1", "$edgeAgent")
    assert agent.twin.desired == {"schemaVersion": "1.1"}
    assert await hub.registry.lookup("edge-1", "$edgeHub") is not None  # IoT Hub makes both
    plain = await api.post("/devices/plain/applyConfigurationContent", json=content)
    assert plain.status_code == 400
    missing = await api.post("/devices/ghost/applyConfigurationContent", json=content)
    assert (missing.status_code, error_code(missing)) == (404, "DeviceNotFound")
    device_only = {"deviceContent": {"properties.desired.x": 1}}
    assert (
        await api.post("/devices/edge-1/applyConfigurationContent", json=device_only)
    ).status_code == 400


async def test_deployments_report_success_and_failure(api: httpx.AsyncClient, hub: Hub) -> None:
    await api.put("/devices/edge-1", json={"capabilities": {"iotEdge": True}})
    await api.put("/devices/edge-2", json={"capabilities": {"iotEdge": True}})
    await api.put("/devices/leaf", json={})
    await api.put("/configurations/edge-base", json=DEPLOYMENT)
    await hub.configurations.worker.settled()
    results = (await api.get("/configurations/edge-base")).json()["systemMetrics"]["results"]
    assert results == {
        "targetedCount": 2,
        "appliedCount": 2,
        "reportedSuccessfulCount": 0,
        "reportedFailedCount": 0,
    }
    for device_id, code in (("edge-1", 200), ("edge-2", 500)):
        agent = await hub.registry.find(device_id, "$edgeAgent")
        report = {
            "lastDesiredVersion": agent.twin.desired_version,
            "lastDesiredStatus": {"code": code},
        }
        await hub.twins.patch_reported(device_id, "$edgeAgent", report)
    await hub.configurations.worker.settled()
    results = (await api.get("/configurations/edge-base")).json()["systemMetrics"]["results"]
    assert (results["reportedSuccessfulCount"], results["reportedFailedCount"]) == (1, 1)
