"""/health answers anyone; /metrics asks for a service token, as the rest of the IoT Hub API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from fleethub.app import build_http_app
from fleethub.hub.auth.policies import Policy
from fleethub.hub.hub import Hub
from fleethub.metrics import Metrics
from tests.conftest import HOST, Clock, service_token


async def _ready() -> bool:
    return True


@pytest.fixture
async def http(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    app = build_http_app(hub, Metrics(), _ready)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=f"https://{HOST}") as client:
        yield client


async def test_health_needs_no_credentials(http: httpx.AsyncClient) -> None:
    assert (await http.get("/health/live")).json() == {"status": "live"}
    assert (await http.get("/health/ready")).json() == {"status": "ready"}


@pytest.mark.parametrize("policy", ["registryRead", "service", "iothubowner"])
async def test_metrics_answer_a_policy_that_reads_the_registry_or_connects_services(
    http: httpx.AsyncClient, policies: dict[str, Policy], clock: Clock, policy: str
) -> None:
    token = service_token(policies[policy], clock)
    response = await http.get("/metrics", headers={"authorization": token})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'fleethub_devices{status="enabled"}' in response.text


async def test_metrics_refuse_no_token_a_bad_one_and_a_device_policy(
    http: httpx.AsyncClient, policies: dict[str, Policy], clock: Clock
) -> None:
    missing = await http.get("/metrics")
    forged = await http.get(
        "/metrics", headers={"authorization": service_token(policies["service"], clock) + "x"}
    )
    device = await http.get(
        "/metrics", headers={"authorization": service_token(policies["device"], clock)}
    )

    assert missing.status_code == forged.status_code == 401
    assert device.status_code == 403
    for refused in (missing, forged, device):
        assert "ErrorCode:" in refused.json()["Message"]  # Azure's error body
        assert "fleethub_" not in refused.text
