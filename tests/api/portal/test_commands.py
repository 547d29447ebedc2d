"""/api/Commands and POST /api/Devices/{id}/{commandId}: a model's downlinks, checked, and
sent as cloud-to-device messages carrying the frame and its `fport`."""

from __future__ import annotations

import httpx

from fleethub.hub.hub import Hub
from tests.api.portal.conftest import SEED_DEVICE, new_model, problem, seed

SEED_COMMAND = {"name": "string", "frame": "string", "port": 1}


async def test_add_and_remove_commands(portal: httpx.AsyncClient) -> None:
    model = await new_model(portal)
    url = f"/api/Commands/{model['modelId']}"
    refused = problem(await portal.post(url, json=SEED_COMMAND), 400)
    assert list(refused["errors"]) == ["frame"]
    added = await portal.post(url, json=seed(SEED_COMMAND, frame="a0b1c2"))
    assert added.status_code == 200, added.text
    assert added.json()["commands"][-1] == {"name": "string", "frame": "A0B1C2", "port": 1}
    problem(await portal.post(url, json=seed(SEED_COMMAND, frame="00")), 409)
    assert (await portal.delete(f"{url}/string")).status_code == 200
    now = (await portal.get(f"/api/DeviceModels/{model['modelId']}")).json()
    assert [c["name"] for c in now["commands"]] == ["on"]
    problem(await portal.delete(f"{url}/string"), 404)


async def test_command_fields_are_required_and_checked(portal: httpx.AsyncClient) -> None:
    model = await new_model(portal)
    url = f"/api/Commands/{model['modelId']}"
    for field in ("name", "frame", "port"):
        body = seed({"name": "x", "frame": "01", "port": 1}, **{field: None})
        errors = problem(await portal.post(url, json=body), 400)["errors"]
        assert errors == {field: [f"The {field} field is required."]}
    for frame in ("1", "0G", "01 02", "00" * 243):
        bad = await portal.post(url, json={"name": "x", "frame": frame, "port": 1})
        assert list(problem(bad, 400)["errors"]) == ["frame"], frame
    for port in (0, 224, -1):
        bad = await portal.post(url, json={"name": "x", "frame": "01", "port": port})
        assert list(problem(bad, 400)["errors"]) == ["port"]
    problem(
        await portal.post("/api/Commands/dtmi:x:y;1", json={"name": "x", "frame": "01", "port": 1}),
        404,
    )
    problem(await portal.delete("/api/Commands/dtmi:x:y;1/on"), 404)


async def test_a_command_goes_to_the_device_as_its_frame_with_fport(
    portal: httpx.AsyncClient, hub: Hub
) -> None:
    model = await new_model(portal)
    device = seed(SEED_DEVICE, deviceID="lora-1", modelId=model["modelId"])
    assert (await portal.post("/api/Devices", json=device)).status_code == 200
    sent = await portal.post("/api/devices/lora-1/on")
    assert sent.status_code == 200, sent.text
    [message] = await hub.c2d.take("lora-1", 10)
    assert message.message.body == bytes.fromhex("01FF")
    assert message.message.properties == {"fport": "2"}


async def test_sending_a_command_needs_a_device_and_the_command(
    portal: httpx.AsyncClient,
) -> None:
    model = await new_model(portal)
    problem(await portal.post("/api/Devices/ghost/on"), 404)
    with_model = seed(SEED_DEVICE, deviceID="lora-2", modelId=model["modelId"])
    await portal.post("/api/Devices", json=with_model)
    assert (
        "no command 'nope'" in problem(await portal.post("/api/Devices/lora-2/nope"), 404)["detail"]
    )
    without = seed(SEED_DEVICE, deviceID="lora-3", modelId=None)
    await portal.post("/api/Devices", json=without)
    problem(await portal.post("/api/Devices/lora-3/on"), 404)
