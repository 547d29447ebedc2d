"""`IoTHubRegistryManager.send_c2d_message` over AMQP (uamqp) into the device's C2D queue."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from azure.iot.device import IoTHubDeviceClient
from azure.iot.hub import IoTHubRegistryManager

from fleethub.hub.auth.principal import SYSTEM
from tests.sdk.amqp.conftest import AmqpHub
from tests.sdk.amqp.test_eventhub import _until

pytestmark = pytest.mark.sdk


def _send(connection_string: str, device_id: str, body: str, props: dict[str, str]) -> None:
    manager = IoTHubRegistryManager.from_connection_string(connection_string)
    try:
        manager.send_c2d_message(device_id, body, properties=props)
    finally:
        manager.amqp_svc_client.disconnect_sync()


async def test_send_c2d_message_enqueues_with_its_properties(amqp_hub: AmqpHub) -> None:
    await amqp_hub.create_device("dev1")
    props = {
        "messageId": "mid-1",
        "correlationId": "cid-1",
        "contentType": "application/json",
        "contentEncoding": "utf-8",
        "iothub-ack": "full",
        "color": "blue",
    }
    cs = amqp_hub.service_connection_string()
    await asyncio.to_thread(_send, cs, "dev1", '{"x": 1}', props)
    queued = await amqp_hub.hub.c2d.take("dev1", 10)
    assert len(queued) == 1
    message = queued[0]
    assert message.ack == "full"
    assert message.message.body == b'{"x": 1}'
    assert message.message.message_id == "mid-1"
    assert message.message.correlation_id == "cid-1"
    assert message.message.content_type == "application/json"
    assert message.message.content_encoding == "utf-8"
    assert message.message.properties == {"color": "blue"}


def _receive_one(connection_string: str, ca: str) -> Any:
    """Connect, wait up to 30 s for one C2D message, disconnect."""
    client = IoTHubDeviceClient.create_from_connection_string(
        connection_string, server_verification_cert=ca
    )
    got: list[Any] = []
    arrived = threading.Event()

    def handler(message: Any) -> None:
        got.append(message)
        arrived.set()

    client.on_message_received = handler
    client.connect()
    try:
        arrived.wait(30)
        return got[0] if got else None
    finally:
        client.shutdown()


async def test_a_connected_device_receives_the_message_with_its_properties(
    amqp_hub: AmqpHub,
) -> None:
    key = await amqp_hub.create_device("dev2")
    device = amqp_hub.device_connection_string("dev2", key)
    receiving = asyncio.create_task(
        asyncio.to_thread(_receive_one, device, amqp_hub.ca_path.read_text())
    )
    await _until(lambda: amqp_hub.hub.connections.get("dev2", None) is not None)
    props = {"messageId": "m-2", "correlationId": "c-2", "contentType": "text/plain", "k": "v"}
    await asyncio.to_thread(_send, amqp_hub.service_connection_string(), "dev2", "hello", props)
    message = await receiving
    assert message is not None
    assert message.data == b"hello"
    assert message.message_id == "m-2"
    assert message.correlation_id == "c-2"
    assert message.content_type == "text/plain"
    assert message.custom_properties == {"k": "v"}


async def test_a_queued_message_waits_is_delivered_on_connect_or_expires_with_feedback(
    amqp_hub: AmqpHub,
) -> None:
    """Sent while the device is offline: delivered once it connects. A second one, never
    delivered, expires after its TTL and yields an `Expired` feedback record (full ack)."""
    key = await amqp_hub.create_device("dev3")
    cs = amqp_hub.service_connection_string()
    await asyncio.to_thread(_send, cs, "dev3", "while-offline", {"messageId": "m-3"})
    device = amqp_hub.device_connection_string("dev3", key)
    message = await asyncio.to_thread(_receive_one, device, amqp_hub.ca_path.read_text())
    assert message is not None
    assert message.data == b"while-offline"
    expiry = int((amqp_hub.clock.now + 60) * 1000)
    props = {"messageId": "m-4", "iothub-ack": "full", "expiryTimeUtc": expiry}
    await asyncio.to_thread(_send, cs, "dev3", "never-read", props)
    amqp_hub.clock.now += 61
    assert await amqp_hub.hub.c2d.expire() == 1
    batch = await amqp_hub.hub.c2d.receive_feedback(SYSTEM)
    assert batch is not None
    [record] = batch.records
    assert (record.original_message_id, record.status_code) == ("m-4", "Expired")
    assert record.device_id == "dev3"


async def test_a_message_to_an_unknown_device_is_rejected(amqp_hub: AmqpHub) -> None:
    cs = amqp_hub.service_connection_string()
    with pytest.raises(Exception, match="C2D message send failure"):
        await asyncio.to_thread(_send, cs, "nobody", "x", {})


async def test_a_policy_without_service_connect_cannot_attach(amqp_hub: AmqpHub) -> None:
    await amqp_hub.create_device("dev5")
    cs = amqp_hub.service_connection_string("registryRead")
    with pytest.raises(Exception):  # noqa: B017, PT011 - uamqp raises its own error types
        await asyncio.to_thread(_send, cs, "dev5", "x", {})
    assert await amqp_hub.hub.c2d.depth("dev5") == 0
