"""The portal's remaining pages in a real browser: Debian's chromium driven by Playwright
against a real `fleethub serve`, each page filled with data made through the hub's APIs.

An administrator's tour: an IoT Edge gateway (Portal API) with child devices and an edge
deployment (IoT Hub API), a LoRaWAN concentrator (Portal API), a device configuration and its
live target count (IoT Hub API), API tokens and settings. Each page saves a screenshot under
docs/screenshots/ (shown in docs/web.md).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.sdk.conftest import Served, service_client, start_server, stop_server
from tests.web.browser import CHROMIUM, chromium_page, shot, sign_in
from tests.web.test_browser_fleet import add_devices

pytestmark = [pytest.mark.browser, pytest.mark.sdk]

GATEWAY = "edge-gw-01"
CHILDREN = ("edge-sensor-01", "edge-sensor-02")
CONCENTRATOR = "b827ebfffe6e8d2a"
THUMBPRINT = "3A5C" * 10
CONFIGURATION = "oslo-interval"
DEPLOYMENT = "edge-base"
DEVICES = 12
MODULE = "SimulatedTemperatureSensor"
REPORTING = "SELECT deviceId FROM devices WHERE properties.reported.interval = 30"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str]]:
    """(a hub with a gateway, a concentrator and two configurations, the portal password)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    data_dir = tmp_path_factory.mktemp("pages")
    init = subprocess.run(
        [sys.executable, "-m", "fleethub", "init", "--data-dir", str(data_dir)],
        check=True,
        capture_output=True,
        text=True,
    )
    password = re.search(r"password (\S+) \(shown once", init.stdout)
    assert password is not None, init.stdout
    served = start_server(data_dir)
    try:
        add_devices(served, "oslo", DEVICES, {"site": "oslo"})
        _fill(served)
        yield served, password.group(1)
    finally:
        assert stop_server(served) == 0, "\n".join(served.output)


def _fill(served: Served) -> None:
    """A gateway with two devices in its scope and a deployment for it, a concentrator, and a
    configuration for the Oslo devices: made as an application would, over the APIs."""
    with service_client(served, timeout=30) as client:
        made = client.post(
            "/api/Gateways", json={"deviceId": GATEWAY, "type": "factory", "environment": "prod"}
        )
        assert made.status_code == 200, made.text
        scope = made.json()["scope"]
        assert scope.startswith("ms-azure-iot-edge://")
        for child in CHILDREN:
            response = client.put(
                f"/devices/{child}", json={"deviceId": child, "deviceScope": scope}
            )
            assert response.status_code == 200, response.text
        concentrator = {
            "deviceId": CONCENTRATOR,
            "deviceName": "Roof station",
            "loraRegion": "EU863",
            "clientCertificateThumbprint": THUMBPRINT,
        }
        response = client.post("/api/Concentrators", json=concentrator)
        assert response.status_code == 200, response.text
        configuration = {
            "id": CONFIGURATION,
            "content": {"deviceContent": {"properties.desired.interval": 30}},
            "targetCondition": "tags.site = 'oslo'",
            "priority": 10,
            "labels": {"team": "ops"},
            "metrics": {"queries": {"reporting": REPORTING}},
        }
        response = client.put(f"/configurations/{CONFIGURATION}", json=configuration)
        assert response.status_code == 200, response.text
        sensor = {
            "version": "1.0",
            "type": "docker",
            "status": "running",
            "restartPolicy": "always",
            "settings": {
                "image": "mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.5"
            },
        }
        deployment = {
            "id": DEPLOYMENT,
            "content": {
                "modulesContent": {
                    "$edgeAgent": {
                        "properties.desired": {"schemaVersion": "1.1", "modules": {MODULE: sensor}}
                    },
                    "$edgeHub": {"properties.desired": {"schemaVersion": "1.1", "routes": {}}},
                }
            },
            "targetCondition": "tags.env = 'prod'",
            "priority": 5,
        }
        response = client.put(f"/configurations/{DEPLOYMENT}", json=deployment)
        assert response.status_code == 200, response.text


def test_admin_pages_in_chromium(hub: tuple[Served, str]) -> None:
    from playwright.sync_api import expect

    served, password = hub
    base = f"https://{served.host}:{served.https_port}"
    with chromium_page() as (_, page):
        sign_in(page, base, password)
        _gateways(page, expect)
        _concentrators(page, expect)
        _configurations(page, expect)
        _tokens(page, expect)
        _settings(page, base, expect)


