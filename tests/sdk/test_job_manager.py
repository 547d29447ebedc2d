"""Microsoft's `azure-iot-hub` IoTHubJobManager, unchanged, against `fleethub serve` (#6).

Scheduled twin and method jobs, cancel, a restart mid-job (SIGKILL) that does no device twice,
and a registry export → delete all → import round trip.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.iot.device import IoTHubDeviceClient, MethodResponse
from azure.iot.hub import IoTHubJobManager, IoTHubRegistryManager
from azure.iot.hub.models import (
    CloudToDeviceMethod,
    ExportImportDevice,
    JobProperties,
    JobRequest,
    QuerySpecification,
    SymmetricKey,
    Twin,
    TwinProperties,
)

from tests.sdk.conftest import Served, service_client, start_server, stop_server

pytestmark = pytest.mark.sdk
#: IoT Hub query language (parsed by the hub, never SQL).
JOBS_OF = "SELECT * FROM devices.jobs WHERE devices.jobs.jobId = "


def eventually(check: Callable[[], bool], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.1)


def create_devices(manager: IoTHubRegistryManager, prefix: str, count: int) -> None:
    for start in range(0, count, 100):
        batch = [
            ExportImportDevice(id=f"{prefix}{i:05d}", import_mode="create", status="enabled")
            for i in range(start, min(start + 100, count))
        ]
        assert manager.bulk_create_or_update_devices(batch).is_successful


def twin_request(job_id: str, condition: str) -> JobRequest:
    return JobRequest(
        job_id=job_id,
        type="scheduleUpdateTwin",
        update_twin=Twin(
            tags={"wave": 1}, properties=TwinProperties(desired={"firmware": "2.0"}), etag="*"
        ),
        query_condition=condition,
        start_time=datetime.now(UTC),
        max_execution_time_in_seconds=600,
    )


def wait_job(jobs: IoTHubJobManager, job_id: str, within: float = 120.0) -> Any:
    eventually(
        lambda: jobs.get_scheduled_job(job_id).status in ("completed", "failed", "cancelled"),
        within,
    )
    return jobs.get_scheduled_job(job_id)


def count(client: httpx.Client, where: str) -> int:
    query = {"query": f"SELECT COUNT() AS n FROM devices WHERE {where}"}  # noqa: S608 - IoT Hub query language
    return int(client.post("/devices/query", json=query).json()[0]["n"])


def test_twin_job_over_a_thousand_devices(served: Served) -> None:
    manager = IoTHubRegistryManager.from_connection_string(served.connection_string)
    jobs = IoTHubJobManager.from_connection_string(served.connection_string)
    create_devices(manager, "wave-", 1000)
    job_id = f"twin-{uuid.uuid4().hex[:8]}"
    created = jobs.create_scheduled_job(
        job_id, twin_request(job_id, "STARTSWITH(deviceId, 'wave-')")
    )
    assert created.job_id == job_id
    assert created.status in ("queued", "scheduled", "running", "completed")
    done = wait_job(jobs, job_id)
    assert done.status == "completed"
    stats = done.device_job_statistics
    assert (stats.device_count, stats.succeeded_count, stats.failed_count) == (1000, 1000, 0)
    assert stats.pending_count == 0
    twin = manager.get_twin("wave-00042")
    assert twin.tags == {"wave": 1}
    assert twin.properties.desired["firmware"] == "2.0"
    listed = jobs.query_scheduled_jobs("scheduleUpdateTwin", "completed")
    assert job_id in [item["jobId"] for item in listed.items]
    rows = manager.query_iot_hub(
        QuerySpecification(query=JOBS_OF + f"'{job_id}'"),
        None,
        100,
    )
    assert len(rows.items) == 100
    assert rows.continuation_token
    assert rows.items[0].device_id == "wave-00000"
    with service_client(served) as client:
        assert count(client, "tags.wave = 1") == 1000


def test_cancel_and_unknown_jobs(served: Served) -> None:
    jobs = IoTHubJobManager.from_connection_string(served.connection_string)
    job_id = f"later-{uuid.uuid4().hex[:8]}"
    request = twin_request(job_id, "deviceId = 'nobody'")
    request.start_time = datetime(2999, 1, 1, tzinfo=UTC)
    jobs.create_scheduled_job(job_id, request)
    eventually(lambda: jobs.get_scheduled_job(job_id).status == "scheduled")
    assert jobs.cancel_scheduled_job(job_id).status == "cancelled"
    with pytest.raises(Exception, match="Not Found"):
        jobs.get_scheduled_job("no-such-job")


@pytest.fixture
def slow_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """Its own hub, jobs limited to 400 devices/s so that they can be caught mid-run."""
    server = start_server(tmp_path / "slow", env={"FLEETHUB_JOBS_DEVICE_RATE": "400"})
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_path))
    yield server
    if server.process.poll() is None:
        stop_server(server)


def test_cancel_mid_run(slow_hub: Served) -> None:
    manager = IoTHubRegistryManager.from_connection_string(slow_hub.connection_string)
    jobs = IoTHubJobManager.from_connection_string(slow_hub.connection_string)
    create_devices(manager, "c-", 3000)
    jobs.create_scheduled_job("cancel-me", twin_request("cancel-me", "deviceId != ''"))
    eventually(
        lambda: jobs.get_scheduled_job("cancel-me").device_job_statistics.succeeded_count > 0
    )
    assert jobs.cancel_scheduled_job("cancel-me").status == "cancelled"
    time.sleep(1.5)
    stats = jobs.get_scheduled_job("cancel-me").device_job_statistics
    assert 0 < stats.succeeded_count < 3000
    with service_client(slow_hub) as client:
        assert count(client, "tags.wave = 1") == stats.succeeded_count


def test_restart_mid_run_does_no_device_twice(slow_hub: Served) -> None:
    manager = IoTHubRegistryManager.from_connection_string(slow_hub.connection_string)
    jobs = IoTHubJobManager.from_connection_string(slow_hub.connection_string)
    create_devices(manager, "r-", 3000)
    jobs.create_scheduled_job("survive", twin_request("survive", "deviceId != ''"))
    eventually(lambda: jobs.get_scheduled_job("survive").device_job_statistics.succeeded_count > 0)
    slow_hub.process.kill()  # SIGKILL: no drain, no lease handed back
    slow_hub.process.wait(timeout=30)
    midway = jobs_done(slow_hub)
    assert 0 < midway < 3000
    assert slow_hub.process.stdout is not None
    slow_hub.process.stdout.close()
    again = start_server(slow_hub.data_dir, env={"FLEETHUB_JOBS_DEVICE_RATE": "400"})
    try:
        restarted = IoTHubJobManager.from_connection_string(again.connection_string)
        done = wait_job(restarted, "survive")
        assert done.status == "completed"
        assert done.device_job_statistics.succeeded_count == 3000
        with service_client(again) as client:
            # Each twin was written exactly once: version 1 → 2, desired $version 1 → 2.
            assert count(client, "version = 2 AND properties.desired.$version = 2") == 3000
            rows = client.post(
                "/devices/query",
                json={"query": "SELECT COUNT() AS n FROM devices WHERE version > 2"},
            ).json()
            assert rows[0]["n"] == 0
    finally:
        stop_server(again)


def jobs_done(served: Served) -> int:
    """Devices the job finished, read from the database of a stopped hub."""
    import sqlite3

    with sqlite3.connect(served.data_dir / "fleethub.db") as db:
        (done,) = db.execute("SELECT succeeded FROM jobs WHERE job_id = 'survive'").fetchone()
    return int(done)


def test_export_delete_import_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = start_server(tmp_path / "io")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_path))
    try:
        manager = IoTHubRegistryManager.from_connection_string(server.connection_string)
        jobs = IoTHubJobManager.from_connection_string(server.connection_string)
        make_io_fleet(manager, 40)
        before = {d.device_id: snapshot(manager, d.device_id) for d in manager.get_devices()}
        export = jobs.create_import_export_job(
            JobProperties(
                type="export", output_blob_container_uri="backup", exclude_keys_in_export=False
            )
        )
        assert export.status == "enqueued"
        eventually(lambda: jobs.get_import_export_job(export.job_id).status == "completed")
        for start in range(0, 40, 20):
            gone = [
                ExportImportDevice(id=f"io-{i}", import_mode="delete")
                for i in range(start, start + 20)
            ]
            manager.bulk_create_or_update_devices(gone)
        assert manager.get_devices() == []
        restore = jobs.create_import_export_job(
            JobProperties(
                type="import", input_blob_container_uri="backup", output_blob_container_uri="backup"
            )
        )
        eventually(lambda: jobs.get_import_export_job(restore.job_id).status == "completed")
        after = {d.device_id: snapshot(manager, d.device_id) for d in manager.get_devices()}
        assert after == before
        listed = jobs.get_import_export_jobs()
        assert {j.job_id for j in listed} == {export.job_id, restore.job_id}
        assert jobs.get_import_export_job(restore.job_id).progress == 100
        cancel = jobs.create_import_export_job(
            JobProperties(type="import", input_blob_container_uri="missing")
        )
        jobs.cancel_import_export_job(cancel.job_id)
        final = jobs.get_import_export_job(cancel.job_id)
        assert final.status in ("cancelled", "failed")
    finally:
        stop_server(server)


def make_io_fleet(manager: IoTHubRegistryManager, count: int) -> None:
    for i in range(count):
        key = base64.b64encode(bytes([i]) * 32).decode()
        other = base64.b64encode(bytes([i + 100]) * 32).decode()
        manager.create_device_with_sas(f"io-{i}", key, other, "disabled" if i % 5 else "enabled")
        twin = Twin(tags={"n": i}, properties=TwinProperties(desired={"rate": i}))
        manager.update_twin(f"io-{i}", twin, "*")


def connect(device_hub: Served, name: str, key: str) -> IoTHubDeviceClient:
    """A real device that answers every method with its name and the payload it got."""
    client = IoTHubDeviceClient.create_from_connection_string(
        device_hub.device_connection_string(name, key),
        server_verification_cert=device_hub.ca_path.read_text(),
    )
    client.connect()

    def answer(request: Any) -> None:
        body = {"device": name, "got": request.payload}
        client.send_method_response(MethodResponse.create_from_method_request(request, 200, body))

    client.on_method_request_received = answer
    return client


def snapshot(manager: IoTHubRegistryManager, device_id: str) -> tuple[Any, ...]:
    device = manager.get_device(device_id)
    twin = manager.get_twin(device_id)
    keys: SymmetricKey = device.authentication.symmetric_key
    desired = {k: v for k, v in twin.properties.desired.items() if not k.startswith("$")}
    return (device.status, keys.primary_key, keys.secondary_key, twin.tags, desired)


def test_method_job_over_connected_devices(device_hub: Served) -> None:
    manager = IoTHubRegistryManager.from_connection_string(device_hub.service_connection_string())
    jobs = IoTHubJobManager.from_connection_string(device_hub.service_connection_string())
    names = [f"m-{i}" for i in range(6)]
    clients: list[IoTHubDeviceClient] = []
    try:
        for i, name in enumerate(names):
            device = manager.create_device_with_sas(name, None, None, "enabled")
            if i >= 4:
                continue  # offline: counted failed
            key = device.authentication.symmetric_key.primary_key
            clients.append(connect(device_hub, name, key))
        time.sleep(0.5)
        request = JobRequest(
            job_id="reboot-all",
            type="scheduleDeviceMethod",
            cloud_to_device_method=CloudToDeviceMethod(
                method_name="reboot", payload={"delay": 1}, response_timeout_in_seconds=30
            ),
            query_condition="STARTSWITH(deviceId, 'm-')",
            start_time=datetime.now(UTC),
            max_execution_time_in_seconds=120,
        )
        jobs.create_scheduled_job("reboot-all", request)
        done = wait_job(jobs, "reboot-all")
        stats = done.device_job_statistics
        assert (done.status, stats.device_count, stats.succeeded_count, stats.failed_count) == (
            "completed",
            6,
            4,
            2,
        )
        with service_client(device_hub) as client:
            rows = client.post(
                "/devices/query",
                json={"query": "SELECT * FROM devices.jobs WHERE jobId = 'reboot-all'"},
            ).json()
        by_device = {row["deviceId"]: row for row in rows}
        response = by_device["m-1"]["outcome"]["deviceMethodResponse"]
        assert response == {"status": 200, "payload": {"device": "m-1", "got": {"delay": 1}}}
        assert by_device["m-5"]["error"]["code"] == "DeviceNotOnline"
    finally:
        for device in clients:
            device.shutdown()
