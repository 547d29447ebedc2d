"""/eventHubEndpoints/events/ConsumerGroups: the built-in endpoint's consumer groups over the
service REST API, in ARM's `EventHubConsumerGroupInfo` shape (issue #8)."""

from __future__ import annotations

import httpx

from fleethub.hub.auth.policies import Policy
from tests.api.iothub.test_devices import error_code
from tests.conftest import Clock, service_token

GROUPS = "/eventHubEndpoints/events/ConsumerGroups"


async def test_create_get_list_delete(api: httpx.AsyncClient) -> None:
    created = await api.put(f"{GROUPS}/analytics", json={"properties": {"name": "analytics"}})
    again = await api.put(f"{GROUPS}/Analytics")
    got = await api.get(f"{GROUPS}/ANALYTICS")
    listed = await api.get(GROUPS)

    assert (created.status_code, again.status_code, got.status_code) == (201, 200, 200)
    body = created.json()
    assert body["name"] == "analytics"
    assert body["type"] == "Microsoft.Devices/IotHubs/EventHubEndpoints/ConsumerGroups"
    assert body["properties"]["created"].endswith("Z")
    assert got.json() == body
    assert [g["name"] for g in listed.json()["value"]] == ["$Default", "analytics"]
    assert listed.json()["value"][0]["properties"]["created"] is None

    deleted = await api.delete(f"{GROUPS}/analytics")
    assert deleted.status_code == 204
    gone = await api.get(f"{GROUPS}/analytics")
    assert gone.status_code == 404
    assert error_code(gone) == "ConsumerGroupNotFound"


async def test_errors_answer_azure_bodies(api: httpx.AsyncClient) -> None:
    invalid = await api.put(f"{GROUPS}/-bad-")
    missing = await api.delete(f"{GROUPS}/nobody")
    builtin = await api.delete(f"{GROUPS}/$Default")

    assert (invalid.status_code, error_code(invalid)) == (400, "ArgumentInvalid")
    assert (missing.status_code, error_code(missing)) == (404, "ConsumerGroupNotFound")
    assert builtin.status_code == 400


async def test_the_service_policy_lists_but_may_not_create(
    api: httpx.AsyncClient, policies: dict[str, Policy], clock: Clock
) -> None:
    token = {"authorization": service_token(policies["service"], clock)}
    listed = await api.get(GROUPS, headers=token)
    refused = await api.put(f"{GROUPS}/analytics", headers=token)

    assert listed.status_code == 200
    assert refused.status_code == 403
