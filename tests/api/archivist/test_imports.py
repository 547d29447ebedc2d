"""/archivist/v2/iothubgdr (seed 003): hub-to-hub imports between two in-process hubs.

The source hub is a second fleethub app reached over httpx's ASGI transport, so the import
runs the real HttpSourceHub (query pages, GET per device, SAS signing) without sockets.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from fleethub.app import build_http_app, hub_stores
from fleethub.bus.local import LocalBus
from fleethub.hub.auth.policies import Policy, default_policies
from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.auth.service import HubNames
from fleethub.hub.hub import Hub, HubConfig
from fleethub.hub.jobs.hub_import import LOCATION_TAG
from fleethub.hub.jobs.runner import JobRunner, RunnerLimits
from fleethub.hub.jobs.service import JobAdapters
from fleethub.hub.registry.device import Authentication, IdentitySpec
from fleethub.hub.twins.service import TwinPatch
from fleethub.metrics import Metrics
from fleethub.remote.blobs import BlobStorage
from fleethub.remote.iothub import HttpSourceHub
from fleethub.store import Store, open_store
from tests.conftest import Clock, service_token
from tests.hub.jobs.conftest import until

LOCATION = "locations/47b575c0-ff0f-11e9-8f0b-362b9e155667"
KEY = base64.b64encode(b"k" * 32).decode()
WRONG = base64.b64encode(b"w" * 32).decode()
Importer = Callable[..., Awaitable[tuple[Hub, httpx.AsyncClient]]]


async def ready() -> bool:
    return True


@dataclasses.dataclass
class Source:
    hub: Hub
    app: FastAPI
    owner: Policy

    @property
    def secret(self) -> str:
        return (
            "HostName=source.test;SharedAccessKeyName=iothubowner;"
            f"SharedAccessKey={self.owner.primary_key}"
        )


@pytest.fixture
async def source(tmp_path: Path, clock: Clock) -> AsyncIterator[Source]:
    opened = await open_store(f"sqlite:///{tmp_path / 'source.db'}")
    policies = {p.name: p for p in default_policies()}
    config = HubConfig(names=HubNames.of(["source.test"]), policies=policies)
    hub = Hub(config, hub_stores(opened, None), clock, LocalBus())
    yield Source(hub, build_http_app(hub, Metrics(), ready), policies["iothubowner"])
    await opened.close()


async def fill(source: Source, count: int) -> None:
    for i in range(count):
        if i % 10 == 3:
            auth = Authentication("selfSigned", primary_thumbprint="AB" * 20)
        else:
            auth = Authentication("sas", base64.b64encode(bytes([i % 250]) * 32).decode(), KEY)
        spec = IdentitySpec(status="disabled" if i % 7 == 0 else "enabled", auth=auth)
        await source.hub.registry.put(SYSTEM, f"src{i:03d}", None, spec)
        patch = TwinPatch(tags={"plant": f"p{i % 3}"}, desired={"interval": i})
        await source.hub.twins.patch(SYSTEM, f"src{i:03d}", None, patch, "*")


@pytest.fixture
async def importer(
    store: Store, clock: Clock, policies: dict[str, Policy], tmp_path: Path, source: Source
) -> AsyncIterator[Importer]:
    """`await importer(rate=0)` → (the importing hub, its API client authenticated by Bearer)."""
    started: list[tuple[JobRunner, httpx.AsyncClient, httpx.AsyncClient]] = []

    async def make(rate: float = 0.0) -> tuple[Hub, httpx.AsyncClient]:
        to_source = httpx.AsyncClient(transport=httpx.ASGITransport(app=source.app))
        adapters = JobAdapters(
            store.jobs,
            store.job_devices,
            BlobStorage(tmp_path, to_source),
            HttpSourceHub(to_source, clock, page_size=10),
        )
        config = HubConfig(names=HubNames.of(["localhost"]), policies=policies, node_id="n1")
        hub = Hub(config, hub_stores(store, adapters), clock, LocalBus())
        runner = JobRunner(hub, RunnerLimits(poll_seconds=0.05, device_rate=rate))
        runner.start()
        token = service_token(policies["iothubowner"], clock).removeprefix("SharedAccessSignature ")
        api = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=build_http_app(hub, Metrics(), ready)),
            base_url="https://localhost:8443",
            headers={"authorization": f"Bearer {token}"},
        )
        started.append((runner, api, to_source))
        return hub, api

    yield make
    for runner, api, to_source in started:
        await runner.stop()
        await api.aclose()
        await to_source.aclose()


def files_holding(folder: Path, needle: bytes) -> list[Path]:
    """Files of the importing hub (not the source's database) that contain `needle`."""
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith("source.db") and needle in path.read_bytes()
    ]


