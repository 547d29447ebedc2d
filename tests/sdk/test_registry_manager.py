"""Microsoft's `azure-iot-hub` IoTHubRegistryManager, unchanged, against `fleethub serve`."""

from __future__ import annotations

import base64
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from azure.iot.hub import IoTHubRegistryManager
from azure.iot.hub.models import (
    BulkRegistryOperationResult,
    ExportImportDevice,
    QuerySpecification,
    Twin,
    TwinProperties,
)
from msrest.exceptions import HttpOperationError

from tests.sdk.conftest import Served

pytestmark = pytest.mark.sdk

KEY_A = base64.b64encode(b"p" * 32).decode()
KEY_B = base64.b64encode(b"s" * 32).decode()


@pytest.fixture
def manager(served: Served) -> IoTHubRegistryManager:
    return IoTHubRegistryManager.from_connection_string(served.connection_string)


def status_of(error: HttpOperationError) -> int:
    return int(error.response.status_code)


def test_device_lifecycle(manager: IoTHubRegistryManager) -> None:
    created = manager.create_device_with_sas("sdk-d1", KEY_A, KEY_B, "enabled")
    assert created.device_id == "sdk-d1"
    assert created.authentication.symmetric_key.primary_key == KEY_A
    fetched = manager.get_device("sdk-d1")
    assert fetched.etag == created.etag
    updated = manager.update_device_with_sas("sdk-d1", fetched.etag, KEY_B, KEY_A, "disabled")
    assert updated.status == "disabled"
    assert updated.authentication.symmetric_key.primary_key == KEY_B
    with pytest.raises(HttpOperationError) as stale:
        manager.update_device_with_sas("sdk-d1", fetched.etag, KEY_A, KEY_B, "enabled")
    assert status_of(stale.value) == 412
    with pytest.raises(HttpOperationError) as duplicate:
        manager.create_device_with_sas("sdk-d1", None, None, "enabled")
    assert status_of(duplicate.value) == 409
    assert "sdk-d1" in [d.device_id for d in manager.get_devices()]
    manager.delete_device("sdk-d1")
    with pytest.raises(HttpOperationError) as missing:
        manager.get_device("sdk-d1")
    assert status_of(missing.value) == 404


def test_x509_and_ca_devices(manager: IoTHubRegistryManager) -> None:
    thumb = "907715CCC40C9F97CC19E2C86DF7FACEEE3E2D92"
    x509 = manager.create_device_with_x509("sdk-x509", thumb, None, "enabled")
    assert x509.authentication.type == "selfSigned"
    assert x509.authentication.x509_thumbprint.primary_thumbprint == thumb
    updated = manager.update_device_with_x509("sdk-x509", "*", thumb, thumb[::-1], "enabled")
    assert updated.authentication.x509_thumbprint.secondary_thumbprint == thumb[::-1]
    ca = manager.create_device_with_certificate_authority("sdk-ca", "enabled")
    assert ca.authentication.type == "certificateAuthority"
    manager.update_device_with_certificate_authority("sdk-ca", "*", "disabled")
    assert manager.get_device("sdk-ca").status == "disabled"
    manager.delete_device("sdk-x509")
    manager.delete_device("sdk-ca")


def test_generated_keys(manager: IoTHubRegistryManager) -> None:
    device = manager.create_device_with_sas("sdk-gen", None, None, "enabled")
    keys = device.authentication.symmetric_key
    assert len(base64.b64decode(keys.primary_key)) == 32
    assert keys.primary_key != keys.secondary_key
    manager.delete_device("sdk-gen")


def test_modules(manager: IoTHubRegistryManager) -> None:
    manager.create_device_with_sas("sdk-edge", None, None, "enabled")
    module = manager.create_module_with_sas("sdk-edge", "m1", "owner", KEY_A, KEY_B)
    assert module.module_id == "m1"
    assert module.managed_by == "owner"
    fetched = manager.get_module("sdk-edge", "m1")
    updated = manager.update_module_with_sas("sdk-edge", "m1", "other", fetched.etag, KEY_B, KEY_A)
    assert updated.managed_by == "other"
    assert [m.module_id for m in manager.get_modules("sdk-edge")] == ["m1"]
    twin = manager.update_module_twin(
        "sdk-edge", "m1", Twin(properties=TwinProperties(desired={"rate": 3})), "*"
    )
    assert twin.properties.desired["rate"] == 3
    assert twin.module_id == "m1"
    replaced = manager.replace_module_twin(
        "sdk-edge", "m1", Twin(properties=TwinProperties(desired={"rate": 4}))
    )
    assert replaced.properties.desired["rate"] == 4
    assert manager.get_module_twin("sdk-edge", "m1").properties.desired["rate"] == 4
    manager.delete_module("sdk-edge", "m1")
    with pytest.raises(HttpOperationError) as missing:
        manager.get_module("sdk-edge", "m1")
    assert status_of(missing.value) == 404
    manager.delete_device("sdk-edge")


