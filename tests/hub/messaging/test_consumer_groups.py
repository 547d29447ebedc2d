"""The built-in endpoint's consumer groups: `$Default` and the settings' are fixed, the rest
live in the store; creating and deleting need iothubowner's rights (issue #8)."""

from __future__ import annotations

import pytest

from fleethub.hub.auth.policies import Policy
from fleethub.hub.auth.principal import SYSTEM, Principal
from fleethub.hub.clock import system_clock
from fleethub.hub.errors import ArgumentInvalid, ConsumerGroupNotFound, Forbidden
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.consumer_groups import ConsumerGroups
from fleethub.store import Store


def caller(policies: dict[str, Policy], name: str) -> Principal:
    policy = policies[name]
    return Principal(policy.name, policy.permissions)


async def test_a_created_group_exists_at_once_and_lists_after_default(hub: Hub) -> None:
    groups = hub.consumer_groups
    assert not groups.exists("analytics")

    group, created = await groups.add(SYSTEM, "Analytics")
    again, created_again = await groups.add(SYSTEM, "analytics")

    assert (created, created_again) == (True, False)
    assert again == group
    assert groups.exists("ANALYTICS")
    assert group.created_time == hub.clock()
    assert [g.name for g in await groups.list(SYSTEM)] == ["$Default", "Analytics"]


async def test_remove_and_its_errors(hub: Hub) -> None:
    groups = hub.consumer_groups
    await groups.add(SYSTEM, "archive")
    await groups.remove(SYSTEM, "Archive")

    assert not groups.exists("archive")
    with pytest.raises(ConsumerGroupNotFound):
        await groups.remove(SYSTEM, "archive")
    with pytest.raises(ArgumentInvalid):
        await groups.remove(SYSTEM, "$default")


@pytest.mark.parametrize("name", ["", "-dash", "dot.", "a b", "x" * 51, "$Other", "é"])
async def test_invalid_names_are_refused(hub: Hub, name: str) -> None:
    with pytest.raises(ArgumentInvalid):
        await hub.consumer_groups.add(SYSTEM, name)


async def test_service_may_list_and_only_iothubowner_may_change(
    hub: Hub, policies: dict[str, Policy]
) -> None:
    service = caller(policies, "service")
    assert [g.name for g in await hub.consumer_groups.list(service)] == ["$Default"]
    for name in ("service", "registryReadWrite"):
        with pytest.raises(Forbidden):
            await hub.consumer_groups.add(caller(policies, name), "analytics")
    with pytest.raises(Forbidden):
        await hub.consumer_groups.list(caller(policies, "registryRead"))
    await hub.consumer_groups.add(caller(policies, "iothubowner"), "analytics")


async def test_another_node_sees_a_new_group_after_refresh(hub: Hub, store: Store) -> None:
    """Two nodes on one store: the attach check reads a cache each node refreshes."""
    other = ConsumerGroups(store.consumer_groups, system_clock, frozenset({"fromSettings"}))
    await other.add(SYSTEM, "shared")
    assert other.exists("fromsettings")
    assert not hub.consumer_groups.exists("shared")

    await hub.consumer_groups.refresh()

    assert hub.consumer_groups.exists("shared")
    with pytest.raises(ArgumentInvalid):
        await other.remove(SYSTEM, "fromSettings")
