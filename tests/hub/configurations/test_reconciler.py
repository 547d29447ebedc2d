"""The reconciler and its worker on a real store: what happens when applying fails, when
twins and identities come and go, and when a pass itself fails."""

from __future__ import annotations

import asyncio
import logging

import pytest

from fleethub.hub.auth.principal import SYSTEM, Permission, Principal
from fleethub.hub.configurations.record import Configuration, Content, DeviceStatus
from fleethub.hub.errors import (
    ArgumentInvalid,
    ConfigurationAlreadyExists,
    ConfigurationNotFound,
    Forbidden,
    PreconditionFailed,
)
from fleethub.hub.hub import Hub
from fleethub.hub.registry.device import IdentitySpec
from fleethub.hub.twins.service import TwinPatch
from fleethub.store import Store

PROD = "tags.environment = 'prod'"


async def device(hub: Hub, device_id: str, edge: bool = False, **tags: object) -> None:
    await hub.registry.put(SYSTEM, device_id, None, IdentitySpec(iot_edge=edge))
    if tags:
        await hub.twins.patch(SYSTEM, device_id, None, TwinPatch(tags=dict(tags)), None)


async def put(hub: Hub, configuration: Configuration) -> None:
    await hub.configurations.put(SYSTEM, configuration, None)
    await hub.configurations.worker.settled()


async def test_content_a_twin_cannot_take_leaves_the_device_targeted(
    hub: Hub, store: Store
) -> None:
    await device(hub, "d1", environment="prod")
    big = {f"k{i}": "x" * 4000 for i in range(9)}  # over the 32 KB desired limit
    await put(hub, Configuration("big", Content(device={"properties.desired": big}), PROD))
    assert await store.configurations.statuses("big") == {"d1": DeviceStatus("Targeted")}
    assert (await hub.registry.find("d1", None)).twin.desired == {}


async def test_a_module_created_later_gets_its_content(hub: Hub, store: Store) -> None:
    await device(hub, "gw", edge=True)
    content = Content(
        modules={
            "$edgeAgent": {"properties.desired": {"schemaVersion": "1.1"}},
            "sim": {"properties.desired.interval": 5},
        }
    )
    await put(hub, Configuration("dep", content, "*"))
    assert await store.configurations.statuses("dep") == {"gw": DeviceStatus("Applied")}
    await hub.registry.put(SYSTEM, "gw", "sim", IdentitySpec())
    await hub.configurations.worker.settled()
    assert (await hub.registry.find("gw", "sim")).twin.desired == {"interval": 5}


async def test_a_deployment_replaces_module_desired_properties_whole(hub: Hub) -> None:
    await device(hub, "gw", edge=True)
    await hub.registry.put(SYSTEM, "gw", "$edgeHub", IdentitySpec())
    await hub.twins.patch(SYSTEM, "gw", "$edgeHub", TwinPatch(desired={"stale": 1}), None)
    content = Content(
        modules={"$edgeHub": {"properties.desired": {"routes": {"r": "FROM /* INTO $upstream"}}}}
    )
    await put(hub, Configuration("dep", content, "*"))
    assert (await hub.registry.find("gw", "$edgeHub")).twin.desired == {
        "routes": {"r": "FROM /* INTO $upstream"}
    }


async def test_deleted_devices_and_lost_targets_drop_their_states(hub: Hub, store: Store) -> None:
    await device(hub, "d1", environment="prod")
    await device(hub, "d2", environment="prod")
    await put(hub, Configuration("c", Content(device={"properties.desired.v": 1}), PROD))
    assert set(await store.configurations.statuses("c")) == {"d1", "d2"}
    await hub.registry.delete(SYSTEM, "d1", None, None)
    await hub.twins.patch(SYSTEM, "d2", None, TwinPatch(tags={"environment": None}), None)
    await hub.configurations.worker.settled()
    assert await store.configurations.statuses("c") == {}
    assert (await hub.registry.find("d2", None)).twin.desired == {"v": 1}  # stays, as in Azure


async def test_a_stored_configuration_with_an_unusable_target_is_skipped(
    hub: Hub, store: Store
) -> None:
    await device(hub, "d1", environment="prod")
    await store.configurations.insert(
        Configuration("bad", Content(device={"properties.desired.v": 1}), "tags.x =")
    )
    await put(hub, Configuration("good", Content(device={"properties.desired.w": 2}), PROD))
    assert (await hub.registry.find("d1", None)).twin.desired == {"w": 2}


