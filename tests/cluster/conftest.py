"""Three `fleethub serve` nodes on one PostgreSQL schema and one NATS prefix, behind a TCP
balancer on 127.0.X.Y:8883 (the port the device SDK dials), as docs/scale-out.md runs them."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from azure.iot.device import IoTHubDeviceClient
from azure.iot.hub import IoTHubRegistryManager

from tests.cluster.balancer import Balancer
from tests.conftest import POSTGRES_URL, drop_schema
from tests.sdk.conftest import Served, free_loopback, start_server, stop_server

NATS_URL = "nats://127.0.0.1:4222"


@dataclass
class Cluster:
    data_dir: Path
    schema: str
    prefix: str
    host: str
    balancer: Balancer
    nodes: list[Served] = field(default_factory=list)
    #: The same on 443 for the HTTPS port (service REST, WebSockets), as a balancer would.
    web: Balancer | None = None

    def manager(self, node: int) -> IoTHubRegistryManager:
        """The service SDK talking to one node."""
        return IoTHubRegistryManager.from_connection_string(
            self.nodes[node].service_connection_string()
        )

    def device(self, device_id: str, key: str, *, through: int, retry: bool = True) -> object:
        """A connected device client whose connection the balancer gives to node `through`."""
        self.balancer.order = [through] + [n for n in range(len(self.nodes)) if n != through]
        client = IoTHubDeviceClient.create_from_connection_string(
            f"HostName={self.host};DeviceId={device_id};SharedAccessKey={key}",
            server_verification_cert=self.nodes[0].ca_path.read_text(),
            connection_retry=retry,
            connection_retry_interval=1,
        )
        client.connect()
        return client


def start_node(cluster: Cluster, number: int) -> Served:
    env = {
        "FLEETHUB_BUS_PREFIX": cluster.prefix,
        "FLEETHUB_NODE_ID": f"node{number}",
        "FLEETHUB_STORE_POOL_SIZE": "5",  # other tests share the server's 100 connections
    }
    store = ["--store", POSTGRES_URL, "--store-schema", cluster.schema, "--bus", NATS_URL]
    return start_server(cluster.data_dir, *store, env=env)


def start_cluster(data_dir: Path, size: int = 3) -> Cluster:
    host = free_loopback()
    subprocess.run(
        [sys.executable, "-m", "fleethub", "init", "--data-dir", str(data_dir), "--hostname", host],
        check=True,
        capture_output=True,
    )
    prefix = f"t{uuid.uuid4().hex[:12]}"
    schema = f"t_{uuid.uuid4().hex[:16]}"
    cluster = Cluster(data_dir, schema, prefix, host, Balancer(host, 8883, []))
    for number in range(1, size + 1):  # one after another: the first runs the migrations
        cluster.nodes.append(start_node(cluster, number))
    cluster.balancer = Balancer(host, 8883, [("127.0.0.1", n.mqtt_port) for n in cluster.nodes])
    cluster.balancer.start()
    cluster.web = Balancer(host, 443, [("127.0.0.1", n.https_port) for n in cluster.nodes])
    cluster.web.start()
    return cluster


def stop_cluster(cluster: Cluster, drop: bool = True) -> list[int]:
    """Stop the live nodes (exit codes returned) and, unless told not to, drop the schema."""
    cluster.balancer.stop()
    if cluster.web is not None:
        cluster.web.stop()
    codes = [stop_server(node) for node in cluster.nodes if node.process.poll() is None]
    if drop:
        asyncio.run(drop_schema(cluster.schema))
    return codes


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    started = start_cluster(tmp_path_factory.mktemp("cluster"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(started.nodes[0].ca_path))
        yield started
    codes = stop_cluster(started)
    assert codes == [0, 0, 0], "\n".join(line for n in started.nodes for line in n.output)
