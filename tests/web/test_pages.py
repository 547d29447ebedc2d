"""Every page and fragment answers, validates its forms on the server, and shows errors next
to the fields; CSRF guards every POST (fleethub/web/*.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import Message
from fleethub.hub.registry.device import IdentitySpec
from fleethub.hub.twins.service import TwinPatch
from tests.web.conftest import Browser

TEMPLATE = Path(__file__).parents[1] / "hub/models/dtdl/thermostat_template.json"
TEMPLATE_ID = "dtmi:contoso:mythermostattemplate;1"


async def add_model(hub: Hub) -> None:
    await hub.models.put(SYSTEM, TEMPLATE_ID, json.loads(TEMPLATE.read_text()))


async def test_every_post_needs_the_csrf_token(signed_in: Browser, hub: Hub) -> None:
    await hub.registry.put(SYSTEM, "d1", None, IdentitySpec())
    for path in ("/ui/devices", "/ui/devices/d1/status", "/ui/devices/d1/twin", "/ui/signout"):
        missing = await signed_in.client.post(path, data={"status": "disabled"})
        assert missing.status_code == 403, path
        wrong = await signed_in.client.post(path, data={"csrf_token": "0" * 64})
        assert wrong.status_code == 403, path
    header = await signed_in.client.post(
        "/ui/devices/d1/status",
        data={"status": "disabled"},
        headers={"X-CSRF-Token": signed_in.csrf},
    )
    assert header.status_code == 200
    assert (await hub.registry.find("d1", None)).status == "disabled"


async def test_overview_counts_and_empty_state(signed_in: Browser, hub: Hub) -> None:
    page = await signed_in.get("/ui/")
    assert page.status_code == 200
    assert "No devices yet" in page.text
    await hub.registry.put(SYSTEM, "d1", None, IdentitySpec())
    await hub.registry.put(SYSTEM, "d2", None, IdentitySpec(status="disabled"))
    await hub.telemetry.ingest("d1", None, Message(b'{"t": 1}'), "sas")
    await hub.registry.set_connection("d1", None, True)
    page = await signed_in.get("/ui/")
    assert '<span class="n">2</span><span>devices</span>' in page.text
    assert '<span class="n">1</span><span>disabled</span>' in page.text
    assert "d1</a>" in page.text
    assert "connected" in page.text
    rate = (await signed_in.get("/ui/overview/rate.json")).json()
    assert len(rate["t"]) == 60
    assert rate["v"][-1] == 1
    fragment = await signed_in.client.get("/ui/", headers={"HX-Request": "true"})
    assert fragment.text.startswith('<div id="overview-stats"')


async def test_devices_search_filters_and_paging(signed_in: Browser, hub: Hub) -> None:
    for n in range(60):
        status = "disabled" if n % 10 == 0 else "enabled"
        await hub.registry.put(SYSTEM, f"dev-{n:03}", None, IdentitySpec(status=status))
    await hub.twins.patch(SYSTEM, "dev-007", None, TwinPatch(tags={"site": "oslo"}), None)
    first = await signed_in.get("/ui/devices")
    assert first.status_code == 200
    assert first.text.count('<td data-label="Device">') == 50
    assert "Next page" in first.text
    prefix = await signed_in.get("/ui/devices", params={"q": "dev-05"})
    assert prefix.text.count('<td data-label="Device">') == 10
    where = await signed_in.get("/ui/devices", params={"q": "tags.site = 'oslo'"})
    assert where.text.count('<td data-label="Device">') == 1
    assert "dev-007" in where.text
    disabled = await signed_in.get("/ui/devices", params={"status": "disabled"})
    assert disabled.text.count('<td data-label="Device">') == 6
    bad = await signed_in.get("/ui/devices", params={"q": "tags.site = = 'x'"})
    assert bad.status_code == 400
    assert "not a valid query" in bad.text
    none = await signed_in.get("/ui/devices", params={"q": "zzz"})
    assert "No device matches this search" in none.text
    rows = await signed_in.client.get(
        "/ui/devices",
        params={"q": "dev-01"},
        headers={"HX-Request": "true", "HX-Target": "device-results"},
    )
    assert rows.text.startswith('<section id="device-results"')


async def test_paging_follows_the_continuation(signed_in: Browser, hub: Hub) -> None:
    for n in range(55):
        await hub.registry.put(SYSTEM, f"p-{n:03}", None, IdentitySpec())
    first = await signed_in.get("/ui/devices")
    link = first.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = await signed_in.get(link)
    assert second.text.count('<td data-label="Device">') == 5
    assert "p-054" in second.text
    assert "p-000" not in second.text
    assert "First page" in second.text


async def test_create_device_validates_next_to_fields(signed_in: Browser, hub: Hub) -> None:
    await add_model(hub)
    await signed_in.get("/ui/devices")
    empty = await signed_in.post("/ui/devices", {"device_id": ""}, htmx=True)
    assert empty.status_code == 422
    assert 'id="device_id-error"' in empty.text
    bad = await signed_in.post("/ui/devices", {"device_id": "no spaces allowed"}, htmx=True)
    assert bad.status_code == 422
    assert "is invalid" in bad.text
    model = await signed_in.post("/ui/devices", {"device_id": "t1", "model": "dtmi:x:y;1"})
    assert model.status_code == 422
    assert 'id="model-error"' in model.text
    made = await signed_in.post("/ui/devices", {"device_id": "t1", "model": TEMPLATE_ID})
    assert made.status_code == 303
    assert made.headers["location"] == "/ui/devices/t1"
    assert (await hub.registry.find("t1", None)).model_id == TEMPLATE_ID
    again = await signed_in.post("/ui/devices", {"device_id": "t1"})
    assert again.status_code == 422
    assert "already exists" in again.text


async def test_device_page_shows_identity_keys_and_model_forms(
    signed_in: Browser, hub: Hub
) -> None:
    await add_model(hub)
    await signed_in.get("/ui/devices")
    await signed_in.post("/ui/devices", {"device_id": "odd#id+1", "model": TEMPLATE_ID})
    page = await signed_in.get("/ui/devices/odd%23id%2B1")
    assert page.status_code == 200
    key = (await hub.registry.find("odd#id+1", None)).auth.primary_key
    assert f"HostName=localhost;DeviceId=odd#id+1;SharedAccessKey={key}" in page.text
    assert 'data-copy="secret-3"' in page.text
    assert "Run getMaxMinReport" in page.text
    assert 'name="arg"' in page.text
    assert "temperature" in page.text  # the model's telemetry field
    missing = await signed_in.get("/ui/devices/nope")
    assert missing.status_code == 404
    assert "No such device" in missing.text


async def test_status_toggle_and_stale_etag(signed_in: Browser, hub: Hub) -> None:
    await hub.registry.put(SYSTEM, "d1", None, IdentitySpec())
    await signed_in.get("/ui/devices/d1")
    stale = await signed_in.post(
        "/ui/devices/d1/status", {"status": "disabled", "etag": '"xx"'}, htmx=True
    )
    assert stale.status_code == 409
    assert "Someone changed this device" in stale.text
    done = await signed_in.post("/ui/devices/d1/status", {"status": "disabled"}, htmx=True)
    assert done.status_code == 200
    assert "The device is now disabled." in done.text
    bad = await signed_in.post("/ui/devices/d1/status", {"status": "maybe"}, htmx=True)
    assert bad.status_code == 422


async def test_twin_editor_patches_and_reports_conflicts(signed_in: Browser, hub: Hub) -> None:
    await hub.registry.put(SYSTEM, "d1", None, IdentitySpec())
    await hub.twins.patch(SYSTEM, "d1", None, TwinPatch(desired={"a": 1, "b": 2}), None)
    await signed_in.get("/ui/devices/d1")
    etag = (await hub.twins.get(SYSTEM, "d1", None)).twin.etag
    form = {"etag": etag, "desired": '{"a": 5, "c": {"x": 1}}', "tags": '{"site": "oslo"}'}
    saved = await signed_in.post("/ui/devices/d1/twin", form, htmx=True)
    assert saved.status_code == 200
    assert "Saved." in saved.text
    twin = (await hub.twins.get(SYSTEM, "d1", None)).twin
    assert twin.desired == {"a": 5, "c": {"x": 1}}
    assert twin.tags == {"site": "oslo"}
    stale = await signed_in.post("/ui/devices/d1/twin", form | {"desired": '{"a": 9}'}, htmx=True)
    assert stale.status_code == 409
    assert "Someone changed this twin" in stale.text
    assert "{&#34;a&#34;: 9}" in stale.text
    invalid = await signed_in.post(
        "/ui/devices/d1/twin", {"etag": twin.etag, "desired": "{nope"}, htmx=True
    )
    assert invalid.status_code == 422
    assert 'id="desired-error"' in invalid.text
    array = await signed_in.post(
        "/ui/devices/d1/twin", {"etag": twin.etag, "tags": "[1]"}, htmx=True
    )
    assert array.status_code == 422
    assert 'id="tags-error"' in array.text


async def test_model_checks_desired_properties(signed_in: Browser, hub: Hub) -> None:
    await add_model(hub)
    await signed_in.get("/ui/devices")
    await signed_in.post("/ui/devices", {"device_id": "t1", "model": TEMPLATE_ID})
    etag = (await hub.twins.get(SYSTEM, "t1", None)).twin.etag
    form = {"etag": etag, "desired": '{"targetTemperature": "hot"}'}
    refused = await signed_in.post("/ui/devices/t1/twin", form, htmx=True)
    assert refused.status_code == 422
    assert 'id="desired-error"' in refused.text


async def test_c2d_send_queue_feedback_and_purge(signed_in: Browser, hub: Hub) -> None:
    await hub.registry.put(SYSTEM, "d1", None, IdentitySpec())
    await signed_in.get("/ui/devices/d1")
    bad = await signed_in.post(
        "/ui/devices/d1/c2d", {"body": "", "properties": "nokey", "ttl": "0"}, htmx=True
    )
    assert bad.status_code == 422
    for field in ("body", "properties", "ttl"):
        assert f'id="{field}-error"' in bad.text
    sent = await signed_in.post(
        "/ui/devices/d1/c2d",
        {"body": '{"led": "on"}', "properties": "a=1", "ack": "full", "message_id": "m-1"},
        htmx=True,
    )
    assert sent.status_code == 200
    assert "Queued message m-1." in sent.text
    assert "<code>m-1</code>" in sent.text
    assert "1 queued" in sent.text
    purged = await signed_in.post("/ui/devices/d1/c2d/purge", htmx=True)
    assert "Removed 1 waiting message." in purged.text
    assert await hub.c2d.depth("d1") == 0


async def test_method_form_validates_and_reports_offline(signed_in: Browser, hub: Hub) -> None:
    await hub.registry.put(SYSTEM, "d1", None, IdentitySpec())
    await signed_in.get("/ui/devices/d1")
    bad = await signed_in.post(
        "/ui/devices/d1/methods", {"method_name": "", "payload": "{", "timeout": "1"}, htmx=True
    )
    assert bad.status_code == 422
    for field in ("method_name", "payload", "timeout"):
        assert f'id="{field}-error"' in bad.text
    offline = await signed_in.post("/ui/devices/d1/methods", {"method_name": "reboot"}, htmx=True)
    assert offline.status_code == 200
    assert "No answer." in offline.text
    assert "not online" in offline.text


async def test_command_form_is_checked_against_the_model(signed_in: Browser, hub: Hub) -> None:
    await add_model(hub)
    await signed_in.get("/ui/devices")
    await signed_in.post("/ui/devices", {"device_id": "t1", "model": TEMPLATE_ID})
    await signed_in.get("/ui/devices/t1")
    refused = await signed_in.post(
        "/ui/devices/t1/commands/getMaxMinReport", {"arg": ""}, htmx=True
    )
    assert refused.status_code == 422
    assert "payload is missing" in refused.text
    offline = await signed_in.post(
        "/ui/devices/t1/commands/getMaxMinReport", {"arg": "2024-01-01T00:00"}, htmx=True
    )
    assert offline.status_code == 200
    assert "No answer." in offline.text
    unknown = await signed_in.post("/ui/devices/t1/commands/nope", {}, htmx=True)
    assert unknown.status_code == 404


async def test_telemetry_json_uses_the_model_fields(signed_in: Browser, hub: Hub) -> None:
    await hub.registry.put(SYSTEM, "d1", None, IdentitySpec())
    for n in range(3):
        await hub.telemetry.ingest(
            "d1", None, Message(f'{{"temp": {n}, "s": "x"}}'.encode()), "sas"
        )
    data = (await signed_in.get("/ui/devices/d1/telemetry.json", params={"range": "15m"})).json()
    assert data["series"] == {"temp": [0.0, 1.0, 2.0]}
    assert len(data["t"]) == 3


async def test_sections_and_unknown_pages(signed_in: Browser, hub: Hub) -> None:
    await hub.registry.put(SYSTEM, "d1", None, IdentitySpec())
    for section in ("identity", "twin", "c2d"):
        response = await signed_in.get(f"/ui/devices/d1/section/{section}")
        assert response.status_code == 200
        assert f'id="{section}"' in response.text
    assert (await signed_in.get("/ui/devices/d1/section/nope")).status_code == 404
    page = await signed_in.get("/ui/nowhere")
    assert page.status_code == 404
    assert "No such page" in page.text


async def test_delete_asks_first_and_removes(signed_in: Browser, hub: Hub) -> None:
    await hub.registry.put(SYSTEM, "d1", None, IdentitySpec())
    page = await signed_in.get("/ui/devices/d1")
    assert 'hx-confirm="Delete d1 for good?' in page.text
    gone = await signed_in.post("/ui/devices/d1/delete")
    assert gone.status_code == 303
    assert await hub.registry.lookup("d1", None) is None


@pytest.mark.parametrize(
    "path", ["/ui/static/portal.css", "/ui/static/portal.js", "/ui/static/vendor/htmx.min.js"]
)
async def test_static_assets_are_served(browser: Browser, path: str) -> None:
    assert (await browser.get(path)).status_code == 200
