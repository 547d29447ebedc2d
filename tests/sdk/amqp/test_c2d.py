"""`IoTHubRegistryManager.send_c2d_message` over AMQP (uamqp) into the device's C2D queue."""

from __future__ import annotations

import asyncio

import pytest
from azure.iot.hub import IoTHubRegistryManager

from tests.sdk.amqp.conftest import AmqpHub

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
