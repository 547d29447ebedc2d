"""The models pages (fleethub/web/models.py, model_editor.py, model_lorawan.py): the list and
its empty state, creating from the thermostat template, the DTDL editor's inline errors at
their JSON path, ETag conflicts, the LoRaWAN profile, commands and picture, deleting."""

from __future__ import annotations

import json
import re

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.web import json_lines
from tests.web.conftest import Browser

MODEL = "dtmi:acme:thermo;1"
URL = "/ui/models/dtmi%3Aacme%3Athermo%3B1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _textarea(html: str) -> str:
    found = re.search(r'<textarea id="document"[^>]*>(.*?)</textarea>', html, re.S)
    assert found is not None, html
    return found.group(1).replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")


async def test_list_empty_state_and_create_from_the_thermostat_template(
    signed_in: Browser, hub: Hub
) -> None:
    page = await signed_in.get("/ui/models")
    assert page.status_code == 200
    assert "No models yet" in page.text
    assert "The thermostat template" in page.text
    made = await signed_in.post(
        "/ui/models", {"name": "Thermo", "model_id": MODEL, "start": "thermostat"}
    )
    assert made.status_code == 303
    assert made.headers["location"] == URL
    record = await hub.models.get(SYSTEM, MODEL)
    assert record.display_name == "Thermo"
    assert record.capability_model_id == "dtmi:contoso:Thermostat;1"
    listed = await signed_in.get("/ui/models")
    assert f'href="{URL}"' in listed.text
    editor = await signed_in.get(URL)
    assert editor.status_code == 200
    assert "targetTemperature" in _textarea(editor.text)


async def test_create_validates_next_to_fields(signed_in: Browser, hub: Hub) -> None:
    await signed_in.get("/ui/models")
    empty = await signed_in.post("/ui/models", {"start": "blank"}, htmx=True)
    assert empty.status_code == 422
    assert 'id="name-error"' in empty.text
    assert 'id="model_id-error"' in empty.text
    bad = await signed_in.post(
        "/ui/models", {"name": "X", "model_id": "not a dtmi", "start": "nope"}, htmx=True
    )
    assert bad.status_code == 422
    assert "Not a DTMI" in bad.text
    assert 'id="start-error"' in bad.text
    blank = await signed_in.post("/ui/models", {"name": "X", "model_id": MODEL, "start": "blank"})
    assert blank.status_code == 303
    again = await signed_in.post(
        "/ui/models", {"name": "Y", "model_id": MODEL, "start": "blank"}, htmx=True
    )
    assert again.status_code == 422
    assert "exists already" in again.text


async def test_dtdl_errors_are_shown_at_their_line(signed_in: Browser, hub: Hub) -> None:
    await signed_in.post("/ui/models", {"name": "T", "model_id": MODEL, "start": "thermostat"})
    editor = await signed_in.get(URL)
    document = json.loads(_textarea(editor.text))
    etag = re.search(r'name="etag" value="([^"]+)"', editor.text)
    assert etag is not None
    document["capabilityModel"]["contents"][0]["name"] = "bad name!"
    del document["capabilityModel"]["contents"][1]["schema"]
    form = {"document": json.dumps(document), "etag": etag.group(1).replace("&#34;", '"')}
    refused = await signed_in.post(f"{URL}/document", form, htmx=True)
    assert refused.status_code == 422
    assert "2 DTDL problem(s)" in refused.text
    lines = json_lines.pretty(document)
    name_line = next(line.number for line in lines if '"bad name!"' in line.text)
    assert f"Line {name_line}: $.capabilityModel.contents[0].name:" in refused.text
    assert "$.capabilityModel.contents[1]: Property requires member" in refused.text
    syntax = await signed_in.post(f"{URL}/document", {"document": "{\n  oops"}, htmx=True)
    assert syntax.status_code == 422
    assert "Not valid JSON at line 2" in syntax.text
    document["capabilityModel"]["contents"][0]["name"] = "temp"
    document["capabilityModel"]["contents"][1]["schema"] = "double"
    saved = await signed_in.post(f"{URL}/document", form | {"document": json.dumps(document)})
    assert saved.status_code == 200, saved.text
    assert "Saved" in saved.text
    assert (await hub.models.get(SYSTEM, MODEL)).document["capabilityModel"]["contents"][0][
        "name"
    ] == "temp"
    stale = await signed_in.post(f"{URL}/document", form | {"document": json.dumps(document)})
    assert stale.status_code == 409
    assert "Someone changed this model" in stale.text


