"""azure-eventhub (pyamqp) reading the Event Hub-compatible built-in endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.eventhub import EventHubConsumerClient
from azure.eventhub.aio import EventHubConsumerClient as AsyncConsumerClient
from azure.iot.device import IoTHubDeviceClient
from azure.iot.device import Message as DeviceMessage

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.messaging.message import Message
from fleethub.hub.twins.service import TwinPatch
from tests.sdk.amqp.conftest import AmqpHub

pytestmark = pytest.mark.sdk


def _consumer(amqp_hub: AmqpHub, group: str = "$Default") -> EventHubConsumerClient:
    return EventHubConsumerClient.from_connection_string(
        amqp_hub.eventhub_connection_string(),
        consumer_group=group,
        connection_verify=str(amqp_hub.ca_path),
    )


class Collector:
    """Runs the sync client's `receive` (or `receive_batch`) in a thread, keeping
    (partition id, event) pairs.

    The batch form matters for volume: the sync client's event processor polls its partition
    consumers in turn, waiting out a 0.2 s socket timeout on each idle one, and hands
    `on_event` one event per turn (azure-sdk-for-python #27314); `on_event_batch` gets up to
    300 per turn.
    """

    def __init__(
        self, client: EventHubConsumerClient, count: int, batch: bool = False, **receive: Any
    ) -> None:
        self.client = client
        self.count = count
        self.events: list[tuple[str, Any]] = []
        self.done = threading.Event()
        if batch:
            target, callback = client.receive_batch, {"on_event_batch": self._on_batch}
        else:
            target, callback = client.receive, {"on_event": self._on_event}
        self.worker = threading.Thread(target=target, kwargs={**callback, **receive}, daemon=True)
        self.worker.start()

    def _on_event(self, context: Any, event: Any) -> None:
        if event is not None:
            self._on_batch(context, [event])

    def _on_batch(self, context: Any, events: list[Any]) -> None:
        self.events += [(context.partition_id, event) for event in events]
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


def _async_consumer(amqp_hub: AmqpHub, group: str = "$Default") -> AsyncConsumerClient:
    return AsyncConsumerClient.from_connection_string(
        amqp_hub.eventhub_connection_string(),
        consumer_group=group,
        connection_verify=str(amqp_hub.ca_path),
    )


async def _stop(client: AsyncConsumerClient, task: asyncio.Task[Any]) -> None:
    """Close the aio client; its event processor then sleeps out its 30 s load-balancing
    interval before `receive` returns, so the task is cancelled rather than awaited."""
    await client.close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


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
    """Every D2C message of 5 real device clients, with device id and application properties
    intact and in order per partition (aio consumer); a second consumer group then reads the
    same 500 from the start (sync consumer, batch callback)."""
    keys = {f"dev{i}": await amqp_hub.create_device(f"dev{i}") for i in range(5)}
    received: list[tuple[str, Any]] = []
    done = asyncio.Event()

    async def on_event(context: Any, event: Any) -> None:
        received.append((context.partition_id, event))
        if len(received) == 500:
            done.set()

    client = _async_consumer(amqp_hub)
    task = asyncio.create_task(client.receive(on_event, starting_position="@latest"))
    await _until(lambda: len(amqp_hub.readers()) == 4)
    ca = amqp_hub.ca_path.read_text()
    senders = [
        asyncio.to_thread(_send_from_device, amqp_hub.device_connection_string(d, k), ca, d, 100)
        for d, k in keys.items()
    ]
    await asyncio.gather(*senders)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), 120)
    await _stop(client, task)
    got = {(e.properties[b"device"], int(e.properties[b"n"])) for _, e in received}
    missing = {(d.encode(), n) for d in keys for n in range(100)} - got
    assert not missing, sorted(missing)
    assert len(received) == 500
    _check_order_and_properties(received)
    again = Collector(_consumer(amqp_hub, "analytics"), 500, batch=True, starting_position="-1")
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
    got: list[Any] = []
    done = asyncio.Event()

    async def on_event(_context: Any, event: Any) -> None:
        got.append(event)
        if len(got) == 2:
            done.set()

    client = _async_consumer(amqp_hub)
    start = records[1].sequence_number
    task = asyncio.create_task(client.receive(on_event, starting_position=start))
    await asyncio.wait_for(done.wait(), 60)
    await _stop(client, task)
    assert [e.body_as_str() for e in got] == ["m2", "m3"]


async def test_a_twin_patch_and_a_new_device_yield_notification_events(amqp_hub: AmqpHub) -> None:
    """With the notifications switched on (Azure: a route), the built-in endpoint serves a
    deviceLifecycleEvents event on create and a twinChangeEvents event on a desired patch."""
    amqp_hub.hub.builtin_events.kinds = frozenset({"twinChangeEvents", "deviceLifecycleEvents"})
    await amqp_hub.create_device("dev9")
    await amqp_hub.hub.twins.patch(SYSTEM, "dev9", None, TwinPatch(desired={"fan": "on"}), None)
    events = await asyncio.to_thread(_collect, _consumer(amqp_hub), 2, starting_position="-1")
    sources = [e.system_properties[b"iothub-message-source"] for e in events]
    assert sources == [b"deviceLifecycleEvents", b"twinChangeEvents"]
    lifecycle, twin = events
    assert lifecycle.properties[b"opType"] == b"createDeviceIdentity"
    assert twin.properties[b"opType"] == b"updateTwin"
    assert twin.properties[b"iothub-message-schema"] == b"twinChangeNotification"
    body = json.loads(twin.body_as_str())
    assert body["properties"]["desired"]["fan"] == "on"
    assert twin.system_properties[b"iothub-connection-device-id"] == b"dev9"
