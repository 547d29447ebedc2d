"""The IoT Central API of seeds 001 and 004 through httpx against `fleethub serve` itself
(TLS, the real HTTP server, SQLite and PostgreSQL), with the token `fleethub init` printed.

The in-process suite (tests/api/central) covers every case; this one proves the same answers
leave the real server, nextLinks included.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import POSTGRES_URL
from tests.sdk.conftest import start_server, stop_server

pytestmark = pytest.mark.sdk

SEED_TEMPLATE = Path(__file__).parents[1] / "hub/models/dtdl/thermostat_template.json"
PREVIEW = "2022-10-31-preview"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def central(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    data_dir = tmp_path_factory.mktemp("central")
    init = subprocess.run(
        [sys.executable, "-m", "fleethub", "init", "--data-dir", str(data_dir)],
        check=True,
        capture_output=True,
        text=True,
    )
    token = init.stdout.strip().splitlines()[-1]
    extra: list[str] = []
    schema = None
    if request.param == "postgres":
        schema = f"t_{uuid.uuid4().hex[:16]}"
        extra = ["--store", POSTGRES_URL, "--store-schema", schema]
    server = start_server(data_dir, *extra)
    with httpx.Client(
        base_url=f"https://localhost:{server.https_port}/central",
        verify=ssl.create_default_context(cafile=str(server.ca_path)),
        headers={"authorization": token},
        timeout=30,
    ) as client:
        yield client
    assert stop_server(server) == 0, "\n".join(server.output)
    if schema:
        import asyncio

        from tests.conftest import drop_schema

        asyncio.run(drop_schema(schema))


def call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    params = {"api-version": "2022-07-31", **kwargs.pop("params", {})}
    return client.request(method, path, params=params, **kwargs)


def template(template_id: str, name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(SEED_TEMPLATE.read_text())
    return {**body, "@id": template_id, "displayName": name}


def test_templates_filters_and_paging(central: httpx.Client) -> None:
    names = ["Thermostat", "Room Thermostat", "Vehicle Thermostat", "Aircon Thermostat", "Pump"]
    for index, name in enumerate(names):
        template_id = f"dtmi:contoso:served{index};1"
        created = call(
            central, "PUT", f"/api/deviceTemplates/{template_id}", json=template(template_id, name)
        )
        assert created.status_code == 200, created.text
        assert created.headers["etag"] == created.json()["etag"]
    page = call(
        central,
        "GET",
        "/api/deviceTemplates",
        params={
            "api-version": PREVIEW,
            "filter": "contains(displayName, 'thermostat')",
            "orderby": "displayName",
            "maxpagesize": 2,
        },
    ).json()
    assert [t["displayName"] for t in page["value"]] == ["Aircon Thermostat", "Room Thermostat"]
    following = central.get(page["nextLink"])  # followed verbatim, as clients do
    assert [t["displayName"] for t in following.json()["value"]] == [
        "Thermostat",
        "Vehicle Thermostat",
    ]
    assert "nextLink" not in following.json()
    one = call(
        central,
        "GET",
        "/api/deviceTemplates",
        params={"api-version": PREVIEW, "filter": "'@id' eq 'dtmi:contoso:served4;1'"},
    )
    assert [t["displayName"] for t in one.json()["value"]] == ["Pump"]
    bad = call(
        central,
        "GET",
        "/api/deviceTemplates",
        params={"api-version": PREVIEW, "filter": "displayName in ('a')"},
    )
    assert bad.status_code == 400
    assert "'in' is not supported" in bad.json()["error"]["message"]
    patched = call(
        central,
        "PATCH",
        "/api/deviceTemplates/dtmi:contoso:served4;1",
        json={"displayName": "Pump 2"},
    )
    assert patched.json()["displayName"] == "Pump 2"
    assert call(central, "DELETE", "/api/deviceTemplates/dtmi:contoso:served4;1").status_code == 204


def test_devices_telemetry_properties_commands(central: httpx.Client) -> None:
    assert call(central, "GET", "/api/apps/app").json()["state"] == "Running"
    call(
        central,
        "PUT",
        "/api/deviceTemplates/dtmi:contoso:served0;1",
        json=template("dtmi:contoso:served0;1", "T"),
    )
    created = call(
        central,
        "PUT",
        "/api/devices/s1",
        json={"displayName": "S1", "template": "dtmi:contoso:served0;1"},
    )
    assert created.status_code == 200
    assert call(central, "PUT", "/api/devices/s1", json={}).status_code == 409
    listed = call(
        central, "GET", "/api/devices", params={"$filter": "simulated eq false", "$top": 1}
    )
    assert [d["id"] for d in listed.json()["devices"]] == ["s1"]
    sent = call(central, "POST", "/api/devices/s1/telemetry", json={"temperature": "hot"})
    assert sent.status_code == 204
    assert sent.headers["x-fleethub-validation"].startswith("invalid: temperature")
    assert (
        call(central, "POST", "/api/devices/s1/telemetry", json={"temperature": 20.5}).status_code
        == 204
    )
    assert call(central, "GET", "/api/devices/s1/telemetry/temperature").json()["value"] == 20.5
    written = call(
        central, "PATCH", "/api/devices/s1/properties/targetTemperature", json={"value": 55}
    )
    assert written.status_code == 200
    assert (
        call(
            central, "PATCH", "/api/devices/s1/properties/targetTemperature", json={"value": 81}
        ).status_code
        == 400
    )
    started = call(
        central,
        "POST",
        "/api/devices/s1/commands/getMaxMinReport",
        json={"since": "2023-10-26T15:00:00Z"},
    )
    assert started.json()["status"] == "Pending"
    status = call(central, "GET", f"/api/devices/s1/commands/{started.json()['commandId']}/status")
    assert status.status_code == 200
    token = call(
        central,
        "PUT",
        "/api/apiTokens/ops",
        json={"roles": [{"role": "ae2c9854-393b-4f97-8c42-479d70ce626e"}]},
    )
    operator = {"authorization": token.json()["token"]}
    refused = call(
        central, "DELETE", "/api/deviceTemplates/dtmi:contoso:served0;1", headers=operator
    )
    assert refused.status_code == 403
    assert (
        call(central, "GET", "/api/devices", headers={"authorization": "nonsense"}).status_code
        == 401
    )
    assert call(central, "DELETE", "/api/devices/s1").status_code == 204
