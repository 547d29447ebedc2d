"""The SQL adapters of issue #4 on SQLite and PostgreSQL: the model catalogue, API tokens,
IoT Central device profiles and command records, newest-first telemetry, set_model."""

from __future__ import annotations

from datetime import UTC, datetime

from fleethub.hub.auth.roles import ApiToken, RoleAssignment
from fleethub.hub.central.records import CommandRecord, DeviceProfile
from fleethub.hub.messaging.message import D2CRecord, Message
from fleethub.hub.models.record import ModelRecord
from fleethub.hub.registry.device import Identity
from fleethub.hub.twins.twin import TwinState
from fleethub.store import Store

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def identity(device_id: str, module_id: str | None = None) -> Identity:
    return Identity(device_id, module_id, "1" * 18, NOW, twin=TwinState(reported={"v": 1}))


def model(model_id: str, etag: str = '"~a"') -> ModelRecord:
    document = {"@id": model_id, "displayName": "T", "ünï": "ordered", "a": [1, {"b": None}]}
    return ModelRecord(model_id, "T", "dtmi:cap;1", document, etag, 1.0, 2.0, {"appEUI": "x"})


async def test_models(store: Store) -> None:
    models = store.models
    assert await models.insert(model("dtmi:b;1"))
    assert not await models.insert(model("dtmi:b;1"))
    assert await models.insert(model("dtmi:a;1"))
    got = await models.get("dtmi:b;1")
    assert got == model("dtmi:b;1")
    assert got is not None
    assert list(got.document) == ["@id", "displayName", "ünï", "a"]  # key order kept
    assert [m.id for m in await models.list()] == ["dtmi:a;1", "dtmi:b;1"]
    assert not await models.replace(model("dtmi:b;1", '"~c"'), expected_etag='"~stale"')
    assert await models.replace(model("dtmi:b;1", '"~c"'), expected_etag='"~a"')
    assert not await models.delete("dtmi:b;1", '"~a"')
    assert await models.delete("dtmi:b;1", '"~c"')
    assert await models.get("dtmi:b;1") is None


async def test_model_users_and_set_model(store: Store) -> None:
    await store.identities.create(identity("d1"))
    await store.identities.create(identity("d1", "m1"))
    assert await store.identities.set_model("d1", None, "dtmi:a;1")
    assert await store.identities.set_model("d1", "m1", "dtmi:a;1")
    assert not await store.identities.set_model("nobody", None, "dtmi:a;1")
    assert await store.models.users("dtmi:a;1") == 2
    found = await store.identities.get("d1", None)
    assert found is not None
    assert found.model_id == "dtmi:a;1"
    assert await store.identities.set_model("d1", None, None)
    assert await store.models.users("dtmi:a;1") == 1


async def test_api_tokens(store: Store) -> None:
    tokens = store.api_tokens
    token = ApiToken("t1", (RoleAssignment("r1", "org"), RoleAssignment("r2")), 9.5, "h1", 1.0)
    assert await tokens.insert(token)
    assert not await tokens.insert(token)
    assert await tokens.get("t1") == token
    assert await tokens.find("h1") == token
    assert await tokens.find("h2") is None
    assert await tokens.list() == [token]
    assert await tokens.delete("t1")
    assert not await tokens.delete("t1")
    assert await tokens.get("t1") is None


async def test_token_adoption_happens_once_per_secret(store: Store) -> None:
    tokens = store.api_tokens
    first = ApiToken("admin", (RoleAssignment("r"),), 9.0, "h1", 1.0)
    assert await tokens.adopt(first)
    assert not await tokens.adopt(first)
    await tokens.delete("admin")
    assert not await tokens.adopt(first)
    second = ApiToken("admin", (RoleAssignment("r"),), 9.0, "h2", 2.0)
    assert await tokens.insert(ApiToken("admin", (), 1.0, "h0", 0.0))
    assert await tokens.adopt(second)  # replaces the token with the same id
    assert await tokens.get("admin") == second


async def test_device_profiles_and_the_device_list(store: Store) -> None:
    profiles = store.profiles
    for device_id in ("b", "a", "c"):
        await store.identities.create(identity(device_id))
    await store.identities.create(identity("a", "module"))
    profile = DeviceProfile("a", "Device A", True, {"CustomerName": "x"}, {"CustomerName": 5.0})
    await profiles.put(profile)
    assert await profiles.get("a") == profile
    await profiles.put(DeviceProfile("a", None, False))
    assert await profiles.get("a") == DeviceProfile("a", None, False)
    await profiles.put(DeviceProfile("b", "B", True))
    listed = await profiles.list_devices()
    assert [(i.device_id, p) for i, p in listed] == [
        ("a", DeviceProfile("a", None, False)),
        ("b", DeviceProfile("b", "B", True)),
        ("c", None),
    ]
    assert listed[0][0].twin.reported == {"v": 1}
    assert listed[0][0].created_time == NOW
    await profiles.delete("a")
    assert await profiles.get("a") is None


async def test_command_records(store: Store) -> None:
    log = store.commands
    record = CommandRecord("cmd-1", "d1", "reboot", {"delay": 1}, 10.0)
    await log.add(record)
    await log.add(CommandRecord("cmd-2", "d1", "reboot", None, 11.0))
    assert await log.get("d1", "cmd-1") == record
    assert await log.get("d2", "cmd-1") is None
    record.status, record.result, record.response_code = "Completed", "done", 200
    record.completed_time = 12.0
    await log.finish(record)
    assert await log.get("d1", "cmd-1") == record
    await log.delete_device("d1")
    assert await log.get("d1", "cmd-2") is None


async def test_recent_telemetry_is_newest_first_and_the_devices_own(store: Store) -> None:
    for index, (module, component) in enumerate([(None, None), ("m", None), (None, "c")] * 2):
        message = Message(f'{{"i": {index}}}'.encode(), component=component)
        await store.telemetry.append(D2CRecord("d1", module, float(index), message))
    await store.telemetry.append(D2CRecord("d2", None, 9.0, Message(b"{}")))
    recent = await store.recent.recent("d1", 3)
    assert [(r.enqueued_time, r.body, r.component) for r in recent] == [
        (5.0, b'{"i": 5}', "c"),
        (3.0, b'{"i": 3}', None),
        (2.0, b'{"i": 2}', "c"),
    ]