def body(secret: str, name: str = "Plant A") -> dict[str, str]:
    return {"display_name": name, "secret": secret, "arc_home_location_identity": LOCATION}


async def until_done(api: httpx.AsyncClient, identity: str) -> dict[str, Any]:
    for _ in range(1000):
        answer: dict[str, Any] = (await api.get(f"/archivist/v2/{identity}")).json()
        if answer["done"]:
            return answer
        await asyncio.sleep(0.02)
    raise AssertionError("import did not finish")


async def test_import_copies_devices_keys_tags_and_desired(
    source: Source, importer: Importer
) -> None:
    await fill(source, 25)
    hub, api = await importer()
    created = await api.post("/archivist/v2/iothubgdr", json=body(source.secret))
    assert created.status_code == 200
    accepted = created.json()
    assert accepted["identity"].startswith("iothubgdr/")
    assert accepted["done"] is False
    assert accepted["timestamp_finished"] is None
    assert accepted["result"] == {
        "display_name": "Plant A",
        "number_assets_imported": 0,
        "arc_home_location_identity": LOCATION,
        "status": "STATUS_PENDING",
    }
    done = await until_done(api, accepted["identity"])
    assert done["result"]["status"] == "STATUS_SUCCESS"
    assert done["result"]["number_assets_imported"] == 25
    assert done["timestamp_finished"] is not None
    for device_id in ("src000", "src003", "src014"):
        mine = await hub.twins.get(SYSTEM, device_id, None)
        theirs = await source.hub.twins.get(SYSTEM, device_id, None)
        assert (mine.status, mine.auth) == (theirs.status, theirs.auth)
        assert mine.twin.tags == {**theirs.twin.tags, LOCATION_TAG: LOCATION}
        assert mine.twin.desired == theirs.twin.desired
    again = await api.post("/archivist/v2/iothubgdr", json=body(source.secret, "again"))
    repeat = await until_done(api, again.json()["identity"])
    assert repeat["result"]["number_assets_imported"] == 25  # updated, not duplicated
    listed = (await api.get("/archivist/v2/iothubgdr")).json()["operations"]
    assert sorted(o["result"]["display_name"] for o in listed) == ["Plant A", "again"]


async def test_bad_and_wrong_secrets(source: Source, importer: Importer) -> None:
    _, api = await importer()
    bad = (await api.post("/archivist/v2/iothubgdr", json=body("not a secret"))).json()
    assert bad["done"] is True
    assert bad["timestamp_finished"] is not None
    assert bad["error"] == {
        "display_name": "Plant A",
        "number_assets_imported": 0,
        "arc_home_location_identity": LOCATION,
        "error_message": "invalid secret provided",
    }
    wrong = source.secret.replace(source.owner.primary_key, KEY)
    started = (await api.post("/archivist/v2/iothubgdr", json=body(wrong))).json()
    failed = await until_done(api, started["identity"])
    assert failed["error"]["error_message"] == "invalid secret provided"


async def test_unreachable_source(
    store: Store, clock: Clock, policies: dict[str, Policy], tmp_path: Path, hub: Hub
) -> None:
    """The `hub` fixture's real outbound client: nothing listens on port 1."""
    runner = JobRunner(hub, RunnerLimits(poll_seconds=0.05))
    runner.start()
    try:
        secret = f"HostName=127.0.0.1:1;SharedAccessKeyName=iothubowner;SharedAccessKey={KEY}"
        job = await hub.jobs.start_hub_import(SYSTEM, "n", secret, LOCATION)

        async def done() -> bool:
            return (await hub.jobs.hub_import(SYSTEM, job.job_id)).done

        await until(done)
        current = await hub.jobs.hub_import(SYSTEM, job.job_id)
    finally:
        await runner.stop()
    assert current.failure_reason is not None
    assert current.failure_reason.startswith(
        "Could not reach the source hub 127.0.0.1:1: connection failed"
    )


