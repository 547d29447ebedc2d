"""The portal's fleet flows in a real browser: Debian's chromium driven by Playwright against
a real `fleethub serve`, with a second real `fleethub serve` as the source of an import.

A builder's and operator's day: create a model from the thermostat template and see the DTDL
editor point at a mistake; run a twin-update job over 50 devices and watch it complete;
start an import from the other hub and cancel it. Each step saves a screenshot under
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

pytestmark = [pytest.mark.browser, pytest.mark.sdk]

DEVICES = 50
SOURCE_DEVICES = 300


def add_devices(served: Served, prefix: str, count: int, tags: dict[str, Any]) -> None:
    """Bulk-create devices through the IoT Hub service API (100 per call, as Azure allows)."""
    with service_client(served, timeout=30) as client:
        for start in range(0, count, 100):
            body = [
                {"id": f"{prefix}-{n:03d}", "importMode": "create", "tags": tags}
                for n in range(start, min(count, start + 100))
            ]
            response = client.post("/devices", json=body)
            assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def hubs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Served, str]]:
    """(the portal's hub, the import source, the portal password). Jobs are paced at 20
    devices a second, so progress is visible and an import can be cancelled mid-way."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    source = start_server(tmp_path_factory.mktemp("source"))
    data_dir = tmp_path_factory.mktemp("portal")
    init = subprocess.run(
        [sys.executable, "-m", "fleethub", "init", "--data-dir", str(data_dir)],
        check=True,
        capture_output=True,
        text=True,
    )
    password = re.search(r"password (\S+) \(shown once", init.stdout)
    assert password is not None, init.stdout
    env = {"FLEETHUB_IMPORT_CA_BUNDLE": str(source.ca_path), "FLEETHUB_JOBS_DEVICE_RATE": "20"}
    target = start_server(data_dir, env=env)
    try:
        add_devices(source, "plant", SOURCE_DEVICES, {"site": "north"})
        add_devices(target, "fleet", DEVICES, {"fleet": "demo"})
        yield target, source, password.group(1)
    finally:
        assert stop_server(target) == 0, "\n".join(target.output)
        stop_server(source)


def test_fleet_flows_in_chromium(hubs: tuple[Served, Served, str]) -> None:
    from playwright.sync_api import expect

    target, source, password = hubs
    base = f"https://{target.host}:{target.https_port}"
    with chromium_page() as (context, page):
        sign_in(page, base, password)
        _model_from_template(page, expect)
        _twin_update_job(page, expect)
        _import_and_cancel(page, source, expect)
        _phone(context, base)


def _model_from_template(page: Any, expect: Any) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Models").click()
    expect(page.get_by_text("No models yet")).to_be_visible()
    page.locator("summary", has_text="New model").click()
    page.get_by_label("Name").fill("Thermostat")
    page.get_by_label("Model id (DTMI)").fill("dtmi:contoso:thermostat;1")
    page.get_by_label("The thermostat template").check()
    shot(page, "model-create")
    page.get_by_role("button", name="Create model").click()
    page.wait_for_url("**/ui/models/dtmi%3Acontoso%3Athermostat%3B1")
    expect(page.get_by_role("heading", name="Thermostat", exact=True)).to_be_visible()
    editor = page.locator("#document")
    text = editor.input_value()
    assert '"targetTemperature"' in text
    editor.fill(text.replace('"name": "temperature"', '"name": "temp erature"', 1))
    page.get_by_role("button", name="Save model").click()
    expect(page.locator("#model-document .problem").first).to_contain_text(
        "$.capabilityModel.contents[0].name"
    )
    page.locator("#model-document li.bad").first.scroll_into_view_if_needed()
    shot(page, "model-editor")
    page.locator("#document").fill(text)
    page.get_by_role("button", name="Save model").click()
    expect(page.locator("#model-document .alert.ok")).to_contain_text("Saved")


def _twin_update_job(page: Any, expect: Any) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs").click()
    expect(page.get_by_text("No jobs yet")).to_be_visible()
    page.get_by_label("Job id").fill("interval-30")
    page.get_by_label("Devices: a query condition").fill("tags.fleet = 'demo'")
    expect(page.locator("#job-preview .count")).to_have_text(str(DEVICES))
    page.get_by_label("Desired properties to set (JSON)").fill('{"interval": 30}')
    shot(page, "jobs")
    page.get_by_role("button", name="Start job").click()
    page.wait_for_url("**/ui/jobs/interval-30")
    expect(page.locator("#job-count")).to_have_text(str(DEVICES))
    shot(page, "job-running")
    expect(page.locator("#job-status")).to_have_text("completed", timeout=60_000)
    expect(page.locator("#job-succeeded")).to_have_text(str(DEVICES))
    expect(page.locator("#job-bar")).to_have_attribute("value", "100")
    shot(page, "job-completed")


def _import_and_cancel(page: Any, source: Served, expect: Any) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    expect(page.get_by_text("No imports yet")).to_be_visible()
    page.get_by_label("Name").fill("North plant")
    page.get_by_label("Connection string of the other hub").fill("HostName=nope")
    page.get_by_role("button", name="Start import").click()
    expect(page.locator("#secret-error")).to_contain_text("not an IoT Hub connection string")
    shot(page, "import-form")
    page.get_by_label("Connection string of the other hub").fill(source.service_connection_string())
    page.get_by_role("button", name="Start import").click()
    page.wait_for_url("**/ui/imports/*")
    expect(page.locator("#import-status")).to_have_text("running", timeout=30_000)
    expect(page.locator("#import-count")).not_to_have_text("0", timeout=30_000)
    shot(page, "import-running")
    page.get_by_role("button", name="Cancel import").click()
    expect(page.locator("#import-status")).to_have_text("cancelled")
    expect(page.locator("#import-progress .alert.ok")).to_have_text("Cancelled.")
    shot(page, "import-cancelled")
    imported = int(page.locator("#import-count").inner_text())
    assert 0 < imported <= SOURCE_DEVICES


def _phone(context: Any, base: str) -> None:
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/ui/jobs/interval-30", "/ui/models", "/ui/configurations", "/ui/settings"):
        page.goto(f"{base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways at phone width ({width}px)"
    page.goto(f"{base}/ui/jobs")
    shot(page, "jobs-phone")
    page.close()
