"""/central/api/devices/{id}/commands (seed 001 "Commands"): requests checked against the
template, answered at once as Pending, run as direct methods, and their outcome recorded."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from fleethub.hub.hub import Hub
from fleethub.store import Store
from tests.api.central.conftest import THERMOSTAT_ID, error_of, thermostat
from tests.fakes import ScriptedLink

RUN = "/api/devices/t1/commands/getMaxMinReport"
REPORT = {"maxTemp": 25.0, "minTemp": 18.0, "avgTemp": 21.0}


@pytest.fixture
async def device(central: httpx.AsyncClient) -> str:
    await central.put(f"/api/deviceTemplates/{THERMOSTAT_ID}", json=thermostat())
    await central.put("/api/devices/t1", json={"template": THERMOSTAT_ID})
    return "t1"


async def settled(client: httpx.AsyncClient, device_id: str, command_id: str) -> dict[str, Any]:
    for _ in range(200):
        body: dict[str, Any] = (
            await client.get(f"/api/devices/{device_id}/commands/{command_id}/status")
        ).json()
        if body["status"] != "Pending":
            return body
        await asyncio.sleep(0.01)
    raise AssertionError("the command stayed Pending")


async def test_a_command_completes(central: httpx.AsyncClient, hub: Hub, device: str) -> None:
    link = await ScriptedLink(hub, device, answer=REPORT).attach()
    response = await central.post(RUN, json={"since": "2023-10-26T15:00:00Z"})
    assert response.status_code == 200
    started = response.json()
    assert set(started) == {"commandId", "status"}
    assert started["status"] == "Pending"
    done = await settled(central, device, started["commandId"])
    assert done["status"] == "Completed"
    assert done["result"] == REPORT
    assert done["completedTime"].endswith("Z")
    assert link.methods == [("getMaxMinReport", "2023-10-26T15:00:00Z")]


@pytest.mark.parametrize(
    "body",
    [
        {"since": "2023-10-26T15:00:00Z"},  # the request payload by its name
        "2023-10-26T15:00:00Z",  # the bare value
        {"request": "2023-10-26T15:00:00Z", "responseTimeout": 10},  # IoT Central's own form
    ],
)
async def test_accepted_request_forms(
    central: httpx.AsyncClient, hub: Hub, device: str, body: object
) -> None:
    link = await ScriptedLink(hub, device, answer=REPORT).attach()
    started = (await central.post(RUN, json=body)).json()
    await settled(central, device, started["commandId"])
    assert link.methods == [("getMaxMinReport", "2023-10-26T15:00:00Z")]


async def test_a_failing_device_and_an_offline_one(
    central: httpx.AsyncClient, hub: Hub, device: str
) -> None:
    offline = (await central.post(RUN, json={"since": "2023-10-26T15:00:00Z"})).json()
    failed = await settled(central, device, offline["commandId"])
    assert failed["status"] == "Failed"
    assert "not online" in failed["result"]
    await ScriptedLink(hub, device, status=500, answer="disk full").attach()
    refused = (await central.post(RUN, json={"since": "2023-10-26T15:00:00Z"})).json()
    assert (await settled(central, device, refused["commandId"]))["result"] == "disk full"


async def test_seed_001s_arguments_reach_a_device_without_a_template(
    central: httpx.AsyncClient, hub: Hub
) -> None:
    await central.put("/api/devices/plain", json={})
    link = await ScriptedLink(hub, "plain", answer="Device rebooted successfully.").attach()
    started = (
        await central.post("/api/devices/plain/commands/reboot", json={"rebootInterval": 60})
    ).json()
    done = await settled(central, "plain", started["commandId"])
    assert done["result"] == "Device rebooted successfully."
    assert link.methods == [("reboot", {"rebootInterval": 60})]
    empty = (await central.post("/api/devices/plain/commands/ping")).json()
    await settled(central, "plain", empty["commandId"])
    assert link.methods[-1] == ("ping", None)


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        (RUN, {"since": 5}, 400, "since: expected dateTime"),
        (RUN, None, 400, "payload is missing"),
        (RUN, {"request": "2023-10-26T15:00:00Z", "responseTimeout": 1}, 400, "responseTimeout"),
        ("/api/devices/t1/commands/selfDestruct", {}, 404, "no command 'selfDestruct'"),
        ("/api/devices/nobody/commands/reboot", {}, 404, "does not exist"),
        (f"/api/devices/t1/commands/{'x' * 129}", {}, 400, "1 to 128 characters"),
    ],
)
async def test_command_errors(
    central: httpx.AsyncClient, device: str, path: str, body: object, status: int, message: str
) -> None:
    response = await central.post(path, json=body)
    assert response.status_code == status
    error = error_of(response)
    assert message in error["message"] + " ".join(d["message"] for d in error.get("details", []))


async def test_malformed_json_body(central: httpx.AsyncClient, device: str) -> None:
    response = await central.post(RUN, content=b"{oops")
    assert response.status_code == 400
    assert error_of(response)["message"] == "The request body is not valid JSON."


async def test_status_errors(central: httpx.AsyncClient, hub: Hub, device: str) -> None:
    await ScriptedLink(hub, device, answer=REPORT).attach()
    started = (await central.post(RUN, json={"since": "2023-10-26T15:00:00Z"})).json()
    await central.put("/api/devices/other", json={})
    for path in (
        f"/api/devices/{device}/commands/cmd-unknown/status",
        f"/api/devices/other/commands/{started['commandId']}/status",
        f"/api/devices/nobody/commands/{started['commandId']}/status",
    ):
        response = await central.get(path)
        assert response.status_code == 404
        assert error_of(response)["code"] == "NotFound"


async def test_commands_waiting_when_the_hub_stops_are_failed(
    central: httpx.AsyncClient, hub: Hub, device: str
) -> None:
    await ScriptedLink(hub, device, silent=True).attach()
    started = (await central.post(RUN, json={"since": "2023-10-26T15:00:00Z"})).json()
    await asyncio.sleep(0.05)
    await hub.central.commands.close()
    done = await settled(central, device, started["commandId"])
    assert done == {
        "commandId": started["commandId"],
        "status": "Failed",
        "result": "The hub stopped before the device answered.",
        "completedTime": done["completedTime"],
    }


async def test_deleting_the_device_deletes_its_command_records(
    central: httpx.AsyncClient, hub: Hub, store: Store, device: str
) -> None:
    await ScriptedLink(hub, device, answer=REPORT).attach()
    started = (await central.post(RUN, json={"since": "2023-10-26T15:00:00Z"})).json()
    await settled(central, device, started["commandId"])
    await central.delete(f"/api/devices/{device}")
    assert await store.commands.get(device, started["commandId"]) is None