async def test_cancel_stops_an_import(source: Source, importer: Importer) -> None:
    await fill(source, 60)
    hub, api = await importer(rate=40)
    started = (await api.post("/archivist/v2/iothubgdr", json=body(source.secret))).json()
    identity = started["identity"]

    async def running() -> bool:
        answer = (await api.get(f"/archivist/v2/{identity}")).json()
        return bool(answer["result"]["status"] == "STATUS_RUNNING")

    await until(running)
    cancelled = await api.post(f"/archivist/v2/{identity}:cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["result"]["status"] == "STATUS_CANCELLED"
    assert cancelled.json()["done"] is True
    await asyncio.sleep(0.5)
    imported = (await api.get(f"/archivist/v2/{identity}")).json()["result"]
    assert imported["number_assets_imported"] < 60
    count = (await hub.registry.statistics(SYSTEM)).total
    assert count == imported["number_assets_imported"]


async def test_delete_forgets_but_the_import_goes_on(source: Source, importer: Importer) -> None:
    await fill(source, 40)
    hub, api = await importer(rate=100)
    started = (await api.post("/archivist/v2/iothubgdr", json=body(source.secret))).json()
    identity = started["identity"]
    deleted = await api.delete(f"/archivist/v2/{identity}")
    assert (deleted.status_code, deleted.json()) == (200, {})
    gone = await api.get(f"/archivist/v2/{identity}")
    assert gone.status_code == 404
    assert gone.json() == {"code": 5, "message": gone.json()["message"], "details": []}
    assert (await api.get("/archivist/v2/iothubgdr")).json() == {"operations": []}
    for _ in range(500):
        if (await hub.registry.statistics(SYSTEM)).total == 40:
            break
        await asyncio.sleep(0.02)
    assert (await hub.registry.statistics(SYSTEM)).total == 40
    again = await api.delete(f"/archivist/v2/{identity}")
    assert again.status_code == 404


async def test_auth_and_error_shapes(
    source: Source, importer: Importer, policies: dict[str, Policy], clock: Clock
) -> None:
    _, api = await importer()
    path = "/archivist/v2/iothubgdr"
    none = await api.get(path, headers={"authorization": ""})
    assert none.status_code == 401
    assert none.json()["code"] == 16
    sas = {"authorization": service_token(policies["iothubowner"], clock)}
    assert (await api.get(path, headers=sas)).status_code == 200
    reader = {"authorization": service_token(policies["registryRead"], clock)}
    refused = await api.post(path, json=body(source.secret), headers=reader)
    assert (refused.status_code, refused.json()["code"]) == (403, 7)
    invalid = await api.post(path, json={"display_name": "x", "secret": source.secret})
    assert (invalid.status_code, invalid.json()["code"]) == (400, 3)
    assert source.owner.primary_key not in invalid.text
    not_json = await api.post(path, content=b"{", headers={"content-type": "application/json"})
    assert not_json.json()["message"] == "The request body is not valid JSON."
    location = await api.post(path, json={**body(source.secret), "arc_home_location_identity": "x"})
    assert (location.status_code, location.json()["code"]) == (400, 3)
    missing = await api.post(f"{path}/nope:cancel")
    assert (missing.status_code, missing.json()["code"]) == (404, 5)
    unknown = await api.get("/archivist/v2/elsewhere")
    assert (unknown.status_code, unknown.json()["code"]) == (404, 5)


async def test_the_secret_is_never_stored_or_logged(
    source: Source, importer: Importer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await fill(source, 5)
    hub, api = await importer()
    started = (await api.post("/archivist/v2/iothubgdr", json=body(source.secret))).json()
    await until_done(api, started["identity"])
    wrong = source.secret.replace(source.owner.primary_key, WRONG)
    failed = (await api.post("/archivist/v2/iothubgdr", json=body(wrong))).json()
    await until_done(api, failed["identity"])
    for key in (source.owner.primary_key, WRONG):
        assert key not in caplog.text
        assert files_holding(tmp_path, key.encode()) == []
    rows = await hub.jobs.hub_imports(SYSTEM)
    assert all("Shared" not in str(job.request) for job in rows)
