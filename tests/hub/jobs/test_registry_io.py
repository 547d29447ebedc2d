"""Registry export and import jobs: data-dir files and http(s) URLs, round trips, bad lines."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.errors import ArgumentInvalid
from fleethub.hub.hub import Hub
from fleethub.hub.jobs import job as j
from fleethub.hub.jobs.runner import JobRunner, RunnerLimits
from fleethub.hub.jobs.service import RegistryJobSpec
from fleethub.hub.registry.device import Authentication, IdentitySpec
from fleethub.hub.twins.service import TwinPatch
from tests.hub.jobs.conftest import until, wait_job

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()


async def make_fleet(hub: Hub, count: int) -> None:
    for i in range(count):
        auth = Authentication("sas", KEY_A, KEY_B) if i == 0 else Authentication()
        status = "disabled" if i == 1 else "enabled"
        await hub.registry.put(SYSTEM, f"dev{i}", None, IdentitySpec(status=status, auth=auth))
        patch = TwinPatch(tags={"n": i, "site": {"floor": i % 3}}, desired={"rate": i})
        await hub.twins.patch(SYSTEM, f"dev{i}", None, patch, "*")
        await hub.twins.patch_reported(f"dev{i}", None, {"temp": 20 + i})
    await hub.registry.put(SYSTEM, "dev0", "mod", IdentitySpec(auth=Authentication("sas")))


async def snapshot(hub: Hub) -> dict[tuple[str, str | None], tuple[object, ...]]:
    found: dict[tuple[str, str | None], tuple[object, ...]] = {}
    for query in ("SELECT * FROM devices", "SELECT * FROM devices.modules"):
        page = await hub.twins.query(SYSTEM, query, 1000, None)
        for i in page.twins or []:
            a, t = i.auth, i.twin
            found[(i.device_id, i.module_id)] = (
                i.status, a.type, a.primary_key, a.secondary_key, t.tags, t.desired, t.reported
            )  # fmt: skip
    return found


async def run_job(hub: Hub, spec: RegistryJobSpec) -> j.Job:
    job = await hub.jobs.start_registry_job(SYSTEM, spec)
    assert job.status == j.QUEUED
    return await wait_job(hub, j.REGISTRY_JOBS, job.job_id)


async def test_export_delete_all_import_restores_everything(
    hub: Hub, runner: JobRunner, tmp_path: Path
) -> None:
    await make_fleet(hub, 12)
    before = await snapshot(hub)
    exported = await run_job(hub, RegistryJobSpec("export", output_container="backups"))
    assert (exported.status, exported.progress, exported.succeeded) == (j.COMPLETED, 100, 13)
    blob = tmp_path / "blobs" / "backups" / "devices.txt"
    assert blob.stat().st_mode & 0o777 == 0o600  # exports hold keys
    lines = blob.read_bytes().splitlines()
    assert len(lines) == 13
    assert orjson.loads(lines[-1])["moduleId"] == "mod"
    for device_id, _ in before:
        await hub.registry.delete(SYSTEM, device_id, None, "*")
    assert await snapshot(hub) == {}
    imported = await run_job(hub, RegistryJobSpec("import", input_container="backups"))
    assert (imported.status, imported.succeeded, imported.failed) == (j.COMPLETED, 13, 0)
    assert imported.failure_reason is None
    assert await snapshot(hub) == before


async def test_import_reports_bad_lines_and_applies_good_ones(
    hub: Hub, runner: JobRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "blobs" / "in"
    folder.mkdir(parents=True)
    lines = [
        b'{"id": "good1", "tags": {"a": 1}}',
        b"{broken",
        b"",
        b'{"id": "bad id with spaces"}',
        b'{"id": "good2", "importMode": "create"}',
        b'{"id": "good2", "importMode": "create"}',
        b'{"id": "good1", "importMode": "updateTwin", "properties": {"desired": {"x": 1}}}',
    ]
    (folder / "batch.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    spec = RegistryJobSpec(
        "import", input_container="in", input_name="batch.jsonl", output_container="out"
    )
    done = await run_job(hub, spec)
    assert done.status == j.COMPLETED
    assert (done.succeeded, done.failed) == (3, 3)
    assert done.failure_reason is not None
    assert done.failure_reason.startswith(
        "3 of 6 lines failed (see importErrors.log); first: line 2"
    )
    log = (tmp_path / "blobs" / "out" / "importErrors.log").read_bytes().splitlines()
    errors = [orjson.loads(line) for line in log]
    assert [e["where"] for e in errors] == ["line 2", "line 4", "line 6"]
    assert "already exists" in errors[2]["errorMessage"]
    twin = await hub.twins.get(SYSTEM, "good1", None)
    assert (twin.twin.tags, twin.twin.desired) == ({"a": 1}, {"x": 1})


async def test_export_without_keys(hub: Hub, runner: JobRunner, tmp_path: Path) -> None:
    await make_fleet(hub, 1)
    spec = RegistryJobSpec("export", output_container="k", output_name="x.txt", exclude_keys=True)
    assert (await run_job(hub, spec)).status == j.COMPLETED
    first = orjson.loads((tmp_path / "blobs" / "k" / "x.txt").read_bytes().splitlines()[0])
    assert first["authentication"]["symmetricKey"] == {"primaryKey": None, "secondaryKey": None}


async def test_importing_a_missing_blob_fails_the_job(hub: Hub, runner: JobRunner) -> None:
    done = await run_job(hub, RegistryJobSpec("import", input_container="nothing-here"))
    assert done.status == j.FAILED
    assert done.failure_reason is not None
    assert "Cannot read" in done.failure_reason


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (RegistryJobSpec("backup"), "is not 'export' or 'import'"),
        (RegistryJobSpec("export"), "needs outputBlobContainerUri"),
        (RegistryJobSpec("import"), "needs inputBlobContainerUri"),
        (RegistryJobSpec("export", output_container="../escape"), "must stay inside"),
        (RegistryJobSpec("export", output_container="/etc"), "must stay inside"),
        (RegistryJobSpec("export", output_container="file:///etc"), "must stay inside"),
        (RegistryJobSpec("export", output_container="a", output_name="../../hub.json"), "inside"),
        (RegistryJobSpec("export", output_container="."), None),
        (RegistryJobSpec("export", output_container="ftp://x/c"), "neither an http"),
        (RegistryJobSpec("export", output_container="https:///nohost"), r"not an http\(s\) URL"),
        (RegistryJobSpec("export", output_container="a", output_name="x" * 1025), "1 to 1024"),
        (RegistryJobSpec("export", output_container=" "), "container is empty"),
        (RegistryJobSpec("export", output_container="a", identity_based=True), "identityBased"),
        (
            RegistryJobSpec("export", output_container="a", include_configurations=True),
            "includeConfigurations",
        ),
    ],
)
async def test_bad_registry_jobs_are_refused(
    hub: Hub, spec: RegistryJobSpec, message: str | None
) -> None:
    if message is None:  # the blobs folder itself is a fine container
        await hub.jobs.start_registry_job(SYSTEM, spec)
        return
    with pytest.raises(ArgumentInvalid, match=message):
        await hub.jobs.start_registry_job(SYSTEM, spec)


async def test_symlinks_out_of_the_blobs_folder_are_refused(hub: Hub, tmp_path: Path) -> None:
    (tmp_path / "blobs").mkdir()
    (tmp_path / "blobs" / "link").symlink_to(tmp_path)
    with pytest.raises(ArgumentInvalid, match="must stay inside"):
        await hub.jobs.start_registry_job(
            SYSTEM, RegistryJobSpec("export", output_container="link", output_name="hub.json")
        )


class BlobServer(BaseHTTPRequestHandler):
    """A blob container over plain HTTP: PUT stores, GET reads back (like a SAS URL)."""

    blobs: dict[str, bytes] = {}
    queries: list[str] = []

    def do_PUT(self) -> None:
        path, _, query = self.path.partition("?")
        self.queries.append(query)
        if "deny" in path:
            self.send_response(403)
            self.end_headers()
            return
        length = int(self.headers["Content-Length"])
        self.blobs[path] = self.rfile.read(length)
        self.send_response(201)
        self.end_headers()

    def do_GET(self) -> None:
        body = self.blobs.get(self.path.partition("?")[0])
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def blob_server() -> Iterator[str]:
    BlobServer.blobs, BlobServer.queries = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), BlobServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_export_and_import_through_a_url(
    hub: Hub, runner: JobRunner, blob_server: str
) -> None:
    await make_fleet(hub, 3)
    before = await snapshot(hub)
    container = f"{blob_server}/c1?sv=1&sig=secret%3D"
    assert (
        await run_job(hub, RegistryJobSpec("export", output_container=container))
    ).succeeded == 4
    assert BlobServer.queries == ["sv=1&sig=secret%3D"]
    assert len(BlobServer.blobs["/c1/devices.txt"].splitlines()) == 4
    for device_id, module_id in before:
        if module_id is None:
            await hub.registry.delete(SYSTEM, device_id, None, "*")
    imported = await run_job(hub, RegistryJobSpec("import", input_container=container))
    assert imported.status == j.COMPLETED
    assert await snapshot(hub) == before


async def test_url_failures_fail_the_job_without_leaking_the_sas(
    hub: Hub, runner: JobRunner, blob_server: str
) -> None:
    refused = await run_job(
        hub, RegistryJobSpec("export", output_container=f"{blob_server}/deny?sig=SECRET")
    )
    assert refused.status == j.FAILED
    assert refused.failure_reason is not None
    assert "refused the upload (HTTP 403)" in refused.failure_reason
    missing = await run_job(
        hub, RegistryJobSpec("import", input_container=f"{blob_server}/none?sig=SECRET")
    )
    assert missing.failure_reason is not None
    assert "HTTP 404" in missing.failure_reason
    closed = await run_job(
        hub, RegistryJobSpec("export", output_container="http://127.0.0.1:1/c?sig=SECRET")
    )
    assert closed.failure_reason is not None
    assert "Could not upload" in closed.failure_reason
    for job in (refused, missing, closed):
        assert "SECRET" not in (job.failure_reason or "")


async def test_registry_job_listing_and_cancel(hub: Hub) -> None:
    job = await hub.jobs.start_registry_job(SYSTEM, RegistryJobSpec("export", output_container="c"))
    assert [x.job_id for x in await hub.jobs.registry_jobs(SYSTEM)] == [job.job_id]
    assert (await hub.jobs.registry_job(SYSTEM, job.job_id)).status == j.QUEUED
    cancelled = await hub.jobs.cancel_registry_job(SYSTEM, job.job_id)
    assert cancelled.status == j.CANCELLED
    assert cancelled.end_time is not None


async def test_a_stopped_import_resumes_after_the_lines_it_applied(
    hub: Hub, tmp_path: Path
) -> None:
    folder = tmp_path / "blobs" / "big"
    folder.mkdir(parents=True)
    lines = [orjson.dumps({"id": f"n{i:04d}", "importMode": "create"}) for i in range(600)]
    (folder / "devices.txt").write_bytes(b"\n".join(lines))
    first = JobRunner(hub, RunnerLimits(poll_seconds=0.05, device_rate=400))
    first.start()
    job = await hub.jobs.start_registry_job(
        SYSTEM, RegistryJobSpec("import", input_container="big")
    )

    async def some_applied() -> bool:
        return (await hub.jobs.registry_job(SYSTEM, job.job_id)).succeeded >= 100

    await until(some_applied)
    await first.stop()
    paused = await hub.jobs.registry_job(SYSTEM, job.job_id)
    assert paused.status == j.RUNNING
    assert paused.succeeded < 600
    second = JobRunner(hub, RunnerLimits(poll_seconds=0.05))
    second.start()
    try:
        done = await wait_job(hub, j.REGISTRY_JOBS, job.job_id)
    finally:
        await second.stop()
    assert (done.status, done.succeeded, done.failed) == (j.COMPLETED, 600, 0)
    assert done.failure_reason is None  # no line was applied twice ("already exists")
    assert (await hub.registry.statistics(SYSTEM)).total == 600
