"""The portal in a real browser: Debian's chromium driven by Playwright against a real
`fleethub serve`, with a real `azure-iot-device` client on the other side.

One flow, as an operator would go: sign in, create a device with the thermostat model,
connect it and watch its telemetry chart and live stream move, edit a desired property and
see the device receive it, run a model command and a direct method and read the answers.
Each step saves a screenshot under docs/screenshots/ (shown in docs/web.md).
"""

from __future__ import annotations

import json
import queue
import re
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.iot.device import IoTHubDeviceClient, Message, MethodRequest, MethodResponse

from tests.sdk.conftest import Served, free_loopback, start_server, stop_server
from tests.web.browser import CHROMIUM, chromium_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.sdk]

TEMPLATE = Path(__file__).parents[1] / "hub/models/dtdl/thermostat_template.json"
TEMPLATE_ID = "dtmi:contoso:mythermostattemplate;1"


@pytest.fixture(scope="module")
def portal_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str, str]]:
    """A hub on 127.0.0.X:8883/443, the portal password and the Central token init printed."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    data_dir = tmp_path_factory.mktemp("portalhub")
    host = free_loopback()
    init = subprocess.run(
        [sys.executable, "-m", "fleethub", "init", "--data-dir", str(data_dir), "--hostname", host],
        check=True,
        capture_output=True,
        text=True,
    )
    password = re.search(r"password (\S+) \(shown once", init.stdout)
    assert password is not None, init.stdout
    token = init.stdout.strip().splitlines()[-1]
    server = start_server(data_dir, "--host", host, ports=("443", "8883"), host=host)
    yield server, password.group(1), token
    code = stop_server(server)
    assert code == 0, "\n".join(server.output)


def add_model(served: Served, token: str) -> None:
    context = ssl.create_default_context(cafile=str(served.ca_path))
    with httpx.Client(base_url=f"https://{served.host}/central", verify=context) as central:
        response = central.put(
            f"/api/deviceTemplates/{TEMPLATE_ID}",
            params={"api-version": "2022-07-31"},
            headers={"authorization": token},
            json=json.loads(TEMPLATE.read_text()),
        )
        assert response.status_code == 200, response.text


class Thermostat:
    """A real device: sends a temperature every 300 ms, answers getMaxMinReport and any
    direct method, and keeps the desired patches it receives."""

    def __init__(self, connection_string: str, ca: str) -> None:
        self.client = IoTHubDeviceClient.create_from_connection_string(
            connection_string, server_verification_cert=ca
        )
        self.desired: queue.Queue[dict[str, Any]] = queue.Queue()
        self.client.on_twin_desired_properties_patch_received = self.desired.put
        self.client.on_method_request_received = self.answer
        self._stop = threading.Event()
        self._sender = threading.Thread(target=self.send, daemon=True)

    def start(self) -> None:
        self.client.connect()
        self._sender.start()

    def send(self) -> None:
        n = 0
        while not self._stop.is_set():
            body = json.dumps({"temperature": 20 + (n % 10) / 2})
            message = Message(body, content_encoding="utf-8", content_type="application/json")
            message.custom_properties["unit"] = "C"
            self.client.send_message(message)
            n += 1
            self._stop.wait(0.3)

    def answer(self, request: MethodRequest) -> None:
        if request.name == "getMaxMinReport":
            payload: Any = {"maxTemp": 24.5, "minTemp": 20.0, "startTime": request.payload}
        else:
            payload = {"method": request.name, "echo": request.payload}
        response = MethodResponse.create_from_method_request(request, 200, payload)
        self.client.send_method_response(response)

    def stop(self) -> None:
        self._stop.set()
        self._sender.join(timeout=5)
        self.client.shutdown()


def next_with(patches: queue.Queue[dict[str, Any]], name: str, seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        patch = patches.get(timeout=max(0.01, deadline - time.monotonic()))
        if name in patch:
            return patch


def test_operator_flow_in_chromium(portal_hub: tuple[Served, str, str]) -> None:
    from playwright.sync_api import expect

    served, password, token = portal_hub
    add_model(served, token)
    base = f"https://{served.host}"
    with chromium_page() as (context, page):
        _sign_in(page, base, password)
        _create_device(page)
        device = Thermostat(_connection_string(page), served.ca_path.read_text())
        device.start()
        try:
            _watch_telemetry(page, expect)
            _edit_desired(page, device, expect)
            _run_command(page, expect)
            _overview(page, base, expect)
            _phone(context, base)
        finally:
            device.stop()


def _sign_in(page: Any, base: str, password: str) -> None:
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/ui/signin")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("The user name or password is wrong.").is_visible()
    shot(page, "signin")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/ui/")
    assert page.get_by_role("heading", name="Overview").is_visible()


def _create_device(page: Any) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Devices").click()
    page.locator("summary", has_text="New device").click()
    page.get_by_label("Device id").fill("thermostat-01")
    page.locator("#device-create").get_by_label("Model", exact=True).select_option(TEMPLATE_ID)
    page.get_by_role("button", name="Create device").click()
    page.wait_for_url("**/ui/devices/thermostat-01")
    assert page.get_by_role("heading", name="thermostat-01").is_visible()


def _connection_string(page: Any) -> str:
    value: str = page.locator("#secret-3").input_value()
    assert value.startswith("HostName=")
    assert "DeviceId=thermostat-01" in value
    return value


def _watch_telemetry(page: Any, expect: Any) -> None:
    stream = page.locator("ol.stream li")
    expect(stream.first).to_contain_text("temperature", timeout=30_000)
    expect(page.locator(".live-status")).to_have_text("live")
    chart = page.locator('#telemetry .chart[data-field="temperature"] canvas')
    expect(chart).to_be_visible()
    count = stream.count()
    expect(stream).not_to_have_count(count, timeout=10_000)  # it keeps moving
    page.locator("#telemetry").scroll_into_view_if_needed()
    shot(page, "device-telemetry")


def _edit_desired(page: Any, device: Thermostat, expect: Any) -> None:
    page.locator("#desired").fill('{"targetTemperature": 60}')
    page.get_by_role("button", name="Save twin").click()
    expect(page.locator("#twin .alert.ok")).to_have_text("Saved.")
    assert next_with(device.desired, "targetTemperature")["targetTemperature"] == 60
    page.locator("#twin").scroll_into_view_if_needed()
    shot(page, "device-twin")


def _run_command(page: Any, expect: Any) -> None:
    form = page.locator("#command-getMaxMinReport")
    form.locator("input[name='arg']").fill("2024-05-01T10:00")
    form.get_by_role("button", name="Run getMaxMinReport").click()
    expect(page.locator("#command-getMaxMinReport .result")).to_contain_text(
        "The device answered 200", timeout=30_000
    )
    expect(page.locator("#command-getMaxMinReport .result")).to_contain_text("24.5")
    method = page.locator("#method-form")
    method.get_by_label("Method name").fill("blink")
    method.get_by_label("Payload (JSON)").fill('{"times": 3}')
    method.get_by_role("button", name="Invoke").click()
    expect(page.locator("#method-form .result")).to_contain_text('"times": 3', timeout=30_000)
    page.locator("#commands").scroll_into_view_if_needed()
    shot(page, "device-commands")


def _overview(page: Any, base: str, expect: Any) -> None:
    page.goto(f"{base}/ui/devices")
    expect(page.locator("table.devices")).to_contain_text("thermostat-01")
    shot(page, "devices")
    page.goto(f"{base}/ui/")
    expect(page.locator(".events")).to_contain_text("thermostat-01")
    expect(page.locator('.chart[data-chart="rate"] canvas')).to_be_visible()
    shot(page, "overview")


def _phone(context: Any, base: str) -> None:
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/ui/devices/thermostat-01")
    assert page.get_by_role("heading", name="thermostat-01").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
    shot(page, "device-phone")
    page.close()
