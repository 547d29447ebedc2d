"""Pure parts of jobs: query conditions, hub-import secrets, ExportImportDevice lines."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import orjson
import pytest

from fleethub.hub.errors import ArgumentInvalid, QuerySyntaxInvalid, QueryUnsupported
from fleethub.hub.jobs import job as j
from fleethub.hub.jobs.condition import parse_condition
from fleethub.hub.jobs.hub_import import INVALID_SECRET, LOCATION_TAG, parse_secret, to_item
from fleethub.hub.jobs.lines import export_line, parse_line
from fleethub.hub.query import Compare
from fleethub.hub.registry.device import Authentication, Identity
from fleethub.hub.twins.twin import TwinState

KEY = base64.b64encode(b"k" * 32).decode()


def test_condition_is_a_where_clause() -> None:
    where = parse_condition("tags.env = 'prod'")
    assert isinstance(where, Compare)


@pytest.mark.parametrize("text", [None, "", "   "])
def test_condition_is_required(text: str | None) -> None:
    with pytest.raises(ArgumentInvalid, match="queryCondition is required"):
        parse_condition(text)


def test_condition_syntax_errors_point_into_the_condition() -> None:
    with pytest.raises(QuerySyntaxInvalid, match="column 10"):
        parse_condition("tags.x = = 1")


def test_condition_cannot_smuggle_a_group_by() -> None:
    with pytest.raises(QuerySyntaxInvalid, match="cannot be grouped"):
        parse_condition("tags.x = 1 GROUP BY tags.x")


def test_condition_on_devices_jobs_is_unsupported() -> None:
    with pytest.raises((QuerySyntaxInvalid, QueryUnsupported)):
        parse_condition("x = 1 FROM devices.jobs")


def test_iothub_connection_string_secret() -> None:
    secret = f"HostName=Hub.Example.NET:8443;SharedAccessKeyName=iothubowner;SharedAccessKey={KEY}"
    parsed = parse_secret(secret)
    assert (parsed.host, parsed.key_name, parsed.key) == (
        "hub.example.net:8443",
        "iothubowner",
        KEY,
    )
    assert KEY not in repr(parsed)


def test_event_hub_compatible_secret_maps_to_the_hub_host() -> None:
    """Seed 003's form: the hub is EntityPath.azure-devices.net."""
    secret = (
        "Endpoint=sb://iothub-ns-test-org-1-1637462-0dd952fad8.servicebus.windows.net/;"
        f"SharedAccessKeyName=iothubowner;SharedAccessKey={KEY};EntityPath=test-org-1"
    )
    assert parse_secret(secret).host == "test-org-1.azure-devices.net"


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "nonsense",
        f"HostName=h;SharedAccessKey={KEY}",
        "HostName=h;SharedAccessKeyName=p;SharedAccessKey=not base64!",
        f"HostName=bad host;SharedAccessKeyName=p;SharedAccessKey={KEY}",
        f"Endpoint=https://x/;SharedAccessKeyName=p;SharedAccessKey={KEY};EntityPath=hub",
        f"Endpoint=sb://x/;SharedAccessKeyName=p;SharedAccessKey={KEY}",
        f"Endpoint=sb://x/;SharedAccessKeyName=p;SharedAccessKey={KEY};EntityPath=a/b",
    ],
)
def test_bad_secrets_say_only_invalid_secret(secret: str) -> None:
    with pytest.raises(ArgumentInvalid) as caught:
        parse_secret(secret)
    assert caught.value.message == INVALID_SECRET


def test_a_source_device_becomes_a_tagged_create_or_update() -> None:
    device = j.RemoteDevice(
        "d1", "disabled", "why", "sas", KEY, KEY, tags={"a": 1}, desired={"x": 2}
    )
    item = to_item(device, "locations/abc").item
    assert item.import_mode == "update"
    assert item.tags == {"a": 1, LOCATION_TAG: "locations/abc"}
    assert item.desired == {"x": 2}
    assert (item.spec.status, item.spec.auth.primary_key) == ("disabled", KEY)


def an_identity(module_id: str | None = None) -> Identity:
    twin = TwinState(
        tags={"floor": 3},
        desired={"rate": 5},
        reported={"temp": 20},
        desired_metadata={"$lastUpdated": "t"},
        desired_version=2,
    )
    return Identity(
        "d1",
        module_id,
        "g",
        datetime.now(UTC),
        status="disabled",
        status_reason="maintenance",
        auth=Authentication("sas", KEY, base64.b64encode(b"s" * 32).decode()),
        iot_edge=True,
        twin=twin,
    )


def test_export_line_reads_back_as_the_same_identity() -> None:
    line = export_line(an_identity(), exclude_keys=False)
    doc = orjson.loads(line)
    assert doc["properties"]["desired"]["$version"] == 2
    assert "moduleId" not in doc
    item = parse_line(line, "line 1")
    assert item.item.import_mode == "update"  # no importMode: Azure's createOrUpdate
    assert (item.item.tags, item.item.desired, item.reported) == (
        {"floor": 3},
        {"rate": 5},
        {"temp": 20},
    )
    spec = item.item.spec
    assert (spec.status, spec.status_reason, spec.iot_edge) == ("disabled", "maintenance", True)
    assert spec.auth.primary_key == KEY


def test_export_without_keys_and_for_modules() -> None:
    doc = orjson.loads(export_line(an_identity("m1"), exclude_keys=True))
    assert doc["moduleId"] == "m1"
    assert doc["authentication"]["symmetricKey"] == {"primaryKey": None, "secondaryKey": None}
    assert parse_line(orjson.dumps(doc), "line 2").item.spec.auth.primary_key is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"status": "enabled"}', "no 'id'"),
        (b'{"id": 5}', "'id' must be a JSON str"),
        (b'{"id": "d", "tags": []}', "'tags' must be a JSON dict"),
        (b'{"id": "d", "parentScopes": [1]}', "list of strings"),
        (b'{"id": "d", "authentication": {"type": 3}}', "'type' must be"),
    ],
)
def test_bad_lines_name_the_problem(line: bytes, message: str) -> None:
    with pytest.raises(ArgumentInvalid, match=message):
        parse_line(line, "line 9")


def test_import_mode_aliases() -> None:
    line = b'{"id": "d", "importMode": "createOrUpdateIfMatchETag", "eTag": "MQ=="}'
    item = parse_line(line, "line 1").item
    assert (item.import_mode, item.etag) == ("updateIfMatchETag", "MQ==")
