"""Microsoft's `azure-iot-device`, unchanged, against `fleethub serve` (issue #3).

Each module's hub listens on its own 127.0.0.X at 8883 and 443, the ports the SDK hard-codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import ssl
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from azure.iot.device import IoTHubDeviceClient, IoTHubModuleClient, Message, MethodResponse
from azure.iot.device.aio import IoTHubDeviceClient as AioDeviceClient
from azure.iot.device.exceptions import NoConnectionError
from azure.iot.hub import IoTHubRegistryManager
from azure.iot.hub.models import CloudToDeviceMethod, Twin, TwinProperties
from msrest.exceptions import HttpOperationError

from tests.sdk.conftest import Served

pytestmark = pytest.mark.sdk


@pytest.fixture(scope="module")
def manager(device_hub: Served) -> IoTHubRegistryManager:
    return IoTHubRegistryManager.from_connection_string(device_hub.service_connection_string())


@pytest.fixture(scope="module")
def rest(device_hub: Served) -> Iterator[httpx.Client]:
    from bench.hubprocess import HubProcess

    token = HubProcess(device_hub.process, device_hub.data_dir, 443, device_hub.ca_path)
    with httpx.Client(
        base_url=f"https://{device_hub.host}",
        verify=ssl.create_default_context(cafile=str(device_hub.ca_path)),
        params={"api-version": "2021-04-12"},
        headers={"authorization": token.service_token(host=device_hub.host)},
    ) as client:
        yield client


def new_device(manager: IoTHubRegistryManager, device_hub: Served, device_id: str) -> str:
    device = manager.create_device_with_sas(device_id, None, None, "enabled")
    key = device.authentication.symmetric_key.primary_key
    return device_hub.device_connection_string(device_id, key)


def connect(device_hub: Served, connection_string: str, **kwargs: object) -> IoTHubDeviceClient:
    client = IoTHubDeviceClient.create_from_connection_string(
        connection_string, server_verification_cert=device_hub.ca_path.read_text(), **kwargs
    )
    client.connect()
    return client


def wait_until(condition: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.mark.parametrize("websockets", [False, True], ids=["tcp", "websocket"])
def test_telemetry_round_trip(
    device_hub: Served,
    manager: IoTHubRegistryManager,
    rest: httpx.Client,
    websockets: bool,
) -> None:
    device_id = f"tele-{'ws' if websockets else 'tcp'}"
    client = connect(device_hub, new_device(manager, device_hub, device_id), websockets=websockets)
    try:
        for i in range(100):
            message = Message(f'{{"n": {i}}}', message_id=f"m{i}")
            message.content_type = "application/json"
            message.content_encoding = "utf-8"
            message.custom_properties["alert"] = "high temp" if i % 2 else "a/b=c&d"
            message.custom_properties["n"] = str(i)
            client.send_message(message)
    finally:
        client.shutdown()
    stored = rest.get(f"/devices/{device_id}/messages/events", params={"limit": 1000}).json()
    assert [m["systemProperties"]["messageId"] for m in stored] == [f"m{i}" for i in range(100)]
    first, second = stored[0], stored[1]
    assert first["body"] == '{"n": 0}'
    assert first["properties"] == {"alert": "a/b=c&d", "n": "0"}
    assert second["properties"]["alert"] == "high temp"
    assert first["systemProperties"]["contentType"] == "application/json"
    assert first["systemProperties"]["contentEncoding"] == "utf-8"
    assert first["authMethod"] == "sas"
    twin = manager.get_twin(device_id)
    assert twin.connection_state in ("Connected", "Disconnected")


def test_cloud_to_device_messages(
    device_hub: Served, manager: IoTHubRegistryManager, rest: httpx.Client
) -> None:
    cs = new_device(manager, device_hub, "c2d-1")
    # Sent while the device is offline: it waits in the queue.
    sent = rest.post(
        "/messages/deviceBound/c2d-1",
        content=b"switch on",
        headers={
            "iothub-app-color": "red/blue",
            "iothub-messageid": "c2d-m1",
            "iothub-correlationid": "corr-1",
            "content-type": "text/plain",
            "iothub-ack": "full",
        },
    )
    assert sent.status_code == 204, sent.text
    client = connect(device_hub, cs)
    received: queue.Queue[Message] = queue.Queue()
    client.on_message_received = received.put
    try:
        message = received.get(timeout=10)
        assert message.data == b"switch on"
        assert message.message_id == "c2d-m1"
        assert message.correlation_id == "corr-1"
        assert message.content_type == "text/plain"
        assert message.custom_properties["color"] == "red/blue"
        # And one sent while connected.
        rest.post("/messages/deviceBound/c2d-1", content=b"second")
        assert received.get(timeout=10).data == b"second"
    finally:
        client.shutdown()

    def feedback() -> list[dict[str, object]]:
        response = rest.get("/messages/serviceBound/feedback")
        return [] if response.status_code == 204 else response.json()

    records: list[dict[str, object]] = []
    wait_until(lambda: records.extend(feedback()) or records)
    assert records[0]["originalMessageId"] == "c2d-m1"
    assert records[0]["statusCode"] == "Success"


def test_twin_get_reported_and_desired_in_order(
    device_hub: Served, manager: IoTHubRegistryManager
) -> None:
    client = connect(device_hub, new_device(manager, device_hub, "twin-1"))
    patches: list[dict[str, object]] = []
    try:
        client.on_twin_desired_properties_patch_received = patches.append
        client.patch_twin_reported_properties({"firmware": "1.2.3", "temp": 20.5})
        twin = client.get_twin()
        assert twin["reported"]["firmware"] == "1.2.3"
        assert twin["reported"]["$version"] == 2
        for interval in (10, 20, 30):
            manager.update_twin(
                "twin-1", Twin(properties=TwinProperties(desired={"interval": interval})), "*"
            )
        wait_until(lambda: len([p for p in patches if "interval" in p]) >= 3)
        versions = [p["$version"] for p in patches if "interval" in p]
        assert versions == sorted(versions)
        assert [p["interval"] for p in patches if "interval" in p][-3:] == [10, 20, 30]
    finally:
        client.shutdown()
    assert manager.get_twin("twin-1").properties.reported["temp"] == 20.5


def test_direct_methods(device_hub: Served, manager: IoTHubRegistryManager) -> None:
    client = connect(device_hub, new_device(manager, device_hub, "meth-1"))

    def answer(request: object) -> None:
        if request.name == "slow":  # type: ignore[attr-defined]
            time.sleep(7)
        response = MethodResponse.create_from_method_request(
            request,
            201,
            {"echo": request.payload},  # type: ignore[attr-defined]
        )
        client.send_method_response(response)

    client.on_method_request_received = answer
    try:
        result = manager.invoke_device_method(
            "meth-1", CloudToDeviceMethod(method_name="reboot", payload={"delay": 5})
        )
        assert result.status == 201
        assert result.payload == {"echo": {"delay": 5}}
        with pytest.raises(HttpOperationError) as timeout:
            manager.invoke_device_method(
                "meth-1",
                CloudToDeviceMethod(
                    method_name="slow", payload=None, response_timeout_in_seconds=5
                ),
            )
        assert timeout.value.response.status_code == 504
    finally:
        client.shutdown()
    new_device(manager, device_hub, "meth-offline")
    with pytest.raises(HttpOperationError) as offline:
        manager.invoke_device_method("meth-offline", CloudToDeviceMethod(method_name="x"))
    assert offline.value.response.status_code == 404


def test_a_method_on_a_missing_or_deleted_device_is_device_not_found(
    device_hub: Served, manager: IoTHubRegistryManager
) -> None:
    with pytest.raises(HttpOperationError) as missing:
        manager.invoke_device_method("meth-nobody", CloudToDeviceMethod(method_name="x"))
    assert missing.value.response.status_code == 404
    assert "DeviceNotFound" in missing.value.response.text

    client = connect(device_hub, new_device(manager, device_hub, "meth-deleted"))
    client.on_method_request_received = lambda request: client.send_method_response(
        MethodResponse.create_from_method_request(request, 200, None)
    )
    try:
        ok = manager.invoke_device_method("meth-deleted", CloudToDeviceMethod(method_name="x"))
        assert ok.status == 200
        manager.delete_device("meth-deleted")
        # The live connection is closed with the identity, so no answer can come from it.
        with pytest.raises(HttpOperationError) as deleted:
            manager.invoke_device_method("meth-deleted", CloudToDeviceMethod(method_name="x"))
        assert deleted.value.response.status_code == 404
        assert "DeviceNotFound" in deleted.value.response.text
    finally:
        # The hub dropped the deleted device's connection; the SDK's own disconnect may find
        # it gone (a second shutdown then hangs joining a thread, so it is not retried).
        with contextlib.suppress(NoConnectionError):
            client.shutdown()


def test_module_client_method_and_twin(device_hub: Served, manager: IoTHubRegistryManager) -> None:
    manager.create_device_with_sas("edge-1", None, None, "enabled")
    module = manager.create_module_with_sas("edge-1", "mod-a", None, None, None)
    cs = (
        f"HostName={device_hub.host};DeviceId=edge-1;ModuleId=mod-a;"
        f"SharedAccessKey={module.authentication.symmetric_key.primary_key}"
    )
    client = IoTHubModuleClient.create_from_connection_string(
        cs, server_verification_cert=device_hub.ca_path.read_text()
    )
    client.connect()
    client.on_method_request_received = lambda request: client.send_method_response(
        MethodResponse.create_from_method_request(request, 200, {"module": "mod-a"})
    )
    try:
        client.patch_twin_reported_properties({"running": True})
        client.send_message(Message("from module"))
        result = manager.invoke_device_module_method(
            "edge-1", "mod-a", CloudToDeviceMethod(method_name="status")
        )
        assert (result.status, result.payload) == (200, {"module": "mod-a"})
    finally:
        client.shutdown()
    assert manager.get_module_twin("edge-1", "mod-a").properties.reported["running"] is True


def test_aio_client(device_hub: Served, manager: IoTHubRegistryManager, rest: httpx.Client) -> None:
    cs = new_device(manager, device_hub, "aio-1")

    async def run() -> dict[str, object]:
        client = AioDeviceClient.create_from_connection_string(
            cs, server_verification_cert=device_hub.ca_path.read_text()
        )
        await client.connect()
        await asyncio.gather(*(client.send_message(f"msg {i}") for i in range(20)))
        await client.patch_twin_reported_properties({"aio": True})
        twin: dict[str, object] = await client.get_twin()
        await client.shutdown()
        return twin

    twin = asyncio.run(run())
    assert twin["reported"]["aio"] is True  # type: ignore[index]
    stored = rest.get("/devices/aio-1/messages/events", params={"limit": 100}).json()
    assert sorted(m["body"] for m in stored) == sorted(f"msg {i}" for i in range(20))


def test_connection_state_follows_the_device(
    device_hub: Served, manager: IoTHubRegistryManager
) -> None:
    client = connect(device_hub, new_device(manager, device_hub, "state-1"))
    try:
        wait_until(lambda: manager.get_device("state-1").connection_state == "Connected")
        assert manager.get_service_statistics().connected_device_count >= 1
    finally:
        client.shutdown()
    wait_until(lambda: manager.get_device("state-1").connection_state == "Disconnected")


def test_disabling_a_device_disconnects_it(
    device_hub: Served, manager: IoTHubRegistryManager
) -> None:
    client = connect(device_hub, new_device(manager, device_hub, "disable-1"))
    dropped = threading.Event()
    client.on_connection_state_change = lambda: None if client.connected else dropped.set()
    device = manager.get_device("disable-1")
    manager.update_device_with_sas("disable-1", device.etag, None, None, "disabled")
    try:
        assert dropped.wait(10)
    finally:
        client.shutdown()


def test_plug_and_play_model_id_is_recorded(
    device_hub: Served, manager: IoTHubRegistryManager, rest: httpx.Client
) -> None:
    """A device announcing `model-id` in its username gets that model on its twin."""
    cs = new_device(manager, device_hub, "pnp-1")
    client = connect(device_hub, cs, product_info="dtmi:com:example:Thermostat;1")
    client.shutdown()
    assert rest.get("/twins/pnp-1").json()["modelId"] == "dtmi:com:example:Thermostat;1"
