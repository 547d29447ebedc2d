"""Three nodes behave as one hub (#9): a device on node 1 answers a method invoked on node 2
and receives a desired patch made on node 3; a second connection through node 2 takes over;
a job over 1,000 devices runs once; SIGKILL a node under 20 publishing devices and every
acknowledged message is stored exactly once."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from azure.iot.device import Message, MethodResponse
from azure.iot.device.exceptions import ClientError, OperationCancelled, OperationTimeout
from azure.iot.hub import IoTHubJobManager
from azure.iot.hub.models import CloudToDeviceMethod, Twin, TwinProperties
from msrest.exceptions import HttpOperationError

from tests.cluster.conftest import Cluster, start_cluster, stop_cluster
from tests.conftest import POSTGRES_URL, drop_schema
from tests.sdk.amqp.test_websocket import receive_over_websocket
from tests.sdk.conftest import service_client
from tests.sdk.test_device_client import wait_until
from tests.sdk.test_job_manager import count, create_devices, twin_request, wait_job

pytestmark = [pytest.mark.sdk, pytest.mark.cluster, pytest.mark.postgres, pytest.mark.nats]


def new_key(cluster: Cluster, device_id: str) -> str:
    device = cluster.manager(0).create_device_with_sas(device_id, None, None, "enabled")
    return str(device.authentication.symmetric_key.primary_key)


def answer_methods(client: Any, name: str) -> None:
    def answer(request: Any) -> None:
        payload = {"answeredBy": name, "echo": request.payload}
        response = MethodResponse.create_from_method_request(request, 200, payload)
        client.send_method_response(response)

    client.on_method_request_received = answer


def test_a_method_and_a_patch_reach_a_device_through_other_nodes(cluster: Cluster) -> None:
    key = new_key(cluster, "c-dev-1")
    client: Any = cluster.device("c-dev-1", key, through=0)
    patches: list[dict[str, Any]] = []
    client.on_twin_desired_properties_patch_received = patches.append
    answer_methods(client, "c-dev-1")
    try:
        assert cluster.balancer.routed[0] >= 1
        result = cluster.manager(1).invoke_device_method(
            "c-dev-1", CloudToDeviceMethod(method_name="ping", payload={"n": 1})
        )
        assert result.status == 200
        assert result.payload == {"answeredBy": "c-dev-1", "echo": {"n": 1}}

        desired = Twin(properties=TwinProperties(desired={"fan": "on"}))
        cluster.manager(2).update_twin("c-dev-1", desired, "*")
        wait_until(lambda: any(p.get("fan") == "on" for p in patches))
    finally:
        client.shutdown()


def test_a_method_for_a_device_connected_nowhere_is_refused(cluster: Cluster) -> None:
    new_key(cluster, "c-offline")
    with pytest.raises(HttpOperationError) as offline:
        cluster.manager(1).invoke_device_method("c-offline", CloudToDeviceMethod(method_name="x"))
    assert offline.value.response.status_code == 404


def test_a_second_connection_on_another_node_takes_over(cluster: Cluster) -> None:
    key = new_key(cluster, "c-dev-2")
    first: Any = cluster.device("c-dev-2", key, through=0, retry=False)
    second: Any = None
    try:
        second = cluster.device("c-dev-2", key, through=1)
        answer_methods(second, "second")
        wait_until(lambda: not first.connected)
        result = cluster.manager(2).invoke_device_method(
            "c-dev-2", CloudToDeviceMethod(method_name="who", payload=None)
        )
        assert result.payload["answeredBy"] == "second"
        time.sleep(3)  # past the disconnect debounce: the state stays connected
        assert cluster.manager(0).get_device("c-dev-2").connection_state == "Connected"
    finally:
        first.shutdown()
        if second is not None:
            second.shutdown()


def test_an_event_hub_consumer_on_one_node_reads_what_devices_sent_to_the_others(
    cluster: Cluster,
) -> None:
    for node, device_id in ((0, "eh-1"), (1, "eh-2")):
        client: Any = cluster.device(device_id, new_key(cluster, device_id), through=node)
        try:
            for n in range(20):
                client.send_message(Message(f"{device_id}-{n}"))
        finally:
            client.shutdown()
    assert cluster.web is not None
    cluster.web.order = [2]  # the consumer reads through node 3
    hub = dataclasses.replace(cluster.nodes[2], host=cluster.host, https_port=443)

    events = receive_over_websocket(hub, "$Default", 40)

    bodies = sorted(e.body_as_str() for e in events if e.body_as_str().startswith("eh-"))
    assert bodies == sorted(f"{d}-{n}" for d in ("eh-1", "eh-2") for n in range(20))
    assert cluster.web.routed[2] >= 1


def test_a_job_over_a_thousand_devices_runs_once_across_the_nodes(cluster: Cluster) -> None:
    create_devices(cluster.manager(0), "wave-", 1000)
    jobs = [IoTHubJobManager.from_connection_string(n.connection_string) for n in cluster.nodes]
    jobs[1].create_scheduled_job("wave", twin_request("wave", "STARTSWITH(deviceId, 'wave-')"))

    done = wait_job(jobs[2], "wave", within=240)
    assert done.status == "completed"
    assert done.device_job_statistics.succeeded_count == 1000
    with service_client(cluster.nodes[0]) as client:
        # Each twin written exactly once: version 1 → 2, desired $version 1 → 2.
        assert count(client, "STARTSWITH(deviceId, 'wave-') AND version = 2") == 1000
        assert count(client, "STARTSWITH(deviceId, 'wave-') AND version > 2") == 0


# --- a node dies under load ------------------------------------------------------------------

DEVICES = 20


class Publisher:
    """One device sending QoS1 messages with ids; `acknowledged` holds those PUBACKed."""

    def __init__(self, client: Any, device_id: str) -> None:
        self.client = client
        self.device_id = device_id
        self.acknowledged: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        while not self.stop.is_set():
            message_id = f"{self.device_id}-{n}"
            n += 1
            try:
                self.client.send_message(Message(f"m{n}", message_id=message_id))  # PUBACKed
            except (ClientError, OperationCancelled, OperationTimeout):
                # Caught between its connections, as a device app can be: the SDK raises,
                # the message counts as unacknowledged, and the app goes on with a new one.
                time.sleep(0.2)
                continue
            self.acknowledged.append(message_id)


async def stored_ids(schema: str) -> Counter[str]:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        rows = await connection.fetch(f'SELECT message_id FROM "{schema}".messages')  # noqa: S608 - schema of our own
    finally:
        await connection.close()
    return Counter(row["message_id"] for row in rows if row["message_id"])


def test_sigkill_a_node_and_no_acknowledged_message_is_lost_or_doubled(tmp_path: Path) -> None:
    cluster = start_cluster(tmp_path / "cluster")
    publishers: list[Publisher] = []
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("REQUESTS_CA_BUNDLE", str(cluster.nodes[0].ca_path))
            for i in range(DEVICES):
                device_id = f"pub-{i:02d}"
                client = cluster.device(device_id, new_key(cluster, device_id), through=0)
                publishers.append(Publisher(client, device_id))
        for publisher in publishers:
            publisher.thread.start()
        wait_until(lambda: all(len(p.acknowledged) >= 5 for p in publishers), 60)

        cluster.nodes[0].process.send_signal(signal.SIGKILL)  # no drain, no goodbye
        cluster.nodes[0].process.wait(30)
        before = [len(p.acknowledged) for p in publishers]
        pairs = list(zip(publishers, before, strict=True))
        wait_until(lambda: all(len(p.acknowledged) >= b + 10 for p, b in pairs), 120)
    finally:
        for publisher in publishers:
            publisher.stop.set()
        for publisher in publishers:
            publisher.thread.join(30)
            publisher.client.shutdown()
        assert cluster.nodes[0].process.stdout is not None
        cluster.nodes[0].process.stdout.close()
        codes = stop_cluster(cluster, drop=False)
    try:
        stored = asyncio.run(stored_ids(cluster.schema))
        acknowledged = [m for p in publishers for m in p.acknowledged]
        missing = [m for m in acknowledged if stored[m] == 0]
        doubled = [m for m in acknowledged if stored[m] > 1]
        assert (missing, doubled) == ([], [])
        assert codes == [0, 0]
    finally:
        asyncio.run(drop_schema(cluster.schema))
