"""JSON shapes of the built-in endpoint's consumer groups: Azure's `EventHubConsumerGroupInfo`
(as ARM answers for `.../eventHubEndpoints/events/ConsumerGroups/{name}`) and its list."""

from __future__ import annotations

from typing import Any

from fleethub.hub.clock import iso
from fleethub.hub.messaging.consumer_groups import ConsumerGroup

TYPE = "Microsoft.Devices/IotHubs/EventHubEndpoints/ConsumerGroups"
PATH = "/eventHubEndpoints/events/ConsumerGroups"


def consumer_group_json(group: ConsumerGroup) -> dict[str, Any]:
    """`properties.created` is null for `$Default` and groups set in the hub's settings."""
    created = None if group.created_time is None else iso(group.created_time)
    return {
        "id": f"{PATH}/{group.name}",
        "name": group.name,
        "type": TYPE,
        "properties": {"name": group.name, "created": created},
    }


def consumer_group_list_json(groups: list[ConsumerGroup]) -> dict[str, Any]:
    """`EventHubConsumerGroupsListResult`: one page holds them all."""
    return {"value": [consumer_group_json(g) for g in groups], "nextLink": None}
