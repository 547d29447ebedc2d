"""Gateways, concentrators and configurations pages (fleethub/web/gateways.py,
concentrators.py, configurations.py): empty states, validation next to fields, the live
count of targeted devices, metrics, module methods, confirmations and deletes."""

from __future__ import annotations

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.registry.device import IdentitySpec
from fleethub.hub.twins.service import TwinPatch
from tests.web.conftest import Browser


async def test_gateway_create_page_and_module_methods(signed_in: Browser, hub: Hub) -> None:
    page = await signed_in.get("/ui/gateways")
    assert "No gateways yet" in page.text
    bad = await signed_in.post("/ui/gateways", {"device_id": "no spaces"}, htmx=True)
    assert bad.status_code == 422
    assert 'id="device_id-error"' in bad.text
    assert 'id="type-error"' in bad.text
    made = await signed_in.post("/ui/gateways", {"device_id": "edge-1", "type": "factory"})
    assert made.status_code == 303
    gateway = await signed_in.get("/ui/gateways/edge-1")
    assert gateway.status_code == 200
    assert "$edgeAgent" in gateway.text
    assert "$edgeHub" in gateway.text
    assert "No devices in this gateway" in gateway.text
    assert "hx-confirm=" in gateway.text
    offline = await signed_in.post("/ui/gateways/edge-1/restart", {"module": "$edgeHub"}, htmx=True)
    assert offline.status_code == 200
    assert "No answer." in offline.text
    missing = await signed_in.post(
        "/ui/gateways/edge-1/method", {"module": "nope", "method": ""}, htmx=True
    )
    assert missing.status_code == 422
    assert 'id="module-error"' in missing.text
    assert 'id="method-error"' in missing.text
    listed = await signed_in.get("/ui/gateways")
    assert "edge-1</a>" in listed.text
    gone = await signed_in.post("/ui/gateways/edge-1/delete")
    assert gone.status_code == 303
    assert (await signed_in.get("/ui/gateways/edge-1")).status_code == 404


async def test_concentrator_region_and_router_config(signed_in: Browser, hub: Hub) -> None:
    page = await signed_in.get("/ui/concentrators")
    assert "No concentrators yet" in page.text
    bad = await signed_in.post("/ui/concentrators", {"device_id": "c1", "region": "MARS"})
    assert bad.status_code == 422
    assert 'id="region-error"' in bad.text
    assert 'id="name-error"' in bad.text
    form = {"device_id": "c1", "name": "Roof", "region": "EU863"}
    assert (await signed_in.post("/ui/concentrators", form)).status_code == 303
    shown = await signed_in.get("/ui/concentrators/c1")
    assert "Router configuration (EU863)" in shown.text
    assert "NetID" in shown.text
    moved = await signed_in.post("/ui/concentrators/c1", {"name": "Roof", "region": "US902"})
    assert moved.status_code == 200
    assert "US902" in moved.text
    assert (await hub.concentrators.get(SYSTEM, "c1")).region == "US902"
    bad_print = await signed_in.post(
        "/ui/concentrators/c1", {"name": "Roof", "region": "US902", "thumbprint": "zz"}
    )
    assert 'id="thumbprint-error"' in bad_print.text


async def test_configuration_target_count_create_metrics(signed_in: Browser, hub: Hub) -> None:
    page = await signed_in.get("/ui/configurations")
    assert "No configurations yet" in page.text
    for n in range(4):
        await hub.registry.put(SYSTEM, f"d{n}", None, IdentitySpec())
    await hub.twins.patch(SYSTEM, "d1", None, TwinPatch(tags={"site": "oslo"}), None)
    count = await signed_in.get(
        "/ui/configurations/targets", params={"target": "tags.site = 'oslo'", "kind": "device"}
    )
    assert '<strong class="count">1</strong>' in count.text
    edge = await signed_in.get(
        "/ui/configurations/targets", params={"target": "*", "kind": "modules"}
    )
    assert '<strong class="count">0</strong>' in edge.text
    bad = await signed_in.post(
        "/ui/configurations",
        {"kind": "device", "config_id": "Upper", "target": "tags.x = = 1", "priority": "-1"},
        htmx=True,
    )
    assert bad.status_code == 422
    assert 'id="priority-error"' in bad.text
    assert 'id="content-error"' in bad.text
    form = {
        "kind": "device",
        "config_id": "oslo-interval",
        "target": "tags.site = 'oslo'",
        "priority": "10",
        "content": '{"properties.desired.interval": 30}',
        "metrics": "slow: SELECT deviceId FROM devices WHERE properties.reported.interval = 30",
    }
    made = await signed_in.post("/ui/configurations", form)
    assert made.status_code == 303, made.text
    await hub.configurations.worker.settled()
    shown = await signed_in.get("/ui/configurations/oslo-interval")
    assert "targetedCount" in shown.text
    assert "slow" in shown.text
    assert "cannot change once created" in shown.text
    wrong = await signed_in.post(
        "/ui/configurations/oslo-interval", {"target": "x = = 1", "priority": "1"}, htmx=True
    )
    assert wrong.status_code == 422
    assert 'id="target-error"' in wrong.text
    saved = await signed_in.post(
        "/ui/configurations/oslo-interval", {"target": "*", "priority": "20"}, htmx=True
    )
    assert saved.status_code == 200, saved.text
    assert (await hub.configurations.get(SYSTEM, "oslo-interval")).record.priority == 20
    listed = await signed_in.get("/ui/configurations")
    assert "oslo-interval</a>" in listed.text
    gone = await signed_in.post("/ui/configurations/oslo-interval/delete")
    assert gone.status_code == 303
    await hub.configurations.worker.settled()


async def test_fleet_posts_need_csrf(signed_in: Browser) -> None:
    for path in (
        "/ui/gateways",
        "/ui/concentrators",
        "/ui/configurations",
        "/ui/gateways/x/method",
    ):
        assert (await signed_in.client.post(path, data={})).status_code == 403, path
