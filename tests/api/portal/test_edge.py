"""/api/Gateways and /api/Configs: IoT Edge gateways, their modules and deployments."""

from __future__ import annotations

from typing import Any

import httpx

from fleethub.api.portal.edge import method_payload
from fleethub.api.portal.wire_edge import GatewayModuleBody, c2d_result
from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.configurations.record import Configuration, Content
from fleethub.hub.hub import Hub
from fleethub.hub.methods import MethodResult
from fleethub.hub.registry.device import Authentication, IdentitySpec
from tests.api.portal.conftest import SEED_GATEWAY, SEED_GATEWAY_MODULE, problem, seed

AGENT = {
    "schemaVersion": "1.1",
    "modules": {
        "sim": {
            "version": "1.2",
            "status": "running",
            "env": {"RATE": {"value": 5}},
            "settings": {"image": "sim:1.2"},
        }
    },
}
DEPLOYMENT = Content(
    modules={
        "$edgeAgent": {"properties.desired": AGENT},
        "$edgeHub": {"properties.desired": {"schemaVersion": "1.1", "routes": {}}},
        "sim": {"properties.desired": {"interval": 10, "unit": "C"}},
    }
)


async def new_gateway(portal: httpx.AsyncClient, device_id: str = "gw-1", **changes: Any) -> Any:
    response = await portal.post(
        "/api/Gateways", json=seed(SEED_GATEWAY, deviceId=device_id, **changes)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_seed_example_creates_an_edge_device_with_system_modules(
    portal: httpx.AsyncClient, hub: Hub
) -> None:
    body = await new_gateway(portal, "string")
    assert set(body) == set(SEED_GATEWAY)
    identity = await hub.registry.find("string", None)
    assert identity.iot_edge
    assert identity.device_scope == body["scope"]
    assert body["scope"].startswith("ms-azure-iot-edge://string-")
    assert body["symmetricKey"] == identity.auth.primary_key
    assert (body["type"], body["environment"], body["status"]) == ("string", "string", "Enabled")
    assert body["endPoint"] == "localhost"
    assert (body["modules"], body["nbModules"], body["lastDeployment"]) == ([], 0, None)
    modules = [m.module_id for m in await hub.registry.list_modules(SYSTEM, "string")]
    assert modules == ["$edgeAgent", "$edgeHub"]
    assert identity.twin.tags == {"purpose": "string", "env": "string"}
    problem(await portal.post("/api/Gateways", json=seed(SEED_GATEWAY)), 409)


async def test_each_required_field_is_enforced(portal: httpx.AsyncClient) -> None:
    for field in ("deviceId", "type"):
        body = seed(SEED_GATEWAY, **{field: None})
        errors = problem(await portal.post("/api/Gateways", json=body), 400)["errors"]
        assert errors == {field: [f"The {field} field is required."]}


async def test_list_counts_the_devices_in_each_scope(portal: httpx.AsyncClient, hub: Hub) -> None:
    gateway = await new_gateway(portal, "gw-1")
    await new_gateway(portal, "gw-2", status="Disabled")
    scope = gateway["scope"]
    for child in ("leaf-1", "leaf-2"):
        spec = IdentitySpec(device_scope=scope, parent_scopes=(scope,))
        await hub.registry.put(SYSTEM, child, None, spec)
    listed = (await portal.get("/api/Gateways")).json()
    assert listed == [
        {"deviceId": "gw-1", "status": "Enabled", "type": "string", "nbDevices": 2},
        {"deviceId": "gw-2", "status": "Disabled", "type": "string", "nbDevices": 0},
    ]
    assert (await portal.get("/api/Gateways/gw-1")).json()["nbDevices"] == 2


async def test_gateway_shows_modules_and_its_deployment(
    portal: httpx.AsyncClient, hub: Hub
) -> None:
    await new_gateway(portal, "gw-1", environment="prod")
    await hub.configurations.put(
        SYSTEM, Configuration("dep-1", DEPLOYMENT, "tags.env = 'prod'", 1), None
    )
    await hub.configurations.worker.settled()
    await hub.registry.put(SYSTEM, "gw-1", "sim", IdentitySpec())
    await hub.configurations.worker.settled()
    agent = await hub.registry.find("gw-1", "$edgeAgent")
    reported = {
        "lastDesiredVersion": agent.twin.desired_version,
        "lastDesiredStatus": {"code": 200, "description": ""},
        "systemModules": {"edgeAgent": {"runtimeStatus": "running"}},
        "modules": {"sim": {"runtimeStatus": "running", "version": "1.2"}},
    }
    await hub.twins.patch_reported("gw-1", "$edgeAgent", reported)
    await hub.configurations.worker.settled()
    body = (await portal.get("/api/Gateways/gw-1")).json()
    assert body["runtimeResponse"] == "running"
    assert body["lastDeployment"]["name"] == "dep-1"
    assert body["lastDeployment"]["status"] == "Success"
    assert body["nbModules"] == 1
    assert body["modules"] == [
        {
            "moduleName": "sim",
            "version": "1.2",
            "status": "running",
            "environmentVariables": {"RATE": "5"},
            "moduleIdentityTwinSettings": {"interval": "10", "unit": "C"},
        }
    ]


async def test_update_and_delete(portal: httpx.AsyncClient, hub: Hub) -> None:
    await new_gateway(portal, "gw-1")
    change = seed(
        SEED_GATEWAY, deviceId="gw-1", type="LoRaWAN", environment=None, status="Disabled"
    )
    body = (await portal.put("/api/Gateways/gw-1", json=change)).json()
    assert (body["type"], body["environment"], body["status"]) == ("LoRaWAN", None, "Disabled")
    assert (await hub.registry.find("gw-1", None)).status == "disabled"
    mismatch = await portal.put("/api/Gateways/other", json=change)
    assert list(problem(mismatch, 400)["errors"]) == ["deviceId"]
    problem(await portal.put("/api/Gateways/ghost", json=seed(change, deviceId="ghost")), 404)
    assert (await portal.delete("/api/Gateways/gw-1")).status_code == 200
    problem(await portal.get("/api/Gateways/gw-1"), 404)
    problem(await portal.delete("/api/Gateways/gw-1"), 404)


async def test_a_device_that_is_not_edge_is_not_a_gateway(
    portal: httpx.AsyncClient, hub: Hub
) -> None:
    await hub.registry.put(SYSTEM, "plain", None, IdentitySpec())
    problem(await portal.get("/api/Gateways/plain"), 404)
    problem(await portal.delete("/api/Gateways/plain"), 404)


async def test_connection_string(portal: httpx.AsyncClient, hub: Hub) -> None:
    gateway = await new_gateway(portal, "gw-1")
    for path in (
        "/api/Gateways/gw-1/LoRa/ConnectionString",
        "/api/gateways/gw-1/x/connectionstring",
    ):
        response = await portal.get(path)
        assert response.status_code == 200, response.text
        assert response.json() == (
            f"HostName=localhost;DeviceId=gw-1;SharedAccessKey={gateway['symmetricKey']}"
        )
    problem(await portal.get("/api/Gateways/ghost/LoRa/ConnectionString"), 404)
    thumb = IdentitySpec(auth=Authentication("selfSigned", primary_thumbprint="AB" * 20))
    await hub.registry.put(SYSTEM, "x509", None, thumb)
    problem(await portal.get("/api/Gateways/x509/LoRa/ConnectionString"), 400)


async def test_module_methods_answer_404_when_the_module_is_offline(
    portal: httpx.AsyncClient,
) -> None:
    await new_gateway(portal, "gw-1")
    offline = await portal.post(
        "/api/Gateways/gw-1/$edgeAgent/RestartModule", json=SEED_GATEWAY_MODULE
    )
    assert "not online" in problem(offline, 404)["detail"]
    problem(await portal.post("/api/Gateways/gw-1/nope/ping"), 404)
    problem(await portal.post("/api/Gateways/ghost/$edgeAgent/ping"), 404)


async def test_configs_list_deployments_with_modules_and_metrics(
    portal: httpx.AsyncClient, hub: Hub
) -> None:
    await new_gateway(portal, "gw-1", environment="prod")
    adm = Content(device={"properties.desired.fw": "2"})
    await hub.configurations.put(SYSTEM, Configuration("adm-1", adm, "*", 3), None)
    await hub.configurations.put(
        SYSTEM, Configuration("dep-1", DEPLOYMENT, "tags.env='prod'", 7), None
    )
    await hub.configurations.worker.settled()
    listed = (await portal.get("/api/Configs")).json()
    assert [c["configurationID"] for c in listed] == ["dep-1"]
    [item] = listed
    assert item["conditions"] == "tags.env='prod'"
    assert (item["metricsTargeted"], item["metricsApplied"]) == (1, 1)
    assert (item["metricsSuccess"], item["metricsFailure"]) == (0, 0)
    assert item["priority"] == 7
    assert item["creationDate"].endswith("Z")
    assert item["modules"] == [
        {
            "moduleName": "sim",
            "version": "1.2",
            "status": "running",
            "environmentVariables": {"RATE": "5"},
            "moduleIdentityTwinSettings": {"interval": "10", "unit": "C"},
        }
    ]
    assert (await portal.get("/api/Configs/dep-1")).json() == item
    adm_item = (await portal.get("/api/configs/adm-1")).json()
    assert (adm_item["metricsTargeted"], adm_item["metricsSuccess"], adm_item["modules"]) == (
        1,
        -1,
        [],
    )
    problem(await portal.get("/api/Configs/ghost"), 404)
    problem(await portal.get("/api/Configs/Not-Lower-Case"), 400)


def test_module_method_payloads() -> None:
    module = GatewayModuleBody(moduleName="sim", version="1.1")
    assert method_payload("RestartModule", module) == {"schemaVersion": "1.1", "id": "sim"}
    logs = method_payload("GetModuleLogs", None)
    assert logs == {
        "schemaVersion": "1.0",
        "items": [{"id": None, "filter": {"tail": 10}}],
        "encoding": "none",
        "contentType": "json",
    }
    assert method_payload("ping", module) == {"moduleName": "sim", "version": "1.1"}
    assert c2d_result(MethodResult(200, "text")) == {"payload": "text", "status": 200}
    assert c2d_result(MethodResult(500, None)) == {"payload": "null", "status": 500}


async def test_an_edge_device_without_scope_and_an_unchanged_status(
    portal: httpx.AsyncClient, hub: Hub
) -> None:
    await hub.registry.put(SYSTEM, "bare-edge", None, IdentitySpec(iot_edge=True))
    assert (await portal.get("/api/Gateways/bare-edge")).json()["nbDevices"] == 0
    same = seed(SEED_GATEWAY, deviceId="bare-edge", status="Enabled")
    assert (await portal.put("/api/Gateways/bare-edge", json=same)).json()["status"] == "Enabled"