async def test_a_metric_that_cannot_run_is_left_out(hub: Hub) -> None:
    query = "SELECT deviceId FROM devices WHERE etag = 'x'"  # parses, but cannot be filtered on
    await put(
        hub,
        Configuration(
            "c",
            Content(device={"properties.desired.v": 1}),
            "*",
            metric_queries={"m": query, "ok": "SELECT * FROM devices"},
        ),
    )
    view = await hub.configurations.get(SYSTEM, "c")
    assert view.custom.results == {"ok": 0}
    assert set(view.custom.queries) == {"m", "ok"}


async def test_a_failed_pass_is_logged_and_the_next_request_runs(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    worker, reconciler = hub.configurations.worker, hub.configurations.reconciler
    real = reconciler.run_all
    calls = 0

    async def flaky() -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("store went away")
        return await real()

    reconciler.run_all = flaky  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        worker.request_all()
        await worker.settled()
    assert "configuration pass failed" in caplog.text
    worker.request_all()
    await worker.settled()
    assert calls == 2


async def test_periodic_passes_and_close(hub: Hub) -> None:
    worker = hub.configurations.worker
    passes = 0
    twice = asyncio.Event()
    real = hub.configurations.reconciler.run_all

    async def counted() -> bool:
        nonlocal passes
        passes += 1
        if passes == 2:
            twice.set()
        return await real()

    hub.configurations.reconciler.run_all = counted  # type: ignore[method-assign]
    task = asyncio.create_task(worker.run_periodically(0.01))
    await asyncio.wait_for(twice.wait(), 10)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await worker.close()
    await worker.close()


async def test_permissions_and_unknown_ids(hub: Hub) -> None:
    reader = Principal("reader", Permission.REGISTRY_READ)
    adm = Configuration("c", Content(device={"properties.desired.v": 1}), "*")
    with pytest.raises(Forbidden):
        await hub.configurations.put(reader, adm, None)
    with pytest.raises(Forbidden):
        await hub.configurations.delete(reader, "c", None)
    with pytest.raises(Forbidden):
        await hub.configurations.apply_to_edge_device(reader, "gw", adm.content)
    with pytest.raises(ConfigurationNotFound):
        await hub.configurations.get(reader, "c")
    with pytest.raises(ArgumentInvalid):
        await hub.configurations.list(reader, 0)


async def test_at_most_one_hundred_configurations(hub: Hub, store: Store) -> None:
    for i in range(100):
        await store.configurations.insert(
            Configuration(f"c{i}", Content(device={"properties.desired.v": i}))
        )
    with pytest.raises(ArgumentInvalid, match="at most 100"):
        await hub.configurations.put(
            SYSTEM, Configuration("one-more", Content(device={"properties.desired.v": 1})), None
        )


async def test_device_events_cost_nothing_until_a_configuration_exists(hub: Hub) -> None:
    worker = hub.configurations.worker
    await device(hub, "d1", environment="prod")
    assert not worker.active
    await worker.settled()
    await put(hub, Configuration("c", Content(device={"properties.desired.v": 1}), PROD))
    assert worker.active
    await hub.configurations.delete(SYSTEM, "c", None)
    await worker.settled()
    assert not worker.active  # the full pass after the delete found none


async def test_a_burst_of_device_events_becomes_one_full_pass(hub: Hub, store: Store) -> None:
    await put(hub, Configuration("c", Content(device={"properties.desired.v": 1}), PROD))
    reconciler = hub.configurations.reconciler
    per_device = 0
    real = reconciler.run_device

    async def counted(device_id: str) -> None:
        nonlocal per_device
        per_device += 1
        await real(device_id)

    reconciler.run_device = counted  # type: ignore[method-assign]
    for i in range(60):
        hub.configurations.worker.request_device(f"d{i}")
    await hub.configurations.worker.settled()
    assert per_device == 0
    await device(hub, "late", environment="prod")
    await hub.configurations.worker.settled()
    assert per_device >= 1
    assert set(await store.configurations.statuses("c")) == {"late"}


async def test_writes_that_lose_a_race_are_refused(hub: Hub, store: Store) -> None:
    """Two nodes creating or updating the same configuration at once: one of them loses."""
    adm = Configuration("c", Content(device={"properties.desired.v": 1}), "*")

    async def taken(_: Configuration) -> bool:
        return False

    async def changed(_: Configuration, __: int) -> bool:
        return False

    real_insert = store.configurations.insert
    store.configurations.insert = taken  # type: ignore[method-assign]
    with pytest.raises(ConfigurationAlreadyExists):
        await hub.configurations.put(SYSTEM, adm, None)
    store.configurations.insert = real_insert  # type: ignore[method-assign]
    await hub.configurations.put(SYSTEM, adm, None)
    store.configurations.replace = changed  # type: ignore[method-assign]
    with pytest.raises(PreconditionFailed, match="changed while"):
        await hub.configurations.put(SYSTEM, adm, "*")
