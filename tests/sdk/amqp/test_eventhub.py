"""azure-eventhub (pyamqp) reading the Event Hub-compatible built-in endpoint."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.eventhub import EventHubConsumerClient
from azure.eventhub.aio import EventHubConsumerClient as AsyncConsumerClient
from azure.iot.device import IoTHubDeviceClient
from azure.iot.device import Message as DeviceMessage

from fleethub.hub.messaging.message import Message
from tests.sdk.amqp.conftest import AmqpHub

pytestmark = pytest.mark.sdk


def _consumer(amqp_hub: AmqpHub, group: str = "$Default") -> EventHubConsumerClient:
    return EventHubConsumerClient.from_connection_string(
        amqp_hub.eventhub_connection_string(),
        consumer_group=group,
        connection_verify=str(amqp_hub.ca_path),
    )


class Collector:
    """Runs `client.receive` in a thread and keeps (partition id, event) pairs."""

    def __init__(self, client: EventHubConsumerClient, count: int, **receive: Any) -> None:
        self.client = client
        self.count = count
        self.events: list[tuple[str, Any]] = []
        self.done = threading.Event()
        self.worker = threading.Thread(
            target=client.receive, kwargs={"on_event": self._on_event, **receive}, daemon=True
        )
        self.worker.start()

    def _on_event(self, context: Any, event: Any) -> None:
        if event is not None:
            self.events.append((context.partition_id, event))
            if len(self.events) >= self.count:
                self.done.set()

    def finish(self, timeout: float = 60) -> list[tuple[str, Any]]:
        self.done.wait(timeout)
        self.client.close()
        self.worker.join(10)
        return self.events


def _collect(client: EventHubConsumerClient, count: int, **receive: Any) -> list[Any]:
    """Receive until `count` events arrived (or 60 s passed), then close the client."""
    return [event for _, event in Collector(client, count, **receive).finish()]


async def _until(condition: Any, seconds: float = 30) -> None:
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def _send_from_device(connection_string: str, ca: str, device_id: str, count: int) -> None:
    client = IoTHubDeviceClient.create_from_connection_string(
        connection_string, server_verification_cert=ca
    )
    client.connect()
    try:
        for n in range(count):
            message = DeviceMessage(f'{{"n": {n}}}')
            message.custom_properties["n"] = str(n)
            message.custom_properties["device"] = device_id
            message.content_type = "application/json"
            message.content_encoding = "utf-8"
            client.send_message(message)
    finally:
        client.shutdown()


async def test_partition_ids_and_properties_answer(amqp_hub: AmqpHub) -> None:
    client = _consumer(amqp_hub)
    with client:
        ids = await asyncio.to_thread(client.get_partition_ids)
        props = await asyncio.to_thread(client.get_eventhub_properties)
        partition = await asyncio.to_thread(client.get_partition_properties, "0")
    assert ids == ["0", "1", "2", "3"]
    assert props["eventhub_name"] == "fleethub"
    assert props["partition_ids"] == ids
    assert partition["id"] == "0"
    assert partition["is_empty"] is True


async def test_consumer_from_start_reads_telemetry_with_annotations(amqp_hub: AmqpHub) -> None:
    await amqp_hub.create_device("dev1")
    for n in range(5):
        body = f"m{n}".encode()
        message = Message(body=body, properties={"n": str(n)}, content_type="text/plain")
        await amqp_hub.hub.telemetry.ingest("dev1", None, message, "sas")
    client = _consumer(amqp_hub)
    events = await asyncio.to_thread(_collect, client, 5, starting_position="-1")
    assert [e.body_as_str() for e in events] == [f"m{n}" for n in range(5)]
    first = events[0]
    assert first.properties == {b"n": b"0"}
    assert first.system_properties[b"iothub-connection-device-id"] == b"dev1"
    assert first.system_properties[b"iothub-message-source"] == b"Telemetry"
    assert first.system_properties[b"content-type"] == b"text/plain"
    assert first.sequence_number > 0


async def test_default_group_from_latest_gets_500_messages_of_5_devices_in_order(
    amqp_hub: AmqpHub,
) -> None:
    """Every D2C message, device id and application properties intact, in order per
    partition; a second consumer group then reads the same 500 from the start."""
    keys = {f"dev{i}": await amqp_hub.create_device(f"dev{i}") for i in range(5)}
    collector = Collector(_consumer(amqp_hub), 500, starting_position="@latest")
    await _until(lambda: len(amqp_hub.readers()) == 4)
    ca = amqp_hub.ca_path.read_text()
    await asyncio.gather(
        *(
            asyncio.to_thread(
                _send_from_device, amqp_hub.device_connection_string(d, k), ca, d, 100
            )
            for d, k in keys.items()
        )
    )
    received = await asyncio.to_thread(collector.finish)
    got = {
        (e.system_properties[b"iothub-connection-device-id"].decode(), int(e.properties[b"n"]))
        for _, e in received
    }
    missing = {(d, n) for d in keys for n in range(100)} - got
    assert not missing, sorted(missing)
    assert len(received) == 500
    _check_order_and_properties(received)
    again = Collector(_consumer(amqp_hub, "analytics"), 500, starting_position="-1")
    second = await asyncio.to_thread(again.finish)
    assert sorted(e.sequence_number for _, e in second) == sorted(
        e.sequence_number for _, e in received
    )


def _check_order_and_properties(received: list[tuple[str, Any]]) -> None:
    by_partition: dict[str, list[int]] = {}
    by_device: dict[str, list[int]] = {}
    for partition, event in received:
        device = event.system_properties[b"iothub-connection-device-id"].decode()
        assert event.properties[b"device"] == device.encode()
        assert event.system_properties[b"content-type"] == b"application/json"
        assert event.system_properties[b"iothub-message-source"] == b"Telemetry"
        assert event.partition_key == device.encode()
        by_partition.setdefault(partition, []).append(event.sequence_number)
        by_device.setdefault(device, []).append(int(event.properties[b"n"]))
    for numbers in by_partition.values():
        assert numbers == sorted(numbers)
    assert by_device == {f"dev{i}": list(range(100)) for i in range(5)}


async def test_reading_from_an_enqueued_time_skips_older_events(amqp_hub: AmqpHub) -> None:
    await amqp_hub.create_device("dev1")
    for n in range(6):
        if n == 3:
            amqp_hub.clock.now += 10
        await amqp_hub.hub.telemetry.ingest("dev1", None, Message(body=f"m{n}".encode()), "sas")
    since = datetime.fromtimestamp(amqp_hub.clock.now - 5, UTC)
    client = _consumer(amqp_hub)
    events = await asyncio.to_thread(_collect, client, 3, starting_position=since)
    assert [e.body_as_str() for e in events] == ["m3", "m4", "m5"]


async def test_the_aio_consumer_reads_from_a_sequence_number(amqp_hub: AmqpHub) -> None:
    await amqp_hub.create_device("dev1")
    records = [
        await amqp_hub.hub.telemetry.ingest("dev1", None, Message(body=f"m{n}".encode()), "sas")
        for n in range(4)
    ]
    client = AsyncConsumerClient.from_connection_string(
        amqp_hub.eventhub_connection_string(),
        consumer_group="$Default",
        connection_verify=str(amqp_hub.ca_path),
    )
    got: list[Any] = []
    done = asyncio.Event()

    async def on_event(_context: Any, event: Any) -> None:
        got.append(event)
        if len(got) == 2:
            done.set()

    async with client:
        task = asyncio.create_task(
            client.receive(on_event, starting_position=records[1].sequence_number)
        )
        await asyncio.wait_for(done.wait(), 60)
        await client.close()
        await task
    assert [e.body_as_str() for e in got] == ["m2", "m3"]
