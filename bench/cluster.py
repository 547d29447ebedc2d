"""Device-to-cloud figures for a cluster of 1, 2 and 3 nodes on PostgreSQL and NATS (#9).

    python -m bench.cluster [--nodes 1 2 3] [--devices 300] [--messages 30000]

Each run starts fresh nodes on a new PostgreSQL schema and NATS prefix, provisions the devices
through node 1, spreads the device connections over the nodes (TLS, QoS 1) and prints the
total messages/s and, per node, messages/s and CPU µs per message. On a 2-core machine every
node and the generator share the same two cores, so these figures show a cluster's overhead,
not how it scales on more machines (docs/performance.md says what would).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import ssl
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bench import mqttload
from bench.d2c import hub_credentials, pct, provision
from bench.hubprocess import HubProcess, start_hub

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
NATS = "nats://127.0.0.1:4222"


def start_nodes(count: int, schema: str, prefix: str) -> list[HubProcess]:
    os.environ["FLEETHUB_BUS_PREFIX"] = prefix
    os.environ["FLEETHUB_STORE_POOL_SIZE"] = "15"  # 3 nodes of 25 within max_connections = 100
    nodes: list[HubProcess] = []
    for n in range(count):  # one after another: the first runs the migrations
        os.environ["FLEETHUB_NODE_ID"] = f"bench-node{n + 1}"
        nodes.append(start_hub("--store", POSTGRES, "--store-schema", schema, "--bus", NATS))
    return nodes


async def drop(schema: str) -> None:
    engine = create_async_engine(POSTGRES.replace("postgresql:", "postgresql+asyncpg:"))
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


async def load(nodes: list[HubProcess], devices: int, messages: int) -> list[mqttload.Results]:
    """Device i connects to node i % len(nodes); all nodes are loaded at once."""
    share = devices // len(nodes)
    per_device = max(1, messages // devices)
    runs = []
    for k, node in enumerate(nodes):
        tls = ssl.create_default_context(cafile=str(node.ca_path))
        tls.minimum_version = tls.maximum_version = ssl.TLSVersion.TLSv1_2

        def credentials(i: int, k: int = k) -> tuple[str, str, str, str]:
            return hub_credentials(k * share + i)

        runs.append(mqttload.run("127.0.0.1", node.mqtt_port, tls, credentials, share, per_device))
    return list(await asyncio.gather(*runs))


def measure(count: int, devices: int, messages: int) -> None:
    schema, prefix = f"bench_{uuid.uuid4().hex[:12]}", f"bench{uuid.uuid4().hex[:12]}"
    nodes = start_nodes(count, schema, prefix)
    try:
        provision(nodes[0], devices)
        before = [node.cpu_seconds() for node in nodes]
        results = asyncio.run(load(nodes, devices, messages))
        elapsed = max(r.publish_seconds for r in results) or 1.0  # all nodes publishing
        total = sum(len(r.latencies) for r in results)
        latencies = [x for r in results for x in r.latencies]
        print(
            f"[cluster] {count} node(s), {devices} devices: {total / elapsed:,.0f} msgs/s in all, "
            f"PUBACK p50 {pct(latencies, 0.5):.1f} ms p99 {pct(latencies, 0.99):.1f} ms"
        )
        for k, (node, result) in enumerate(zip(nodes, results, strict=True)):
            sent = len(result.latencies)
            cpu = (node.cpu_seconds() - before[k]) / max(1, sent)
            rate = sent / result.publish_seconds if result.publish_seconds else 0.0
            print(f"    node {k + 1}: {rate:,.0f} msgs/s, {cpu * 1e6:.0f} µs CPU/msg")
    finally:
        for node in nodes:
            node.stop()
        asyncio.run(drop(schema))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--devices", type=int, default=300)
    parser.add_argument("--messages", type=int, default=30000, help="messages per run")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    for count in args.nodes:
        measure(count, args.devices - args.devices % count, args.messages)


if __name__ == "__main__":
    main()
