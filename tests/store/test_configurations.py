"""SqlConfigurations and the avatar stores, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fleethub.hub.configurations.record import Configuration, Content, DeviceStatus
from fleethub.hub.errors import ServiceUnavailable
from fleethub.hub.lorawan.records import Avatar
from fleethub.store import Store
from fleethub.store.avatars import FileAvatars, SqlAvatars

ADM = Configuration(
    "c1",
    Content(device={"properties.desired.x": 1}),
    "tags.a = 1",
    3,
    labels={"k": "v"},
    metric_queries={"m": "SELECT * FROM devices"},
    created_time=10.0,
    updated_time=10.0,
)
EDGE = Configuration("d1", Content(modules={"$edgeAgent": {"properties.desired": {"a": 1}}}), "*")


async def test_crud_and_compare_and_swap(store: Store) -> None:
    configurations = store.configurations
    assert await configurations.insert(ADM)
    assert not await configurations.insert(ADM)
    assert await configurations.get("c1") == ADM
    assert await configurations.get("nope") is None
    changed = dataclasses.replace(ADM, priority=9, etag_seq=2)
    assert await configurations.replace(changed, expected_etag_seq=1)
    assert not await configurations.replace(changed, expected_etag_seq=1)
    assert (await configurations.get("c1")) == changed
    assert await configurations.insert(EDGE)
    assert [c.id for c in await configurations.list()] == ["c1", "d1"]
    assert await configurations.delete("c1")
    assert not await configurations.delete("c1")


async def test_device_states_and_counts(store: Store) -> None:
    configurations = store.configurations
    await configurations.insert(ADM)
    await configurations.insert(EDGE)
    applied, targeted = DeviceStatus("Applied"), DeviceStatus("Targeted")
    await configurations.set_statuses("c1", {"a": applied, "b": targeted})
    await configurations.set_statuses("d1", {"a": DeviceStatus("Applied", "success")})
    await configurations.set_statuses("ghost", {"a": applied})  # deleted meanwhile: nothing kept
    assert await configurations.statuses("c1") == {"a": applied, "b": targeted}
    assert await configurations.device_statuses("a") == {
        "c1": applied,
        "d1": DeviceStatus("Applied", "success"),
    }
    assert await configurations.counts() == {
        "c1": {("Applied", None): 1, ("Targeted", None): 1},
        "d1": {("Applied", "success"): 1},
    }
    await configurations.set_device_statuses("a", {"c1": targeted, "ghost": applied})
    assert await configurations.device_statuses("a") == {"c1": targeted}
    await configurations.set_statuses("c1", {})
    assert await configurations.statuses("c1") == {}
    await configurations.set_statuses("d1", {"z": applied})
    await configurations.delete("d1")
    assert await configurations.counts() == {}


async def test_avatars_of_the_engine(store: Store, tmp_path: Path) -> None:
    expected = FileAvatars if store.db.dialect == "sqlite" else SqlAvatars
    assert isinstance(store.avatars, expected)
    for avatars in (store.avatars, SqlAvatars(store.db), FileAvatars(tmp_path / "pictures")):
        assert await avatars.get("dtmi:a:b;1") is None
        picture = Avatar("dtmi:a:b;1", "image/png", b"\x89PNG-1", 100.0)
        await avatars.put(picture)
        assert await avatars.get("dtmi:a:b;1") == picture
        other = Avatar("dtmi:a:b;1", "image/jpeg", b"\xff\xd8\xff-2", 200.0)
        await avatars.put(other)
        assert await avatars.get("dtmi:a:b;1") == other
        assert await avatars.delete("dtmi:a:b;1")
        assert not await avatars.delete("dtmi:a:b;1")
        assert await avatars.get("dtmi:a:b;1") is None


async def test_file_avatars_report_an_unusable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    avatars = FileAvatars(blocker / "avatars")
    with pytest.raises(ServiceUnavailable):
        await avatars.put(Avatar("m", "image/png", b"x", 1.0))
