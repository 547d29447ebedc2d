"""States a dead node left behind are repaired by the presence sweep (#9)."""

from __future__ import annotations

import pytest

from fleethub.hub import presence
from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.registry.device import Authentication, IdentitySpec
from tests.fakes import ScriptedLink


async def state(hub: Hub, device_id: str, module_id: str | None = None) -> str:
    return (await hub.registry.find(device_id, module_id)).connection_state


async def test_identities_no_node_holds_are_marked_disconnected(hub: Hub) -> None:
    for device_id in ("left-behind", "live"):
        await hub.registry.put(SYSTEM, device_id, None, IdentitySpec(auth=Authentication("sas")))
    await hub.registry.put(SYSTEM, "left-behind", "mod", IdentitySpec(auth=Authentication("sas")))
    # What a node killed with SIGKILL leaves: Connected, and no link anywhere.
    await hub.registry.set_connection("left-behind", None, True)
    await hub.registry.set_connection("left-behind", "mod", True)
    await hub.registry.flush_connections()
    await ScriptedLink(hub, "live").attach()

    assert await presence.sweep(hub.registry, hub.connections) == 2
    await hub.registry.flush_connections()

    assert await state(hub, "left-behind") == "Disconnected"
    assert await state(hub, "left-behind", "mod") == "Disconnected"
    assert await state(hub, "live") == "Connected"


async def test_the_sweep_pages_through_devices_and_modules(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(presence, "PAGE", 2)
    keys = [("a", None), ("b", None), ("c", None), ("a", "m1"), ("b", "m2")]
    for device_id, module_id in keys:
        spec = IdentitySpec(auth=Authentication("sas"))
        await hub.registry.put(SYSTEM, device_id, module_id, spec)
        await hub.registry.set_connection(device_id, module_id, True)
    await hub.registry.flush_connections()
    assert sorted(await hub.registry.connected_identities(None, 10), key=str) == sorted(
        keys, key=str
    )

    assert await presence.sweep(hub.registry, hub.connections) == 5
    await hub.registry.flush_connections()

    assert await hub.registry.connected_identities(None, 10) == []
