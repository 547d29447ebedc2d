"""/api/DeviceModels over the one catalogue (seed 000): shapes, required fields, avatars,
409 for a model in use, and case-insensitive routes."""

from __future__ import annotations

from typing import Any

import httpx

from fleethub.api.portal.device_models import DEFAULT_AVATAR, MAX_UPLOAD_BYTES
from fleethub.hub.hub import Hub
from fleethub.hub.lorawan.models import MAX_AVATAR_BYTES
from tests.api.portal.conftest import SEED_DEVICE, SEED_DEVICE_MODEL, new_model, problem, seed

PNG = DEFAULT_AVATAR[:8] + b"not really decoded, only sniffed"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


async def test_seed_example_is_accepted_once_its_frame_is_hex(portal: httpx.AsyncClient) -> None:
    body = seed(SEED_DEVICE_MODEL, commands=[{"name": "string", "frame": "0a1b", "port": 1}])
    response = await portal.post("/api/DeviceModels", json=body)
    assert response.status_code == 200, response.text
    model = response.json()
    assert set(model) == set(SEED_DEVICE_MODEL)
    assert model["modelId"].startswith("dtmi:fleethub:lorawan:m")  # the seed's id is not used
    assert model["name"] == model["description"] == model["appEUI"] == "string"
    assert model["commands"] == [{"name": "string", "frame": "0A1B", "port": 1}]
    assert model["imageUrl"].endswith("/avatar/image")
    listed = (await portal.get("/api/DeviceModels")).json()
    assert listed == [model]
    assert (await portal.get(f"/api/DeviceModels/{model['modelId']}")).json() == model


async def test_a_frame_that_is_not_hex_is_refused_naming_the_field(
    portal: httpx.AsyncClient,
) -> None:
    body = problem(await portal.post("/api/DeviceModels", json=SEED_DEVICE_MODEL), 400)
    assert body["title"] == "One or more validation errors occurred."
    assert list(body["errors"]) == ["commands[0].frame"]


async def test_each_required_field_is_enforced(portal: httpx.AsyncClient) -> None:
    for field in ("name", "appEUI"):
        for absent in (None, "", "null"):
            body = seed(SEED_DEVICE_MODEL, commands=[])
            if absent is None:
                body.pop(field)
            else:
                body[field] = None if absent == "null" else absent
            errors = problem(await portal.post("/api/DeviceModels", json=body), 400)["errors"]
            assert errors == {field: [f"The {field} field is required."]}
    for field in ("name", "frame", "port"):
        command = {"name": "on", "frame": "01", "port": 1}
        del command[field]
        body = seed(SEED_DEVICE_MODEL, commands=[command])
        errors = problem(await portal.post("/api/DeviceModels", json=body), 400)["errors"]
        assert errors == {f"commands[0].{field}": [f"The {field} field is required."]}


async def test_names_and_commands_are_checked(portal: httpx.AsyncClient) -> None:
    too_long = seed(SEED_DEVICE_MODEL, commands=[], name="x" * 65)
    assert "name" in problem(await portal.post("/api/DeviceModels", json=too_long), 400)["errors"]
    twice = [{"name": "on", "frame": "01", "port": 1}, {"name": "on", "frame": "02", "port": 1}]
    body = seed(SEED_DEVICE_MODEL, commands=twice)
    assert "same name" in problem(await portal.post("/api/DeviceModels", json=body), 400)["detail"]
    for port in (0, 224):
        bad = seed(SEED_DEVICE_MODEL, commands=[{"name": "on", "frame": "01", "port": port}])
        errors = problem(await portal.post("/api/DeviceModels", json=bad), 400)["errors"]
        assert "between 1 and 223" in errors["commands[0].port"][0]


async def test_body_problems_are_problems(portal: httpx.AsyncClient) -> None:
    json = {"content-type": "application/json"}
    broken = await portal.post("/api/DeviceModels", content=b"{", headers=json)
    assert list(problem(broken, 400)["errors"]) == ["$"]
    missing = problem(await portal.post("/api/DeviceModels"), 400)["errors"]
    assert missing == {"": ["A non-empty request body is required."]}


