"""The Portal API and IoT Hub configurations end to end (issue #5): Microsoft's device SDK,
unchanged, sees what the Portal API and the SDK's configuration manager set up."""

from __future__ import annotations

import queue
import ssl
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from azure.iot.device import IoTHubDeviceClient, IoTHubModuleClient, Message, MethodResponse
from azure.iot.hub import IoTHubConfigurationManager, IoTHubRegistryManager
from azure.iot.hub.models import (
    Configuration,
    ConfigurationContent,
    ConfigurationMetrics,
    ConfigurationQueriesTestInput,
    Twin,
)

from fleethub import datadir
from fleethub.hub.auth import sas
from tests.sdk.conftest import Served

pytestmark = pytest.mark.sdk


def service_token(served: Served) -> str:
    key = datadir.load(served.data_dir).policy("iothubowner").primary_key
    sr = quote_plus(served.host)
    expiry = int(time.time()) + 7200
    signature = quote(sas.sign(key, sr, expiry))
    return f"SharedAccessSignature sr={sr}&sig={signature}&se={expiry}&skn=iothubowner"


@pytest.fixture(scope="module")
def portal(device_hub: Served) -> Iterator[httpx.Client]:
    """The Portal API as a client reaches it: `/api/...` with a policy token."""
    with httpx.Client(
        base_url=f"https://{device_hub.host}",
        verify=ssl.create_default_context(cafile=str(device_hub.ca_path)),
        headers={"authorization": service_token(device_hub)},
        timeout=60,
    ) as client:
        yield client


def registry_key(portal: httpx.Client, device_id: str, module_id: str | None = None) -> str:
    path = f"/devices/{device_id}" + (f"/modules/{module_id}" if module_id else "")
    body = portal.get(path, params={"api-version": "2021-04-12"}).json()
    return str(body["authentication"]["symmetricKey"]["primaryKey"])


def connect_device(served: Served, connection_string: str) -> IoTHubDeviceClient:
    client = IoTHubDeviceClient.create_from_connection_string(
        connection_string, server_verification_cert=served.ca_path.read_text()
    )
    client.connect()
    return client


def wait_until(condition: object, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_a_portal_device_receives_its_model_command(
    device_hub: Served, portal: httpx.Client
) -> None:
    command = {"name": "valve-open", "frame": "01FF", "port": 7}
    model = {"name": "Valve", "appEUI": "70B3D57ED0000001", "commands": [command]}
    created = portal.post("/api/DeviceModels", json=model)
    assert created.status_code == 200, created.text
    model_id = created.json()["modelId"]
    device = {
        "deviceID": "valve-1",
        "deviceName": "Valve 1",
        "appEUI": "70B3D57ED0000001",
        "modelId": model_id,
        "modelName": "Valve",
    }
    assert portal.post("/api/Devices", json=device).status_code == 200
    key = registry_key(portal, "valve-1")
    client = connect_device(device_hub, device_hub.device_connection_string("valve-1", key))
    received: queue.Queue[Message] = queue.Queue()
    client.on_message_received = received.put
    try:
        sent = portal.post("/api/Devices/valve-1/valve-open")
        assert sent.status_code == 200, sent.text
        message = received.get(timeout=15)
        assert message.data == b"\x01\xff"
        assert message.custom_properties["fport"] == "7"
        wait_until(lambda: portal.get("/api/Devices/valve-1").json()["isConnected"])
    finally:
        client.shutdown()


def test_a_gateway_module_answers_a_method_through_the_portal(
    device_hub: Served, portal: httpx.Client
) -> None:
    created = portal.post("/api/Gateways", json={"deviceId": "gw-e2e", "type": "LoRa Network"})
    assert created.status_code == 200, created.text
    connection_string = portal.get("/api/Gateways/gw-e2e/LoRa/ConnectionString").json()
    assert connection_string.startswith(f"HostName={device_hub.host};DeviceId=gw-e2e;")
    edge = connect_device(device_hub, connection_string)  # the string a gateway is given works
    edge.shutdown()
    module = portal.put(
        "/devices/gw-e2e/modules/sensor",
        params={"api-version": "2021-04-12"},
        json={"moduleId": "sensor", "deviceId": "gw-e2e"},
    )
    assert module.status_code == 200, module.text
    key = registry_key(portal, "gw-e2e", "sensor")
    client = IoTHubModuleClient.create_from_connection_string(
        f"HostName={device_hub.host};DeviceId=gw-e2e;ModuleId=sensor;SharedAccessKey={key}",
        server_verification_cert=device_hub.ca_path.read_text(),
    )
    client.connect()
    client.on_method_request_received = lambda request: client.send_method_response(
        MethodResponse.create_from_method_request(request, 200, {"pong": request.payload})
    )
    try:
        answer = portal.post("/api/Gateways/gw-e2e/sensor/ping", json={"moduleName": "sensor"})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"payload": '{"pong":{"moduleName":"sensor"}}', "status": 200}
    finally:
        client.shutdown()
    offline = portal.post("/api/Gateways/gw-e2e/sensor/ping")
    assert offline.status_code == 404
    assert offline.headers["content-type"].startswith("application/problem+json")