def test_twins(manager: IoTHubRegistryManager) -> None:
    manager.create_device_with_sas("sdk-twin", None, None, "enabled")
    twin = manager.get_twin("sdk-twin")
    assert twin.version == 1
    patched = manager.update_twin(
        "sdk-twin",
        Twin(tags={"site": "lab"}, properties=TwinProperties(desired={"interval": 30})),
        twin.etag,
    )
    assert patched.tags == {"site": "lab"}
    assert patched.properties.desired["interval"] == 30
    assert patched.properties.desired["$version"] == 2
    with pytest.raises(HttpOperationError) as stale:
        manager.update_twin("sdk-twin", Twin(tags={"site": "x"}), twin.etag)
    assert status_of(stale.value) == 412
    current = manager.get_twin("sdk-twin")
    current.tags = {"site": "field"}
    replaced = manager.replace_twin("sdk-twin", current)
    assert replaced.tags == {"site": "field"}
    assert replaced.properties.desired["interval"] == 30
    manager.delete_device("sdk-twin")


def test_query_with_paging(manager: IoTHubRegistryManager) -> None:
    items = [
        ExportImportDevice(id=f"q{i:02d}", import_mode="create", status="enabled")
        for i in range(25)
    ]
    result = manager.bulk_create_or_update_devices(items)
    assert isinstance(result, BulkRegistryOperationResult)
    assert result.is_successful
    for i in range(0, 25, 2):
        manager.update_twin(f"q{i:02d}", Twin(tags={"floor": "even"}), "*")
    spec = QuerySpecification(query="SELECT * FROM devices WHERE tags.floor = 'even'")
    first = manager.query_iot_hub(spec, None, 5)
    assert len(first.items) == 5
    assert first.continuation_token
    seen = [t.device_id for t in first.items]
    token = first.continuation_token
    while token:
        page = manager.query_iot_hub(spec, token, 5)
        seen.extend(t.device_id for t in page.items)
        token = page.continuation_token
    assert seen == [f"q{i:02d}" for i in range(0, 25, 2)]
    deletes = [ExportImportDevice(id=f"q{i:02d}", import_mode="delete") for i in range(25)]
    assert manager.bulk_create_or_update_devices(deletes).is_successful


def test_statistics(manager: IoTHubRegistryManager) -> None:
    manager.create_device_with_sas("sdk-stat", None, None, "disabled")
    stats = manager.get_device_registry_statistics()
    assert stats.total_device_count >= 1
    assert stats.disabled_device_count >= 1
    assert manager.get_service_statistics().connected_device_count == 0
    manager.delete_device("sdk-stat")


def test_health_and_metrics_endpoints(served: Served) -> None:
    import ssl

    context = ssl.create_default_context(cafile=str(served.ca_path))
    base = f"https://localhost:{served.https_port}"
    with urllib.request.urlopen(f"{base}/health/ready", context=context) as response:  # noqa: S310 - https to our own test server
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/metrics", context=context)  # noqa: S310 - https to our own test server
    refused.value.close()  # the error holds the response open
    assert refused.value.code == 401  # a scrape needs a token, as the rest of the API
    token = subprocess.run(
        [sys.executable, "-m", "fleethub", "sas-token", "--data-dir", str(served.data_dir)],
        capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    scrape = urllib.request.Request(f"{base}/metrics", headers={"Authorization": token})  # noqa: S310 - https to our own test server
    with urllib.request.urlopen(scrape, context=context) as response:  # noqa: S310 - https to our own test server
        text = response.read().decode()
    assert "fleethub_http_requests_total" in text
    assert 'fleethub_devices{status="enabled"}' in text
    assert "# TYPE fleethub_device_connections gauge" in text
    assert "fleethub_telemetry_messages_total" in text
