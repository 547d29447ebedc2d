"""JobStore and JobDeviceStore on SQLite and PostgreSQL: leases, transitions, per-device rows."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from fleethub.hub.errors import ArgumentInvalid, JobAlreadyExists, TwinTooLarge
from fleethub.hub.jobs import job as j
from fleethub.hub.query import JobsQuery, UnsupportedQuery, parse, parse_jobs
from fleethub.hub.registry.device import Identity
from fleethub.hub.twins.twin import TwinState
from fleethub.store import Store

NOW = 1_800_000_000.0
#: IoT Hub query-language text (not SQL: it is parsed, never sent to a database).
TWINS_WHERE = "SELECT * FROM devices WHERE "
JOBS_WHERE = "SELECT * FROM devices.jobs WHERE "


def a_job(job_id: str = "j1", **changes: object) -> j.Job:
    job = j.Job(j.SCHEDULED_JOBS, job_id, j.TWIN_UPDATE, j.QUEUED, {"query": "x"}, NOW, NOW)
    return dataclasses.replace(job, **changes)  # type: ignore[arg-type]


async def add_devices(store: Store, count: int, tags: dict[str, object] | None = None) -> None:
    created = datetime.fromtimestamp(NOW, UTC)
    identities = [
        Identity(f"d{i:03d}", None, "g", created, twin=TwinState(tags=dict(tags or {})))
        for i in range(count)
    ]
    assert await store.identities.create_many(identities) == []


async def test_create_get_and_duplicate(store: Store) -> None:
    await store.jobs.create(a_job(), None, None)
    got = await store.jobs.get(j.SCHEDULED_JOBS, "j1")
    assert got is not None
    assert (got.status, got.request, got.start_time) == (j.QUEUED, {"query": "x"}, NOW)
    with pytest.raises(JobAlreadyExists):
        await store.jobs.create(a_job(), None, None)
    # Ids are unique per family only.
    await store.jobs.create(a_job(family=j.REGISTRY_JOBS), None, None)
    assert await store.jobs.get(j.HUB_IMPORTS, "j1") is None


async def test_transition_only_from_the_expected_statuses(store: Store) -> None:
    await store.jobs.create(a_job(), None, None)
    assert not await store.jobs.transition(j.SCHEDULED_JOBS, "j1", j.COMPLETED, (j.RUNNING,), NOW)
    assert await store.jobs.transition(j.SCHEDULED_JOBS, "j1", j.RUNNING, j.ACTIVE, NOW + 1)
    assert await store.jobs.transition(
        j.SCHEDULED_JOBS, "j1", j.FAILED, (j.RUNNING,), NOW + 2, "why", "msg"
    )
    job = await store.jobs.get(j.SCHEDULED_JOBS, "j1")
    assert job is not None
    assert (job.status, job.started_time, job.end_time) == (j.FAILED, NOW + 1, NOW + 2)
    assert (job.failure_reason, job.status_message) == ("why", "msg")


async def test_a_lease_goes_to_one_owner_until_it_lapses(store: Store) -> None:
    await store.jobs.create(a_job(), None, None)
    first = await store.jobs.claim("a", NOW, NOW + 30, 10)
    assert [x.job_id for x in first] == ["j1"]
    assert await store.jobs.claim("b", NOW + 10, NOW + 40, 10) == []
    assert [x.job_id for x in await store.jobs.claim("a", NOW + 10, NOW + 40, 10)] == ["j1"]
    await store.jobs.renew("a", [(j.SCHEDULED_JOBS, "j1")], NOW + 100)
    assert await store.jobs.claim("b", NOW + 50, NOW + 80, 10) == []
    assert [x.job_id for x in await store.jobs.claim("b", NOW + 101, NOW + 130, 10)] == ["j1"]
    await store.jobs.release("a", j.SCHEDULED_JOBS, "j1")  # not a's any more: no effect
    assert await store.jobs.claim("a", NOW + 102, NOW + 130, 10) == []
    await store.jobs.release("b", j.SCHEDULED_JOBS, "j1")
    assert len(await store.jobs.claim("a", NOW + 102, NOW + 130, 10)) == 1


async def test_claim_skips_future_and_final_jobs_and_schedule_marks_future(store: Store) -> None:
    await store.jobs.create(a_job("later", start_time=NOW + 60), None, None)
    await store.jobs.create(a_job("done", status=j.COMPLETED), None, None)
    await store.jobs.create(a_job("held"), "other", NOW + 5)
    assert await store.jobs.claim("me", NOW, NOW + 30, 10) == []
    await store.jobs.schedule(NOW)
    later = await store.jobs.get(j.SCHEDULED_JOBS, "later")
    assert later is not None
    assert later.status == j.SCHEDULED
    claimed = await store.jobs.claim("me", NOW + 61, NOW + 90, 10)
    assert sorted(x.job_id for x in claimed) == ["held", "later"]


async def test_final_status_clears_the_lease(store: Store) -> None:
    await store.jobs.create(a_job(), "a", NOW + 30)
    await store.jobs.transition(j.SCHEDULED_JOBS, "j1", j.CANCELLED, j.ACTIVE, NOW)
    await store.jobs.create(a_job("j2"), None, None)
    assert [x.job_id for x in await store.jobs.claim("b", NOW, NOW + 30, 10)] == ["j2"]


async def test_list_filters_and_pages(store: Store) -> None:
    for i in range(5):
        kind = j.TWIN_UPDATE if i % 2 else j.DEVICE_METHOD
        await store.jobs.create(a_job(f"j{i}", created_time=NOW + i, type=kind), None, None)
    everything = await store.jobs.list_jobs(j.SCHEDULED_JOBS, None, None, None, 10)
    assert [x.job_id for x in everything] == ["j0", "j1", "j2", "j3", "j4"]
    page = await store.jobs.list_jobs(j.SCHEDULED_JOBS, None, None, "j1", 2)
    assert [x.job_id for x in page] == ["j2", "j3"]
    twins = await store.jobs.list_jobs(j.SCHEDULED_JOBS, j.TWIN_UPDATE, j.QUEUED, None, 10)
    assert [x.job_id for x in twins] == ["j1", "j3"]


async def test_forget_hides_an_active_job_and_deletes_a_final_one(store: Store) -> None:
    await store.jobs.create(a_job("run"), None, None)
    await store.jobs.create(a_job("over", status=j.COMPLETED), None, None)
    assert await store.jobs.forget(j.SCHEDULED_JOBS, "run")
    assert not await store.jobs.forget(j.SCHEDULED_JOBS, "run")
    hidden = await store.jobs.get(j.SCHEDULED_JOBS, "run")
    assert hidden is not None
    assert hidden.forgotten
    listed = await store.jobs.list_jobs(j.SCHEDULED_JOBS, None, None, None, 10)
    assert [x.job_id for x in listed] == ["over"]
    assert await store.jobs.forget(j.SCHEDULED_JOBS, "over")
    assert await store.jobs.get(j.SCHEDULED_JOBS, "over") is None
    assert not await store.jobs.forget(j.SCHEDULED_JOBS, "nothing")
    await store.jobs.delete(j.SCHEDULED_JOBS, "run")
    assert await store.jobs.get(j.SCHEDULED_JOBS, "run") is None


async def test_counters(store: Store) -> None:
    await store.jobs.create(a_job(), None, None)
    await store.jobs.count(j.SCHEDULED_JOBS, "j1", 7, 7)
    await store.jobs.reset_counts(j.SCHEDULED_JOBS, "j1", 10)
    await store.jobs.count(j.SCHEDULED_JOBS, "j1", 3, 1)
    await store.jobs.count(j.SCHEDULED_JOBS, "j1", 2, 0)
    job = await store.jobs.get(j.SCHEDULED_JOBS, "j1")
    assert job is not None
    assert (job.device_count, job.succeeded, job.failed, job.pending) == (10, 5, 1, 4)


async def running_job(store: Store, devices: int, where: str | None = None) -> None:
    await add_devices(store, devices, {"env": "x"})
    await store.jobs.create(a_job(status=j.RUNNING), None, None)
    condition = parse(TWINS_WHERE + where).where if where else None
    assert await store.job_devices.select_targets("j1", condition, NOW) >= 0


async def test_targets_are_selected_once(store: Store) -> None:
    await running_job(store, 5, "deviceId IN ['d001', 'd003']")
    where = parse("SELECT * FROM devices WHERE deviceId = 'd000'").where
    assert await store.job_devices.select_targets("j1", where, NOW) == 2
    assert await store.job_devices.pending("j1", 10) == ["d001", "d003"]
    job = await store.jobs.get(j.SCHEDULED_JOBS, "j1")
    assert job is not None
    assert (job.device_count, job.targets_selected) == (2, True)


async def test_method_rows_start_finish_and_interrupt(store: Store) -> None:
    await running_job(store, 4)
    assert await store.job_devices.start("j1", ["d000", "d001", "d002"], NOW) == [
        "d000",
        "d001",
        "d002",
    ]
    assert await store.job_devices.start("j1", ["d000"], NOW) == []  # not pending any more
    ok = j.DeviceOutcome("d000", outcome={"deviceMethodResponse": {"status": 200, "payload": 1}})
    bad = j.DeviceOutcome("d001", error=("DeviceNotOnline", "offline"))
    await store.job_devices.finish("j1", [ok, bad], NOW + 1)
    job = await store.jobs.get(j.SCHEDULED_JOBS, "j1")
    assert job is not None
    assert (job.succeeded, job.failed, job.running, job.pending) == (1, 1, 1, 1)
    assert await store.job_devices.interrupt("j1", NOW + 2, j.INTERRUPTED) == 1
    assert await store.job_devices.cancel("j1", NOW + 3) == 1
    job = await store.jobs.get(j.SCHEDULED_JOBS, "j1")
    assert job is not None
    assert (job.failed, job.running) == (2, 0)
    page = await store.job_devices.query(jobs_query("SELECT * FROM devices.jobs"), 10, None)
    rows = {r.device_id: r for r in page.items}
    assert rows["d000"].outcome == ok.outcome
    assert rows["d000"].status == j.COMPLETED
    assert rows["d001"].error == ("DeviceNotOnline", "offline")
    assert rows["d002"].error == ("JobInterrupted", j.INTERRUPTED)
    assert rows["d003"].status == j.CANCELLED
    assert rows["d000"].job_type == j.TWIN_UPDATE


def jobs_query(text: str) -> JobsQuery:
    query = parse_jobs(text)
    assert query is not None, "not a devices.jobs query"
    return query


async def test_twin_batch_writes_twins_and_outcomes_together(store: Store) -> None:
    await running_job(store, 4)
    await store.identities.delete("d002", None)

    assert await store.identities.save_twin("d003", None, TwinState(tags={"boom": 1}), 1)

    def compute(current: TwinState) -> TwinState:
        if "boom" in current.tags:
            raise TwinTooLarge("too big")
        twin = dataclasses.replace(current, version=current.version + 1)
        twin.desired = {"rate": 5}
        twin.desired_version += 1
        return twin

    writes = await store.job_devices.update_twins(
        "j1", ["d000", "d001", "d002", "d003"], compute, NOW
    )
    assert writes is not None
    assert sorted(w.device_id for w in writes) == ["d000", "d001"]
    assert all(w.desired_changed and not w.tags_changed for w in writes)
    again = await store.job_devices.update_twins("j1", ["d000"], compute, NOW)
    assert again == []  # done devices are never done twice
    d0 = await store.identities.get("d000", None)
    assert d0 is not None
    assert d0.twin.desired == {"rate": 5}
    assert d0.twin.version == 2
    job = await store.jobs.get(j.SCHEDULED_JOBS, "j1")
    assert job is not None
    assert (job.succeeded, job.failed, job.pending) == (2, 2, 0)
    page = await store.job_devices.query(
        jobs_query("SELECT * FROM devices.jobs WHERE status = 'failed'"), 10, None
    )
    assert {r.device_id: r.error for r in page.items} == {
        "d002": ("DeviceNotFound", "The device 'd002' does not exist."),
        "d003": ("TwinTooLarge", "too big"),
    }


async def test_twin_batch_stops_once_the_job_is_not_running(store: Store) -> None:
    await running_job(store, 2)
    await store.jobs.transition(j.SCHEDULED_JOBS, "j1", j.CANCELLED, j.ACTIVE, NOW)
    assert await store.job_devices.update_twins("j1", ["d000"], lambda twin: twin, NOW) is None


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("jobId = 'j1'", ["d000", "d001", "d002"]),
        ("devices.jobs.deviceId = 'd001'", ["d001"]),
        ("'d001' = deviceId", ["d001"]),
        ("deviceId IN ['d000', 'd002']", ["d000", "d002"]),
        ("deviceId NIN ['d000', 'd002']", ["d001"]),
        ("NOT (deviceId = 'd000') AND jobType = 'scheduleUpdateTwin'", ["d001", "d002"]),
        ("deviceId = 'd000' OR status = 'pending'", ["d000", "d001", "d002"]),
        ("createdDateTimeUtc >= '2020-01-01T00:00:00Z'", ["d000", "d001", "d002"]),
        ("createdDateTimeUtc < '2020-01-01'", []),
        ("deviceId = 3", []),
        ("NOT (deviceId = 3)", []),
        ("startTimeUtc > 'not a time'", []),
    ],
)
async def test_device_job_queries(store: Store, where: str, expected: list[str]) -> None:
    await running_job(store, 3)
    query = jobs_query(JOBS_WHERE + where)
    page = await store.job_devices.query(query, 10, None)
    assert [r.device_id for r in page.items] == expected


async def test_device_job_query_pages_and_top(store: Store) -> None:
    await running_job(store, 5)
    query = jobs_query("SELECT * FROM devices.jobs")
    first = await store.job_devices.query(query, 2, None)
    second = await store.job_devices.query(query, 2, first.continuation)
    third = await store.job_devices.query(query, 2, second.continuation)
    ids = [r.device_id for p in (first, second, third) for r in p.items]
    assert ids == ["d000", "d001", "d002", "d003", "d004"]
    assert third.continuation is None
    top = jobs_query("SELECT TOP 3 * FROM devices.jobs")
    page = await store.job_devices.query(top, 2, None)
    rest = await store.job_devices.query(top, 2, page.continuation)
    assert len(page.items) + len(rest.items) == 3
    done = await store.job_devices.query(top, 2, rest.continuation)
    assert done.items == []


@pytest.mark.parametrize(
    "where", ["tags.x = 1", "deviceId = jobId", "STARTSWITH(deviceId, 'd')", "jobId.x = 'y'"]
)
async def test_device_job_queries_refuse_what_they_cannot_run(store: Store, where: str) -> None:
    query = jobs_query(JOBS_WHERE + where)
    with pytest.raises(UnsupportedQuery):
        await store.job_devices.query(query, 10, None)


async def test_device_job_query_rejects_foreign_continuations(store: Store) -> None:
    query = jobs_query("SELECT * FROM devices.jobs")
    with pytest.raises(ArgumentInvalid):
        await store.job_devices.query(query, 10, "bm90IG91cnM=")
