"""Hub-to-hub import (seed 003) between two `fleethub serve` processes.

The source is a fleethub with its own CA; the importing hub trusts it only through
FLEETHUB_IMPORT_CA_BUNDLE (verification stays on). The secret must appear in neither the
importing hub's log nor its data dir.
"""

from __future__ import annotations

import base64
import signal
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from azure.iot.hub import IoTHubJobManager, IoTHubRegistryManager
from azure.iot.hub.models import JobProperties

from fleethub import datadir
from tests.conftest import service_token
from tests.sdk.conftest import Served, start_server, stop_server

pytestmark = pytest.mark.sdk

LOCATION = "locations/47b575c0-ff0f-11e9-8f0b-362b9e155667"
DEVICES = 1000


def eventually(check: Callable[[], bool], within: float = 120.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.1)


def client(served: Served, bearer: bool = False) -> httpx.Client:
    owner = datadir.load(served.data_dir).policy("iothubowner")
    host = f"{served.host}:{served.https_port}"
    token = service_token(owner, lambda: time.time(), host)
    header = f"Bearer {token.removeprefix('SharedAccessSignature ')}" if bearer else token
    return httpx.Client(
        base_url=f"https://{host}",
        verify=ssl.create_default_context(cafile=str(served.ca_path)),
        params={"api-version": "2021-04-12"},
        headers={"authorization": header},
        timeout=30,
    )


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A hub with 1,000 devices, seeded by its own registry import job (a file of lines)."""
    data_dir = tmp_path_factory.mktemp("source")
    server = start_server(data_dir)
    lines = []
    for i in range(DEVICES):
        key = base64.b64encode(i.to_bytes(2, "big") * 16).decode()
        other = base64.b64encode(b"s" * 30 + i.to_bytes(2, "big")).decode()
        lines.append(
            {
                "id": f"plant-{i:04d}",
                "status": "disabled" if i % 9 == 0 else "enabled",
                "authentication": {
                    "type": "sas",
                    "symmetricKey": {"primaryKey": key, "secondaryKey": other},
                },
                "tags": {"line": i % 4, "site": {"name": "north"}},
                "properties": {"desired": {"interval": 10 + i % 5}},
            }
        )
    seed = data_dir / "blobs" / "seed"
    seed.mkdir(parents=True)
    (seed / "devices.txt").write_bytes(b"\n".join(orjson.dumps(line) for line in lines))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_path))
        jobs = IoTHubJobManager.from_connection_string(server.connection_string)
        job = jobs.create_import_export_job(
            JobProperties(type="import", input_blob_container_uri="seed")
        )
        eventually(lambda: jobs.get_import_export_job(job.job_id).status == "completed")
        assert jobs.get_import_export_job(job.job_id).failure_reason is None
    yield server
    stop_server(server)


def start_target(data_dir: Path, source: Served, rate: str = "0") -> Served:
    return start_server(
        data_dir,
        env={"FLEETHUB_IMPORT_CA_BUNDLE": str(source.ca_path), "FLEETHUB_JOBS_DEVICE_RATE": rate},
    )


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory, source: Served) -> Iterator[Served]:
    server = start_target(tmp_path_factory.mktemp("target"), source)
    yield server
    stop_server(server)


def secret_of(source: Served) -> str:
    return source.service_connection_string()


def start_import(api: httpx.Client, secret: str, name: str = "North plant") -> dict[str, Any]:
    body = {"display_name": name, "secret": secret, "arc_home_location_identity": LOCATION}
    response = api.post("/archivist/v2/iothubgdr", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def wait_done(api: httpx.Client, identity: str) -> dict[str, Any]:
    eventually(lambda: bool(api.get(f"/archivist/v2/{identity}").json()["done"]))
    answer: dict[str, Any] = api.get(f"/archivist/v2/{identity}").json()
    return answer


def test_import_a_thousand_devices(source: Served, target: Served) -> None:
    with client(target, bearer=True) as api:
        started = start_import(api, secret_of(source))
        assert started["result"]["status"] == "STATUS_PENDING"
        done = wait_done(api, started["identity"])
    assert done["result"]["status"] == "STATUS_SUCCESS", done
    assert done["result"]["number_assets_imported"] == DEVICES
    theirs = IoTHubRegistryManager.from_connection_string(source.service_connection_string())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(target.ca_path))
        mine = IoTHubRegistryManager.from_connection_string(target.service_connection_string())
        for device_id in ("plant-0000", "plant-0457", "plant-0999"):
            device, twin = mine.get_device(device_id), mine.get_twin(device_id)
            with pytest.MonkeyPatch.context() as back:
                back.setenv("REQUESTS_CA_BUNDLE", str(source.ca_path))
                original, original_twin = theirs.get_device(device_id), theirs.get_twin(device_id)
            assert device.status == original.status
            keys, original_keys = (
                device.authentication.symmetric_key,
                original.authentication.symmetric_key,
            )
            assert (keys.primary_key, keys.secondary_key) == (
                original_keys.primary_key,
                original_keys.secondary_key,
            )
            assert twin.tags == {**original_twin.tags, "arc_home_location_identity": LOCATION}
            assert (
                twin.properties.desired["interval"] == original_twin.properties.desired["interval"]
            )


def test_cancel_and_delete_while_running(source: Served, tmp_path: Path) -> None:
    slow = start_target(tmp_path / "slow", source, rate="150")
    try:
        with client(slow, bearer=True) as api, client(slow) as iothub:
            cancelled_one = start_import(api, secret_of(source), "to cancel")
            identity = cancelled_one["identity"]
            eventually(
                lambda: (
                    api.get(f"/archivist/v2/{identity}").json()["result"]["number_assets_imported"]
                    > 0
                )
            )
            cancelled = api.post(f"/archivist/v2/{identity}:cancel").json()
            assert cancelled["result"]["status"] == "STATUS_CANCELLED"
            assert cancelled["done"]
            time.sleep(1.5)
            imported = api.get(f"/archivist/v2/{identity}").json()["result"][
                "number_assets_imported"
            ]
            assert 0 < imported < DEVICES
            assert iothub.get("/statistics/devices").json()["totalDeviceCount"] == imported

            forgotten = start_import(api, secret_of(source), "to forget")
            assert api.delete(f"/archivist/v2/{forgotten['identity']}").json() == {}
            assert api.get(f"/archivist/v2/{forgotten['identity']}").status_code == 404
            # Forgotten, not stopped: the import still brings every device in.
            eventually(
                lambda: iothub.get("/statistics/devices").json()["totalDeviceCount"] == DEVICES,
                within=60,
            )
            names = [
                o["result"]["display_name"]
                for o in api.get("/archivist/v2/iothubgdr").json()["operations"]
            ]
            assert names == ["to cancel"]
    finally:
        stop_server(slow)


def test_bad_secret_and_unreachable_source(source: Served, target: Served) -> None:
    with client(target) as api:
        bad = start_import(api, "Endpoint=sb://nowhere/;EntityPath=x")
        assert bad["done"] is True
        assert bad["error"]["error_message"] == "invalid secret provided"
        wrong_key = secret_of(source).rsplit("=", 2)[0] + "=" + base64.b64encode(b"x" * 32).decode()
        refused = wait_done(api, start_import(api, wrong_key)["identity"])
        assert refused["error"]["error_message"] == "invalid secret provided"
        closed = secret_of(source).replace(f"localhost:{source.https_port}", "127.0.0.1:1")
        unreachable = wait_done(api, start_import(api, closed)["identity"])
        message = unreachable["error"]["error_message"]
        assert message.startswith("Could not reach the source hub 127.0.0.1:1: connection failed")


def test_untrusted_source_is_refused(source: Served, tmp_path: Path) -> None:
    """Without FLEETHUB_IMPORT_CA_BUNDLE the source's self-signed CA is not trusted."""
    plain = start_server(tmp_path / "plain")
    try:
        with client(plain) as api:
            failed = wait_done(api, start_import(api, secret_of(source))["identity"])
        assert "CERTIFICATE_VERIFY_FAILED" in failed["error"]["error_message"]
    finally:
        stop_server(plain)


