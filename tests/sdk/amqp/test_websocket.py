"""AMQP over WebSocket on the HTTPS port (`wss://host:443/$servicebus/websocket`, subprotocol
AMQPWSB10): a `fleethub serve` on 127.0.0.X:443 and :8883, a real device client sending over
MQTT, and azure-eventhub reading with `TransportType.AmqpOverWebsocket` (issue #8)."""

from __future__ import annotations

import ssl
import threading
import time
from typing import Any

import httpx
import pytest
from azure.eventhub import EventHubConsumerClient, TransportType
from azure.iot.device import IoTHubDeviceClient
from azure.iot.device import Message as DeviceMessage
from azure.iot.hub import IoTHubRegistryManager

from fleethub import datadir
from tests.conftest import service_token
from tests.sdk.conftest import Served

pytestmark = pytest.mark.sdk


def eventhub_connection_string(hub: Served) -> str:
    key = datadir.load(hub.data_dir).policy("iothubowner").primary_key
    return (
        f"Endpoint=sb://{hub.host}/;SharedAccessKeyName=iothubowner;"
        f"SharedAccessKey={key};EntityPath=fleethub"
    )


def create_consumer_group(hub: Served, name: str) -> int:
    """PUT /eventHubEndpoints/events/ConsumerGroups/{name} with an iothubowner token."""
    owner = datadir.load(hub.data_dir).policy("iothubowner")
    token = service_token(owner, time.time, host=hub.host)
    with httpx.Client(verify=ssl.create_default_context(cafile=str(hub.ca_path))) as client:
        url = f"https://{hub.host}/eventHubEndpoints/events/ConsumerGroups/{name}"
        params = {"api-version": "2021-04-12"}
        response = client.put(url, params=params, headers={"authorization": token})
    return response.status_code


def send(hub: Served, device_id: str, count: int) -> None:
    manager = IoTHubRegistryManager.from_connection_string(hub.service_connection_string())
    key = manager.create_device_with_sas(device_id, None, None, "enabled").authentication
    client = IoTHubDeviceClient.create_from_connection_string(
        hub.device_connection_string(device_id, key.symmetric_key.primary_key),
        server_verification_cert=hub.ca_path.read_text(),
    )
    client.connect()
    try:
        for n in range(count):
            message = DeviceMessage(f"ws-{n}")
            message.custom_properties["n"] = str(n)
            client.send_message(message)
    finally:
        client.shutdown()


def receive_over_websocket(hub: Served, group: str, count: int) -> list[Any]:
    consumer = EventHubConsumerClient.from_connection_string(
        eventhub_connection_string(hub),
        consumer_group=group,
        transport_type=TransportType.AmqpOverWebsocket,
        connection_verify=str(hub.ca_path),
    )
    events: list[Any] = []
    done = threading.Event()

    def on_event_batch(_context: Any, batch: list[Any]) -> None:
        events.extend(batch)
        if len(events) >= count:
            done.set()

    worker = threading.Thread(
        target=consumer.receive_batch,
        kwargs={"on_event_batch": on_event_batch, "starting_position": "-1"},
        daemon=True,
    )
    worker.start()
    done.wait(60)
    consumer.close()
    worker.join(10)
    return events


def test_a_websocket_consumer_receives_what_a_device_sent(device_hub: Served) -> None:
    send(device_hub, "ws-dev", 5)
    assert create_consumer_group(device_hub, "websocket") == 201

    events = receive_over_websocket(device_hub, "websocket", 5)

    assert sorted(e.body_as_str() for e in events) == [f"ws-{n}" for n in range(5)]
    first = events[0]
    assert first.system_properties[b"iothub-connection-device-id"] == b"ws-dev"
    assert first.properties[b"n"] == first.body_as_str().removeprefix("ws-").encode()
