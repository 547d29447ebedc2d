"""Event Hub-compatible endpoint figures: device send → consumer receive latency, and how fast
an azure-eventhub consumer drains a backlog.

    python -m bench.eventhub [--devices 10] [--messages 2000] [--rate 400]

Devices publish QoS 1 telemetry over plain MQTT (fleethub's codec, as bench.d2c) carrying
their send time; an aio `EventHubConsumerClient` on `$Default` from `@latest` reads it over
AMQPS. Latency is receive time minus send time (p50/p99). Then a second consumer reads the
whole backlog from the start with `on_event_batch`: events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from azure.eventhub import TransportType
from azure.eventhub.aio import EventHubConsumerClient

from bench import mqttload
from bench.d2c import hub_credentials, pct, provision
from bench.hubprocess import HubProcess
from fleethub import datadir
from fleethub.transports.mqtt.codec import encode_publish

_PORTS = {
    "https": r"Service REST API\s+https://[^:/]+:(\d+)/",
    "amqp": r"Service AMQPS\s+amqps://[^:/]+:(\d+)",
    "plain": r"Plain MQTT \(bench\)\s+mqtt://[^:/]+:(\d+)",
    "ca": r"^\s*(/\S+ca\.pem)\s*$",
}


def start(data_dir: Path) -> tuple[HubProcess, int, int]:
    """`fleethub serve` with AMQPS and plain MQTT on free ports; (hub, amqp port, mqtt port)."""
    command = [sys.executable, "-m", "fleethub", "serve", "--data-dir", str(data_dir)]
    command += ["--https-port", "0", "--mqtt-port", "0", "--amqp-port", "0"]
    command += ["--mqtt-plain-port", "0", "--log-level", "warning"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    found: dict[str, str] = {}
    for line in process.stdout:
        for key, pattern in _PORTS.items():
            match = re.search(pattern, line)
            if match:
                found[key] = match.group(1)
        if "ca" in found:
            hub = HubProcess(process, data_dir, int(found["https"]), Path(found["ca"]))
            return hub, int(found["amqp"]), int(found["plain"])
    raise RuntimeError("the hub did not start")


def consumer(hub: HubProcess, amqp_port: int) -> EventHubConsumerClient:
    key = datadir.load(hub.data_dir).policy("iothubowner").primary_key
    endpoint = (
        f"Endpoint=sb://localhost/;SharedAccessKeyName=iothubowner;SharedAccessKey={key};"
        "EntityPath=fleethub"
    )
    return EventHubConsumerClient.from_connection_string(
        endpoint,
        consumer_group="$Default",
        connection_verify=str(hub.ca_path),
        custom_endpoint_address=f"sb://localhost:{amqp_port}",
        transport_type=TransportType.Amqp,
    )


async def publish(port: int, devices: int, messages: int, rate: float) -> None:
    """`messages` in all, round-robin over `devices`, paced at `rate` per second."""
    clients = []
    for i in range(devices):
        client_id, username, password, topic = hub_credentials(i)
        client = await mqttload.open_connection(
            "127.0.0.1", port, None, client_id, username, password
        )
        assert client is not None
        assert client.transport is not None
        clients.append((client, topic))
    started = time.perf_counter()
    for n in range(messages):
        client, topic = clients[n % devices]
        assert client.transport is not None
        body = f"{time.time():.6f}".encode()
        client.transport.write(encode_publish(topic, body, 1, n % 65535 + 1))
        delay = started + (n + 1) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.sleep(0.5)
    for client, _ in clients:
        assert client.transport is not None
        client.transport.close()


async def latency(
    hub: HubProcess, amqp: int, mqtt: int, devices: int, count: int, rate: float
) -> None:
    latencies: list[float] = []
    ingest: list[float] = []
    done = asyncio.Event()

    async def on_event(_context: Any, event: Any) -> None:
        now, sent = time.time(), float(event.body_as_str())
        latencies.append(now - sent)
        ingest.append(event.enqueued_time.timestamp() - sent)
        if len(latencies) >= count:
            done.set()

    client = consumer(hub, amqp)
    task = asyncio.create_task(client.receive(on_event, starting_position="@latest"))
    await asyncio.sleep(3)  # the event processor claims every partition first
    await publish(mqtt, devices, count, rate)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), 60)
    await client.close()
    task.cancel()
    print(
        f"[latency] {len(latencies)}/{count} events at {rate:.0f}/s from {devices} devices: "
        f"device send → consumer receive p50 {pct(latencies, 0.5):.1f} ms, "
        f"p99 {pct(latencies, 0.99):.1f} ms (of which send → enqueued p50 "
        f"{pct(ingest, 0.5):.1f} ms, p99 {pct(ingest, 0.99):.1f} ms)"
    )


async def throughput(hub: HubProcess, amqp: int, count: int) -> None:
    received = 0
    done = asyncio.Event()
    first: list[float] = []

    async def on_batch(_context: Any, events: list[Any]) -> None:
        nonlocal received
        if not first:
            first.append(time.perf_counter())
        received += len(events)
        if received >= count:
            done.set()

    client = consumer(hub, amqp)
    started = time.perf_counter()
    task = asyncio.create_task(client.receive_batch(on_batch, starting_position="-1"))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), 120)
    ended = time.perf_counter()
    await client.close()
    task.cancel()
    span = ended - (first[0] if first else started)
    print(
        f"[throughput] {received} backlog events in {ended - started:.2f} s including connect; "
        f"{received / span if span else 0:,.0f} events/s once the first batch arrived"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=400.0)
    args = parser.parse_args()
    hub, amqp, mqtt = start(Path(tempfile.mkdtemp(prefix="fleethub-bench-")))
    try:
        provision(hub, args.devices)
        asyncio.run(latency(hub, amqp, mqtt, args.devices, args.messages, args.rate))
        asyncio.run(throughput(hub, amqp, args.messages))
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
