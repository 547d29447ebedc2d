"""A node whose PostgreSQL or NATS goes away refuses new work with clear errors and recovers
on its own when the server is back, without a restart (#9).

PostgreSQL is the machine's own server reached through a TCP relay the test cuts and
restores (the server itself is shared with the rest of the suite); NATS is a server of the
test's own, stopped and started again on the same port.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from fleethub.hub.auth import sas
from tests.bus.test_nats import OwnNats, free_port
from tests.cluster.balancer import Balancer
from tests.conftest import drop_schema
from tests.sdk.conftest import Served, service_client, start_server, stop_server

pytestmark = [pytest.mark.sdk, pytest.mark.cluster, pytest.mark.postgres]


def eventually(check: Callable[[], bool], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.2)


def test_a_postgresql_outage_is_refused_clearly_and_recovered_from(tmp_path: Path) -> None:
    relay = Balancer("127.0.0.1", free_port(), [("127.0.0.1", 5432)])
    relay.start()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    store = f"postgresql://postgres@127.0.0.1:{relay.port}/test"
    node = start_server(tmp_path / "hub", "--store", store, "--store-schema", schema)
    try:
        with service_client(node, timeout=30) as rest:
            assert rest.put("/devices/pg-1", json={"deviceId": "pg-1"}).status_code == 200
            assert rest.get("/health/ready").status_code == 200

            relay.stop()  # every connection to PostgreSQL drops, new ones are refused
            eventually(lambda: rest.get("/health/ready").status_code == 503)
            refused = rest.get("/devices/pg-1")
            assert refused.status_code == 503
            assert "unavailable" in refused.json()["Message"].lower()

            relay.start()
            eventually(lambda: rest.get("/health/ready").status_code == 200)
            eventually(lambda: rest.get("/devices/pg-1").status_code == 200)
            assert rest.put("/devices/pg-2", json={"deviceId": "pg-2"}).status_code == 200
    finally:
        relay.stop()
        code = stop_server(node)
        asyncio.run(drop_schema(schema))
    assert code == 0, "\n".join(node.output)


def connack(node: Served, device_id: str, key: str) -> int:
    """The CONNACK code a device gets from the node (paho over TLS)."""
    codes: list[int] = []
    device = mqtt.Client(client_id=device_id, clean_session=False)
    device.username_pw_set(
        f"localhost/{device_id}/?api-version=2021-04-12",
        sas.build(f"localhost/devices/{device_id}", key, int(time.time()) + 3600),
    )
    device.tls_set(ca_certs=str(node.ca_path))
    device.on_connect = lambda _c, _u, _f, rc: codes.append(rc)
    device.connect("localhost", node.mqtt_port)
    device.loop_start()
    try:
        eventually(lambda: bool(codes), 30)
    finally:
        device.disconnect()
        device.loop_stop()
    return codes[0]


@pytest.mark.nats
def test_a_nats_outage_refuses_devices_clearly_and_is_recovered_from(tmp_path: Path) -> None:
    nats = OwnNats(tmp_path / "jetstream")
    nats.start()
    node = start_server(tmp_path / "hub", "--bus", nats.url, env={"FLEETHUB_NODE_ID": "solo"})
    try:
        with service_client(node, timeout=30) as rest:
            created = rest.put("/devices/nats-1", json={"deviceId": "nats-1"}).json()
            key = created["authentication"]["symmetricKey"]["primaryKey"]
            assert connack(node, "nats-1", key) == 0

            nats.stop()
            eventually(lambda: rest.get("/health/ready").status_code == 503)
            assert connack(node, "nats-1", key) == 3  # server unavailable
            assert rest.get("/devices/nats-1").status_code == 200  # the registry still answers

            nats.start()
            eventually(lambda: rest.get("/health/ready").status_code == 200)
            assert connack(node, "nats-1", key) == 0
    finally:
        code = stop_server(node)
        nats.stop()
    assert code == 0, "\n".join(node.output)
