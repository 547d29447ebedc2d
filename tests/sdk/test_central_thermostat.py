"""Issue #4 end to end: a real `azure-iot-device` thermostat under seed 004's template, driven
through the IoT Central API of seed 001 on `fleethub serve`.

The device sends valid and invalid telemetry (both stored, the second flagged), answers the
`getMaxMinReport` command posted to /commands, and receives `targetTemperature` after a
properties PATCH; a value outside the template's 50-80 is refused with 400.
"""

from __future__ import annotations

import json
import queue
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.iot.device import IoTHubDeviceClient, Message, MethodRequest, MethodResponse

from tests.sdk.conftest import Served, free_loopback, start_server, stop_server

pytestmark = pytest.mark.sdk

TEMPLATE_ID = "dtmi:contoso:mythermostattemplate;1"
SEED_TEMPLATE = Path(__file__).parents[1] / "hub/models/dtdl/thermostat_template.json"


@pytest.fixture(scope="module")
def central_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str]]:
    """A hub on 127.0.0.X:8883/443 and the administrator token `fleethub init` printed."""
    data_dir = tmp_path_factory.mktemp("centralhub")
    host = free_loopback()
    init = subprocess.run(
        [sys.executable, "-m", "fleethub", "init", "--data-dir", str(data_dir), "--hostname", host],
        check=True,
        capture_output=True,
        text=True,
    )
    token = init.stdout.strip().splitlines()[-1]
    assert token.startswith("SharedAccessSignature ")
    server = start_server(data_dir, "--host", host, ports=("443", "8883"), host=host)
    yield server, token
    code = stop_server(server)
    assert code == 0, "\n".join(server.output)


@pytest.fixture(scope="module")
def central(central_hub: tuple[Served, str]) -> Iterator[httpx.Client]:
    """IoT Central's paths, unchanged, under a base URL ending in /central."""
    served, token = central_hub
    with httpx.Client(
        base_url=f"https://{served.host}/central",
        verify=ssl.create_default_context(cafile=str(served.ca_path)),
        params={"api-version": "2022-07-31"},
        headers={"authorization": token},
        timeout=30,
    ) as client:
        yield client


def wait_for(condition: Callable[[], Any], seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_thermostat_device_through_the_central_api(
    central_hub: tuple[Served, str], central: httpx.Client
) -> None:
    served, _ = central_hub
    template = json.loads(SEED_TEMPLATE.read_text())
    assert central.put(f"/api/deviceTemplates/{TEMPLATE_ID}", json=template).status_code == 200
    created = central.put("/api/devices/thermo-1", json={"template": TEMPLATE_ID})
    assert created.status_code == 200, created.text
    keys = central.get("/api/devices/thermo-1/credentials").json()["symmetricKey"]
    client = IoTHubDeviceClient.create_from_connection_string(
        served.device_connection_string("thermo-1", keys["primaryKey"]),
        server_verification_cert=served.ca_path.read_text(),
    )
    desired: queue.Queue[dict[str, Any]] = queue.Queue()
    client.on_twin_desired_properties_patch_received = desired.put
    client.on_method_request_received = _answer_report(client)
    client.connect()
    try:
        _telemetry(client, central)
        _command(central)
        _properties(central, desired)
    finally:
        client.shutdown()


def _answer_report(client: IoTHubDeviceClient) -> Callable[[MethodRequest], None]:
    def answer(request: MethodRequest) -> None:
        report = {
            "maxTemp": 25.0,
            "minTemp": 18.5,
            "avgTemp": 21.2,
            "startTime": request.payload,
            "endTime": "2023-10-26T16:00:00Z",
        }
        client.send_method_response(MethodResponse.create_from_method_request(request, 200, report))

    return answer


def _telemetry(client: IoTHubDeviceClient, central: httpx.Client) -> None:
    for body in ({"temperature": 21.5}, {"temperature": "hot"}):
        message = Message(
            json.dumps(body), content_encoding="utf-8", content_type="application/json"
        )
        client.send_message(message)

    def both_checked() -> Any:
        counts = central.get("/api/devices/thermo-1/validation").json()
        return counts if counts["messages"] == 2 else None

    counts = wait_for(both_checked)
    assert counts["invalid"] == 1
    assert counts["lastReasons"] == ["temperature: expected double, got string"]
    latest = central.get("/api/devices/thermo-1/telemetry/temperature").json()
    assert latest["value"] == 21.5  # the flagged "hot" is stored, but is not a temperature


def _command(central: httpx.Client) -> None:
    started = central.post(
        "/api/devices/thermo-1/commands/getMaxMinReport", json={"since": "2023-10-26T15:00:00Z"}
    )
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "Pending"
    command_id = started.json()["commandId"]

    def settled() -> Any:
        status = central.get(f"/api/devices/thermo-1/commands/{command_id}/status").json()
        return status if status["status"] != "Pending" else None

    status = wait_for(settled)
    assert status["status"] == "Completed", status
    assert status["result"]["maxTemp"] == 25.0
    assert status["result"]["startTime"] == "2023-10-26T15:00:00Z"
    assert status["completedTime"].endswith("Z")
    wrong = central.post("/api/devices/thermo-1/commands/getMaxMinReport", json={"since": 5})
    assert wrong.status_code == 400


def _properties(central: httpx.Client, desired: queue.Queue[dict[str, Any]]) -> None:
    written = central.patch(
        "/api/devices/thermo-1/properties/targetTemperature", json={"value": 60}
    )
    assert written.status_code == 200, written.text
    assert written.json()["value"] == 60
    assert _next_with(desired, "targetTemperature")["targetTemperature"] == 60
    refused = central.patch(
        "/api/devices/thermo-1/properties/targetTemperature", json={"value": 90}
    )
    assert refused.status_code == 400
    assert "maxValue 80" in refused.json()["error"]["details"][0]["message"]
    with pytest.raises(queue.Empty):
        _next_with(desired, "targetTemperature", seconds=1)


def _next_with(patches: queue.Queue[dict[str, Any]], name: str, seconds: float = 15) -> Any:
    """The next desired patch naming `name` (the hub may first send the desired document as
    it stood when the device subscribed)."""
    deadline = time.monotonic() + seconds
    while True:
        patch = patches.get(timeout=max(0.01, deadline - time.monotonic()))
        if name in patch:
            return patch