def test_json_lines_find_missing_members_on_their_parent() -> None:
    lines = json_lines.pretty({"a": [{"b": 1}], "c": {}})
    assert json.loads(json_lines.text_of(lines)) == {"a": [{"b": 1}], "c": {}}
    placed = json_lines.annotate(lines, [("$.a[0].missing", "m"), ("$.c", "n")])
    assert placed == [(3, "$.a[0].missing", "m"), (7, "$.c", "n")]


async def test_lorawan_profile_commands_and_picture(signed_in: Browser, hub: Hub) -> None:
    await signed_in.post("/ui/models", {"name": "Lora", "model_id": MODEL, "start": "blank"})
    page = await signed_in.get(URL)
    assert "Add a LoRaWAN profile" in page.text
    bad = await signed_in.post(f"{URL}/lorawan", {"app_eui": "xyz", "decoder": "ftp://x"})
    assert bad.status_code == 422
    assert 'id="app_eui-error"' in bad.text
    assert 'id="decoder-error"' in bad.text
    good = await signed_in.post(f"{URL}/lorawan", {"app_eui": "70b3d57ed0000001"}, htmx=True)
    assert good.status_code == 200
    assert "70B3D57ED0000001" in good.text
    frame = await signed_in.post(f"{URL}/commands", {"name": "on", "frame": "0G", "port": "1"})
    assert frame.status_code == 422
    assert 'id="frame-error"' in frame.text
    port = await signed_in.post(f"{URL}/commands", {"name": "on", "frame": "01", "port": "300"})
    assert 'id="port-error"' in port.text
    added = await signed_in.post(f"{URL}/commands", {"name": "on", "frame": "01", "port": "2"})
    assert added.status_code == 200
    twice = await signed_in.post(f"{URL}/commands", {"name": "on", "frame": "02", "port": "2"})
    assert twice.status_code == 422
    assert [c.name for c in (await hub.lora_models.get(SYSTEM, MODEL)).commands] == ["on"]
    removed = await signed_in.post(f"{URL}/commands/on/delete")
    assert removed.status_code == 200
    assert not (await hub.lora_models.get(SYSTEM, MODEL)).commands
    files = {"avatar": ("a.txt", b"hello", "text/plain")}
    data = {"csrf_token": signed_in.csrf}
    text = await signed_in.client.post(f"{URL}/avatar", data=data, files=files)
    assert text.status_code == 422
    assert "not a PNG" in text.text
    files = {"avatar": ("a.png", PNG, "image/png")}
    picture = await signed_in.client.post(f"{URL}/avatar", data=data, files=files)
    assert picture.status_code == 200
    image = await signed_in.get(f"{URL}/avatar")
    assert image.content == PNG
    assert image.headers["content-type"] == "image/png"


async def test_delete_in_use_is_refused_then_allowed(signed_in: Browser, hub: Hub) -> None:
    await signed_in.post("/ui/models", {"name": "T", "model_id": MODEL, "start": "blank"})
    await signed_in.post("/ui/devices", {"device_id": "d1", "model": MODEL})
    await signed_in.get(URL)
    in_use = await signed_in.post(f"{URL}/delete", htmx=True)
    assert in_use.status_code == 409
    assert "reassign them first" in in_use.text
    await hub.registry.delete(SYSTEM, "d1", None, None)
    gone = await signed_in.post(f"{URL}/delete")
    assert gone.status_code == 303
    assert await hub.models.find(MODEL) is None


async def test_every_models_post_needs_csrf(signed_in: Browser) -> None:
    for path in ("/ui/models", f"{URL}/document", f"{URL}/lorawan", f"{URL}/delete"):
        assert (await signed_in.client.post(path, data={})).status_code == 403, path