async def test_put_updates_the_model_its_model_id_names(portal: httpx.AsyncClient) -> None:
    model = await new_model(portal)
    change = seed(
        model,
        name="Renamed",
        description=None,
        commands=[{"name": "off", "frame": "00", "port": 3}],
    )
    updated = (await portal.put("/api/DeviceModels", json=change)).json()
    assert updated["name"] == "Renamed"
    assert updated["description"] is None
    assert updated["commands"] == [{"name": "off", "frame": "00", "port": 3}]
    assert (await portal.get(f"/api/DeviceModels/{model['modelId']}")).json() == updated
    no_id = seed(change, modelId=None)
    errors = problem(await portal.put("/api/DeviceModels", json=no_id), 400)["errors"]
    assert errors == {"modelId": ["The modelId field is required."]}
    unknown = seed(change, modelId="dtmi:fleethub:lorawan:mnope;1")
    problem(await portal.put("/api/DeviceModels", json=unknown), 404)


async def test_a_portal_model_is_a_catalogue_template_too(
    portal: httpx.AsyncClient, hub: Hub
) -> None:
    model = await new_model(portal, name="Shared")
    record = await hub.models.find(model["modelId"])
    assert record is not None
    assert record.display_name == "Shared"
    assert record.lorawan is not None
    assert record.lorawan["appEUI"] == "70B3D57ED0000001"


async def test_delete_refuses_a_model_in_use(portal: httpx.AsyncClient) -> None:
    model = await new_model(portal)
    url = f"/api/DeviceModels/{model['modelId']}"
    device = seed(SEED_DEVICE, deviceID="dev-1", modelId=model["modelId"])
    assert (await portal.post("/api/Devices", json=device)).status_code == 200
    problem(await portal.delete(url), 409)
    assert (await portal.delete("/api/Devices/dev-1")).status_code == 200
    assert (await portal.delete(url)).status_code == 200
    problem(await portal.get(url), 404)
    problem(await portal.delete(url), 404)


async def test_routes_match_case_insensitively_but_ids_do_not(
    portal: httpx.AsyncClient,
) -> None:
    model = await new_model(portal)
    assert (await portal.get("/API/devicemodels")).status_code == 200
    model_id = model["modelId"]
    assert (await portal.get(f"/Api/DEVICEMODELS/{model_id}/AVATAR")).status_code == 200
    problem(await portal.get(f"/api/DeviceModels/{model_id.upper()}"), 404)
    problem(await portal.get("/api/NoSuchThing"), 404)


async def avatar_of(portal: httpx.AsyncClient, model: dict[str, Any]) -> httpx.Response:
    return await portal.get(model["imageUrl"])


async def test_avatar_upload_serve_and_delete(portal: httpx.AsyncClient) -> None:
    model = await new_model(portal)
    url = f"/api/DeviceModels/{model['modelId']}/avatar"
    assert (await portal.get(url)).json() == model["imageUrl"]
    default = await avatar_of(portal, model)
    assert (default.content, default.headers["content-type"]) == (DEFAULT_AVATAR, "image/png")
    uploaded = await portal.post(url, files={"file": ("a.png", PNG, "image/png")})
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json() == model["imageUrl"]
    assert (await avatar_of(portal, model)).content == PNG
    replaced = await portal.post(url, files={"file": ("b.jpg", JPEG, "application/octet-stream")})
    assert replaced.status_code == 200
    served = await avatar_of(portal, model)
    assert (served.content, served.headers["content-type"]) == (JPEG, "image/jpeg")
    assert (await portal.delete(url)).status_code == 200
    assert (await avatar_of(portal, model)).content == DEFAULT_AVATAR


async def test_avatar_type_and_size_are_checked(portal: httpx.AsyncClient) -> None:
    model = await new_model(portal)
    url = f"/api/DeviceModels/{model['modelId']}/avatar"
    not_image = await portal.post(url, files={"file": ("a.svg", b"<svg/>", "image/svg+xml")})
    assert "not a PNG" in problem(not_image, 400)["detail"]
    lying = await portal.post(url, files={"file": ("a.jpg", PNG, "image/jpeg")})
    assert "image/png" in problem(lying, 400)["detail"]
    empty = await portal.post(url, files={"file": ("a.png", b"", "image/png")})
    problem(empty, 400)
    big = PNG + b"\x00" * MAX_AVATAR_BYTES
    problem(await portal.post(url, files={"file": ("a.png", big, "image/png")}), 400)
    huge = PNG + b"\x00" * MAX_UPLOAD_BYTES
    problem(await portal.post(url, files={"file": ("a.png", huge, "image/png")}), 413)
    errors = problem(await portal.post(url, files={"other": ("a.png", PNG)}), 400)["errors"]
    assert errors == {"file": ["The file field is required."]}
    unknown = "/api/DeviceModels/dtmi:x:y;1/avatar"
    problem(await portal.post(unknown, files={"file": ("a.png", PNG, "image/png")}), 404)
    problem(await portal.get(unknown), 404)
    problem(await portal.delete(unknown), 404)
