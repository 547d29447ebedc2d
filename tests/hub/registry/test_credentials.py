"""The connect-time identity cache (`Registry.credentials`): never staler than the store."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from datetime import UTC, datetime

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.registry.credentials import CredentialCache, slim
from fleethub.hub.registry.device import Authentication, Identity, IdentitySpec

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()
KEY_C = base64.b64encode(b"c" * 32).decode()


def sas(primary: str, status: str = "enabled") -> IdentitySpec:
    return IdentitySpec(status=status, auth=Authentication("sas", primary, KEY_C))


async def test_off_by_default_reads_the_store(hub: Hub) -> None:
    await hub.registry.put(SYSTEM, "d", None, sas(KEY_A))
    first = await hub.registry.credentials("d", None)
    assert first is not None
    assert first.auth.primary_key == KEY_A
    assert await hub.registry.credentials("d", None) is not first


async def test_writes_are_seen_at_once(hub: Hub) -> None:
    hub.registry.cache_credentials()
    created = await hub.registry.put(SYSTEM, "d", None, sas(KEY_A))
    cached = await hub.registry.credentials("d", None)
    assert cached is not None
    assert cached.auth.primary_key == KEY_A
    assert await hub.registry.credentials("d", None) is cached  # from memory now
    assert cached.twin.reported == {}  # slim: no twin kept

    etag = created.identity.etag
    rotated = await hub.registry.put(SYSTEM, "d", None, sas(KEY_B), if_match=etag)
    after = await hub.registry.credentials("d", None)
    assert after is not None
    assert after.auth.primary_key == KEY_B

    await hub.registry.put(SYSTEM, "d", None, sas(KEY_B, "disabled"), rotated.identity.etag)
    disabled = await hub.registry.credentials("d", None)
    assert disabled is not None
    assert disabled.status == "disabled"

    await hub.registry.set_model("d", None, "dtmi:x:y;1")
    modelled = await hub.registry.credentials("d", None)
    assert modelled is not None
    assert modelled.model_id == "dtmi:x:y;1"

    await hub.registry.delete(SYSTEM, "d", None, None)
    assert await hub.registry.credentials("d", None) is None


async def test_deleting_a_device_forgets_its_modules(hub: Hub) -> None:
    hub.registry.cache_credentials()
    await hub.registry.put(SYSTEM, "d", None, sas(KEY_A))
    await hub.registry.put(SYSTEM, "d", "m", sas(KEY_B))
    assert await hub.registry.credentials("d", "m") is not None
    await hub.registry.delete(SYSTEM, "d", None, None)
    assert await hub.registry.credentials("d", "m") is None


async def test_a_model_written_through_the_store_is_forgotten(hub: Hub) -> None:
    """IoT Central and the Portal set model ids on the store and call `forget_cached`."""
    hub.registry.cache_credentials()
    await hub.registry.put(SYSTEM, "d", None, sas(KEY_A))
    assert (await hub.registry.credentials("d", None)) is not None
    await hub.registry._store.set_model("d", None, "dtmi:a:b;1")
    hub.registry.forget_cached("d", None)
    found = await hub.registry.credentials("d", None)
    assert found is not None
    assert found.model_id == "dtmi:a:b;1"


async def test_a_read_that_overlaps_a_write_is_not_kept(hub: Hub) -> None:
    hub.registry.cache_credentials()
    created = await hub.registry.put(SYSTEM, "d", None, sas(KEY_A))
    hub.registry.forget_cached("d", None)
    store = hub.registry._store
    real_get = store.get
    gate = asyncio.Event()

    async def slow_get(device_id: str, module_id: str | None) -> Identity | None:
        found = await real_get(device_id, module_id)
        await gate.wait()
        return found

    store.get = slow_get  # type: ignore[method-assign]
    try:
        reading = asyncio.create_task(hub.registry.credentials("d", None))
        await asyncio.sleep(0)
        store.get = real_get  # type: ignore[method-assign]
        await hub.registry.put(SYSTEM, "d", None, sas(KEY_B), if_match=created.identity.etag)
        gate.set()
        stale = await reading
        assert stale is not None
        assert stale.auth.primary_key == KEY_A
    finally:
        store.get = real_get  # type: ignore[method-assign]
    fresh = await hub.registry.credentials("d", None)
    assert fresh is not None
    assert fresh.auth.primary_key == KEY_B


def test_the_cache_is_bounded() -> None:
    cache = CredentialCache(limit=2)
    for name in ("a", "b", "c"):
        cache.put(Identity(name, None, "g", datetime.now(UTC)), cache.epoch)
    assert len(cache) == 2
    assert cache.get("a", None) is None
    assert cache.get("c", None) is not None
    stale = cache.epoch
    cache.forget("x", None)
    cache.put(Identity("d", None, "g", datetime.now(UTC)), stale)
    assert cache.get("d", None) is None


def test_slim_copies_every_field_but_the_twin_and_parent_scopes() -> None:
    """slim is spelled out for speed: a field added to Identity must be added there too."""
    copied = {f.name for f in dataclasses.fields(Identity)} - {"twin", "parent_scopes"}
    assert copied == {
        "device_id", "module_id", "generation_id", "created_time", "etag_seq", "status",
        "status_reason", "status_updated_time", "connection_state",
        "connection_state_updated_time", "last_activity_time", "c2d_count", "auth", "iot_edge",
        "device_scope", "managed_by", "model_id",
    }  # fmt: skip
    at = datetime(2026, 1, 2, tzinfo=UTC)
    full = Identity(
        "d", "m", "g", at, 7, "disabled", "why", at, "Connected", at, at, 3,
        Authentication("selfSigned", None, None, "A" * 40, "B" * 40),
        True, "ms-azure-iot-edge://d-1", ["p"], "someone", "dtmi:x:y;1",
    )  # fmt: skip
    full.twin.tags = {"big": "x" * 1000}

    kept = slim(full)

    assert kept == dataclasses.replace(full, twin=kept.twin, parent_scopes=[])
    assert kept.twin.tags == {}
    assert kept.auth is not full.auth
