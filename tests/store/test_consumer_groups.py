"""Consumer groups in the store, on SQLite and PostgreSQL: names compare case-insensitively."""

from __future__ import annotations

from fleethub.hub.messaging.consumer_groups import ConsumerGroup
from fleethub.store import Store

T0 = 1_700_000_000.5


async def test_add_list_remove(store: Store) -> None:
    groups = store.consumer_groups
    assert await groups.add(ConsumerGroup("Analytics", T0))
    assert await groups.add(ConsumerGroup("archive", T0 + 1))

    assert await groups.list() == [
        ConsumerGroup("Analytics", T0),
        ConsumerGroup("archive", T0 + 1),
    ]
    assert await groups.remove("ANALYTICS")
    assert not await groups.remove("analytics")
    assert await groups.list() == [ConsumerGroup("archive", T0 + 1)]


async def test_a_name_taken_in_another_case_is_not_added_again(store: Store) -> None:
    assert await store.consumer_groups.add(ConsumerGroup("Analytics", T0))
    assert not await store.consumer_groups.add(ConsumerGroup("analytics", T0 + 5))
    assert await store.consumer_groups.list() == [ConsumerGroup("Analytics", T0)]