def test_the_secret_is_in_no_log_and_no_file(source: Served, tmp_path: Path) -> None:
    """Its own hub, logging at debug level, read to the end once it has stopped."""
    audited = start_server(
        tmp_path / "audit",
        "--log-level",
        "debug",
        env={"FLEETHUB_IMPORT_CA_BUNDLE": str(source.ca_path)},
    )
    key = datadir.load(source.data_dir).policy("iothubowner").primary_key
    wrong = base64.b64encode(b"w" * 32).decode()
    # Debug logging is loud: read it as it comes, or the hub blocks on a full pipe.
    assert audited.process.stdout is not None
    stream = audited.process.stdout
    reader = threading.Thread(
        target=lambda: audited.output.extend(line.rstrip() for line in stream), daemon=True
    )
    reader.start()
    try:
        with client(audited) as api:
            wait_done(api, start_import(api, secret_of(source), "audit")["identity"])
            refused = start_import(api, secret_of(source).replace(key, wrong), "wrong")
            wait_done(api, refused["identity"])
            invalid = {"display_name": "x", "secret": secret_of(source), "bad": True}
            assert api.post("/archivist/v2/iothubgdr", json=invalid).status_code == 400
    finally:
        # This reader owns the pipe: stop_server would read and close it under the thread.
        audited.process.send_signal(signal.SIGTERM)
        try:
            code = audited.process.wait(timeout=30)
        finally:
            audited.process.kill()
            reader.join(timeout=30)
            stream.close()
    assert code == 0
    log = "\n".join(audited.output)
    assert "job hubImport/" in log  # the log was read to its end
    for secret in (key, wrong):
        assert secret not in log
        for path in audited.data_dir.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