def _gateways(page: Any, expect: Any) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Gateways").click()
    expect(page.get_by_role("heading", name="IoT Edge gateways")).to_be_visible()
    row = page.locator("table.devices tbody tr", has_text=GATEWAY)
    expect(row).to_contain_text("factory")
    expect(row.locator("td[data-label='Devices in scope']")).to_have_text(str(len(CHILDREN)))
    shot(page, "gateways")
    row.get_by_role("link", name=GATEWAY).click()
    page.wait_for_url(f"**/ui/gateways/{GATEWAY}")
    expect(page.get_by_role("heading", name=GATEWAY)).to_be_visible()
    expect(page.get_by_role("heading", name=f"Child devices ({len(CHILDREN)})")).to_be_visible()
    for child in CHILDREN:
        expect(page.get_by_role("link", name=child)).to_be_visible()
    modules = page.locator("table.devices tbody")
    expect(modules).to_contain_text("$edgeAgent")
    expect(modules.locator("tr", has_text=MODULE)).to_contain_text("running")
    expect(page.locator("dl.facts")).to_contain_text(DEPLOYMENT)
    shot(page, "gateway")


def _concentrators(page: Any, expect: Any) -> None:
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Gateways").click()
    page.get_by_role("link", name="their own page").click()
    page.wait_for_url("**/ui/concentrators")
    expect(page.get_by_role("heading", name="LoRaWAN concentrators")).to_be_visible()
    row = page.locator("table.devices tbody tr", has_text=CONCENTRATOR)
    expect(row).to_contain_text("Roof station")
    expect(row).to_contain_text("EU863")
    shot(page, "concentrators")
    row.get_by_role("link", name=CONCENTRATOR).click()
    page.wait_for_url(f"**/ui/concentrators/{CONCENTRATOR}")
    expect(page.get_by_role("heading", name=CONCENTRATOR)).to_be_visible()
    expect(page.get_by_role("heading", name="Router configuration (EU863)")).to_be_visible()
    expect(page.locator("#router-config")).to_contain_text("863000000")
    shot(page, "concentrator")


def _configurations(page: Any, expect: Any) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Configurations").click()
    expect(page.get_by_role("heading", name="Configurations and deployments")).to_be_visible()
    row = page.locator("table.devices tbody tr", has_text=CONFIGURATION)
    expect(row.locator("td[data-label='Targeted']")).to_have_text(str(DEVICES))
    deployment = page.locator("table.devices tbody tr", has_text=DEPLOYMENT)
    expect(deployment.locator("td[data-label='Targeted']")).to_have_text("1")
    shot(page, "configurations")
    row.get_by_role("link", name=CONFIGURATION).click()
    page.wait_for_url(f"**/ui/configurations/{CONFIGURATION}")
    expect(page.get_by_role("heading", name=CONFIGURATION)).to_be_visible()
    expect(page.locator("#config-targets .count")).to_have_text(str(DEVICES))
    applied = page.locator("#config-metrics tr", has_text="appliedCount")
    expect(applied).to_contain_text(str(DEVICES), timeout=30_000)
    page.get_by_label("Target condition").fill("tags.site = 'oslo' AND deviceId < 'oslo-004'")
    expect(page.locator("#config-targets .count")).to_have_text("4")
    expect(page.locator("#config-targets")).to_contain_text("oslo-000")
    shot(page, "configuration")


def _tokens(page: Any, expect: Any) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    page.get_by_label("Token id").fill("billing-export")
    page.get_by_label("Role").select_option("operator")
    page.get_by_label("Valid for (days)").fill("90")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#tokens .alert.ok")).to_contain_text("Token billing-export created")
    assert page.locator("#new-token").input_value().startswith("SharedAccessSignature ")
    expect(page.locator("#tokens ul.jobs li", has_text="billing-export")).to_contain_text(
        "operator"
    )
    shot(page, "tokens")


def _settings(page: Any, base: str, expect: Any) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.locator("section", has_text="Users")).to_contain_text("admin")
    expect(page.get_by_role("heading", name="OpenID Connect")).to_be_visible()
    link = page.get_by_role("link", name="Download the CA (PEM)")
    expect(link).to_be_visible()
    pem = page.request.get(f"{base}/ui/settings/ca.pem")
    assert pem.status == 200
    assert "BEGIN CERTIFICATE" in pem.text()
    shot(page, "settings")