def test_a_configuration_reaches_matching_devices_only(
    device_hub: Served, portal: httpx.Client
) -> None:
    service = device_hub.service_connection_string()
    registry = IoTHubRegistryManager.from_connection_string(service)
    manager = IoTHubConfigurationManager.from_connection_string(service)
    clients: dict[str, IoTHubDeviceClient] = {}
    patches: dict[str, list[dict[str, Any]]] = {}
    for device_id, environment in (
        ("cfg-prod-1", "prod"),
        ("cfg-prod-2", "prod"),
        ("cfg-dev", "dev"),
    ):
        device = registry.create_device_with_sas(device_id, None, None, "enabled")
        registry.update_twin(device_id, Twin(tags={"environment": environment}), "*")
        key = device.authentication.symmetric_key.primary_key
        clients[device_id] = connect_device(
            device_hub, device_hub.device_connection_string(device_id, key)
        )
        patches[device_id] = []
        clients[device_id].on_twin_desired_properties_patch_received = patches[device_id].append
    try:
        created = manager.create_configuration(
            Configuration(
                id="prod-firmware",
                labels={"kind": "firmware"},
                content=ConfigurationContent(
                    device_content={"properties.desired.firmware": {"version": "2.0"}}
                ),
                target_condition="tags.environment='prod'",
                priority=10,
                metrics=ConfigurationMetrics(
                    queries={
                        "onNewFirmware": "SELECT deviceId FROM devices WHERE "
                        "properties.reported.firmware.version = '2.0'"
                    }
                ),
            )
        )
        assert created.etag == "MQ=="
        wait_until(lambda: any("firmware" in p for p in patches["cfg-prod-1"]))
        assert clients["cfg-prod-2"].get_twin()["desired"]["firmware"] == {"version": "2.0"}
        clients["cfg-prod-1"].patch_twin_reported_properties({"firmware": {"version": "2.0"}})
        assert "firmware" not in clients["cfg-dev"].get_twin()["desired"]
        assert not any("firmware" in p for p in patches["cfg-dev"])

        def counted() -> bool:
            configuration = manager.get_configuration("prod-firmware")
            return bool(
                configuration.system_metrics.results == {"targetedCount": 2, "appliedCount": 2}
                and configuration.metrics.results == {"onNewFirmware": 1}
            )

        wait_until(counted)
        created.priority = 20
        updated = manager.update_configuration(created, created.etag)  # If-Match unquoted
        assert (updated.priority, updated.etag) == (20, "Mg==")
        assert [c.id for c in manager.get_configurations(10)] == ["prod-firmware"]
        verdict = manager.test_configuration_queries(
            ConfigurationQueriesTestInput(
                target_condition="tags.environment=", custom_metric_queries={}
            )
        )
        assert "syntax error" in verdict.target_condition_error
        manager.delete_configuration("prod-firmware")
        assert manager.get_configurations(10) == []
    finally:
        for client in clients.values():
            client.shutdown()


def test_an_edge_deployment_through_the_sdk(device_hub: Served, portal: httpx.Client) -> None:
    assert portal.post("/api/Gateways", json={"deviceId": "gw-dep", "type": "LoRa"}).is_success
    manager = IoTHubConfigurationManager.from_connection_string(
        device_hub.service_connection_string()
    )
    agent = {"schemaVersion": "1.1", "modules": {"sim": {"version": "1.0", "status": "running"}}}
    manager.apply_configuration_on_edge_device(
        "gw-dep",
        ConfigurationContent(modules_content={"$edgeAgent": {"properties.desired": agent}}),
    )
    key = registry_key(portal, "gw-dep", "$edgeAgent")
    client = IoTHubModuleClient.create_from_connection_string(
        f"HostName={device_hub.host};DeviceId=gw-dep;ModuleId=$edgeAgent;SharedAccessKey={key}",
        server_verification_cert=device_hub.ca_path.read_text(),
    )
    client.connect()
    try:
        twin: Any = client.get_twin()
        assert twin["desired"]["modules"]["sim"]["version"] == "1.0"
    finally:
        client.shutdown()
    gateway = portal.get("/api/Gateways/gw-dep").json()
    assert [m["moduleName"] for m in gateway["modules"]] == ["sim"]
