"""Consumer groups beyond `$Default` with the real azure-eventhub client (issue #8): a created
group reads from the start, an unknown or removed one is refused as Event Hubs refuses it
(`amqp:not-found` on the receiver's attach)."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest
from azure.eventhub import EventHubConsumerClient

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.messaging.message import Message
from tests.sdk.amqp.conftest import AmqpHub

pytestmark = pytest.mark.sdk


def _consumer(amqp_hub: AmqpHub, group: str) -> EventHubConsumerClient:
    return EventHubConsumerClient.from_connection_string(
        amqp_hub.eventhub_connection_string(),
        consumer_group=group,
        connection_verify=str(amqp_hub.ca_path),
    )


def _read(client: EventHubConsumerClient, count: int, seconds: float = 60) -> list[str]:
    """Read from the start until `count` events came or `seconds` passed."""
    bodies: list[str] = []
    done = threading.Event()

    def on_event_batch(_context: Any, events: list[Any]) -> None:
        bodies.extend(e.body_as_str() for e in events)
        if len(bodies) >= count:
            done.set()

    worker = threading.Thread(
        target=client.receive_batch,
        kwargs={"on_event_batch": on_event_batch, "starting_position": "-1"},
        daemon=True,
    )
    worker.start()
    done.wait(seconds)
    client.close()
    worker.join(10)
    return bodies


async def test_a_created_group_reads_from_the_start(amqp_hub: AmqpHub) -> None:
    for n in range(3):
        await amqp_hub.hub.telemetry.ingest("dev1", None, Message(f"m{n}".encode()), "sas")
    await amqp_hub.hub.consumer_groups.add(SYSTEM, "Reports")

    bodies = await asyncio.to_thread(_read, _consumer(amqp_hub, "reports"), 3)

    assert sorted(bodies) == ["m0", "m1", "m2"]


async def test_an_unknown_group_is_refused_until_it_is_created(
    amqp_hub: AmqpHub, caplog: pytest.LogCaptureFixture
) -> None:
    """pyamqp retries a refused attach without telling `on_error` (its consumer only raises
    link errors once attached), so the refusal shows as no events and the hub's log line."""
    caplog.set_level(logging.INFO, logger="fleethub.transports.amqp.peer")
    await amqp_hub.hub.telemetry.ingest("dev1", None, Message(b"m0"), "sas")

    refused = await asyncio.to_thread(_read, _consumer(amqp_hub, "later"), 1, 5)
    await amqp_hub.hub.consumer_groups.add(SYSTEM, "later")
    accepted = await asyncio.to_thread(_read, _consumer(amqp_hub, "later"), 1)

    assert refused == []
    assert "The consumer group 'later' does not exist." in caplog.text
    assert accepted == ["m0"]


async def test_a_removed_group_is_refused(
    amqp_hub: AmqpHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="fleethub.transports.amqp.peer")
    await amqp_hub.hub.telemetry.ingest("dev1", None, Message(b"m0"), "sas")
    await amqp_hub.hub.consumer_groups.add(SYSTEM, "temporary")
    await amqp_hub.hub.consumer_groups.remove(SYSTEM, "temporary")

    assert await asyncio.to_thread(_read, _consumer(amqp_hub, "temporary"), 1, 5) == []
    assert "The consumer group 'temporary' does not exist." in caplog.text
