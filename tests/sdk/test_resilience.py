"""Kill the hub under a publishing device, start it again: nothing acknowledged is lost."""

from __future__ import annotations

import signal
import ssl
import threading
import time
from pathlib import Path

import httpx
import pytest
from azure.iot.device import IoTHubDeviceClient, Message
from azure.iot.hub import IoTHubRegistryManager

from bench.hubprocess import HubProcess
from tests.sdk.conftest import Served, start_device_hub, start_server, stop_server

pytestmark = pytest.mark.sdk


def test_device_reconnects_after_a_crash_and_no_acknowledged_message_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = start_device_hub(tmp_path / "hub")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(hub.ca_path))
    manager = IoTHubRegistryManager.from_connection_string(hub.service_connection_string())
    device = manager.create_device_with_sas("survivor", None, None, "enabled")
    client = IoTHubDeviceClient.create_from_connection_string(
        hub.device_connection_string("survivor", device.authentication.symmetric_key.primary_key),
        server_verification_cert=hub.ca_path.read_text(),
        connection_retry_interval=1,
    )
    client.connect()
    acknowledged: list[str] = []
    stop = threading.Event()

    def publish() -> None:
        n = 0
        while not stop.is_set() and n < 50_000:  # bounded; `stop` ends it first
            client.send_message(Message(f"m{n}", message_id=f"m{n}"))  # returns after PUBACK
            acknowledged.append(f"m{n}")
            n += 1

    sender = threading.Thread(target=publish, daemon=True)
    sender.start()
    time.sleep(1.5)
    hub.process.send_signal(signal.SIGKILL)  # no drain, no goodbye
    hub.process.wait()
    assert hub.process.stdout is not None
    hub.process.stdout.close()
    before_crash = len(acknowledged)
    assert before_crash > 0
    restarted = start_server(hub.data_dir, "--host", hub.host, ports=("443", "8883"), host=hub.host)
    deadline = time.monotonic() + 60
    while len(acknowledged) < before_crash + 50 and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    sender.join(30)
    client.shutdown()
    assert len(acknowledged) >= before_crash + 50, "the device did not resume after the restart"
    stored = stored_ids(restarted)
    missing = [m for m in acknowledged if m not in stored]
    assert missing == []
    assert stop_server(restarted) == 0


def stored_ids(hub: Served) -> set[str]:
    token = HubProcess(hub.process, hub.data_dir, 443, hub.ca_path).service_token(host=hub.host)
    ids: set[str] = set()
    after = 0
    with httpx.Client(
        base_url=f"https://{hub.host}",
        verify=ssl.create_default_context(cafile=str(hub.ca_path)),
        params={"api-version": "2021-04-12"},
        headers={"authorization": token},
    ) as rest:
        while True:
            page = rest.get(
                "/devices/survivor/messages/events", params={"after": after, "limit": 1000}
            ).json()
            if not page:
                return ids
            ids.update(m["systemProperties"]["messageId"] for m in page)
            after = page[-1]["sequenceNumber"]
