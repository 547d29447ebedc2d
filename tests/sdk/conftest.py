"""`fleethub serve` as a real subprocess on free ports, for the Microsoft SDKs to talk to."""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from fleethub import datadir
from tests.conftest import POSTGRES_URL, service_token


@dataclass
class Served:
    process: subprocess.Popen[str]
    data_dir: Path
    https_port: int
    mqtt_port: int
    connection_string: str
    ca_path: Path
    output: list[str]
    host: str = "localhost"

    def service_connection_string(self, policy: str = "iothubowner") -> str:
        """A connection string whose HostName is the address this server listens on."""
        key = datadir.load(self.data_dir).policy(policy).primary_key
        hostname = self.host if self.https_port == 443 else f"{self.host}:{self.https_port}"
        return f"HostName={hostname};SharedAccessKeyName={policy};SharedAccessKey={key}"

    def device_connection_string(self, device_id: str, key: str) -> str:
        return f"HostName={self.host};DeviceId={device_id};SharedAccessKey={key}"


def service_client(served: Served, timeout: float = 5.0) -> httpx.Client:
    """Plain service REST against a served hub, authenticated as iothubowner (for what the
    SDK cannot show, and for setting up data fast)."""
    owner = datadir.load(served.data_dir).policy("iothubowner")
    host = f"{served.host}:{served.https_port}"
    return httpx.Client(
        base_url=f"https://{host}",
        verify=ssl.create_default_context(cafile=str(served.ca_path)),
        params={"api-version": "2021-04-12"},
        headers={"authorization": service_token(owner, time.time, host)},
        timeout=timeout,
    )


def start_server(
    data_dir: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    ports: tuple[str, str] = ("0", "0"),
    host: str = "localhost",
) -> Served:
    """Start `fleethub serve` and read the ports it bound back from its banner."""
    command = [
        sys.executable, "-m", "fleethub", "serve", "--data-dir", str(data_dir),
        "--https-port", ports[0], "--mqtt-port", ports[1], "--amqp-port", "0", *extra,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    output: list[str] = []
    found: dict[str, str] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line.rstrip())
        for key, pattern in _BANNER.items():
            match = re.search(pattern, line)
            if match:
                found[key] = match.group(1)
        if "ca" in found:
            return Served(
                process,
                data_dir,
                int(found["https"]),
                int(found["mqtt"]),
                found["cs"],
                Path(found["ca"]),
                output,
                host,
            )
    process.kill()
    raise RuntimeError("fleethub serve did not start:\n" + "\n".join(output))


_BANNER = {
    "https": r"Service REST API\s+https://[^:/]+:(\d+)/",
    "mqtt": r"Device MQTT/TLS\s+mqtts://[^:/]+:(\d+)",
    "cs": r"^\s*(HostName=\S+)",
    "ca": r"^\s*(/\S+ca\.pem)\s*$",
}


def stop_server(served: Served) -> int:
    served.process.send_signal(signal.SIGTERM)
    try:
        assert served.process.stdout is not None
        served.output.extend(line.rstrip() for line in served.process.stdout)
        return served.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        served.process.kill()
        raise
    finally:
        if served.process.stdout is not None:
            served.process.stdout.close()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("hub")
    extra: list[str] = []
    schema = None
    if request.param == "postgres":
        schema = f"t_{uuid.uuid4().hex[:16]}"
        extra = ["--store", POSTGRES_URL, "--store-schema", schema]
    server = start_server(data_dir, *extra)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_path))
        yield server
    code = stop_server(server)
    assert code == 0, "\n".join(server.output)
    if schema:
        import asyncio

        from tests.conftest import drop_schema

        asyncio.run(drop_schema(schema))


def free_loopback() -> str:
    """A loopback address of our own: device SDKs hard-code ports 8883 and 443 (wire spec
    §0.1), so each device-facing test hub binds those ports on its own 127.0.0.X."""
    import random
    import socket

    for _ in range(200):
        host = f"127.0.{random.randint(1, 254)}.{random.randint(2, 254)}"
        free = True
        for port in (8883, 443):
            with socket.socket() as probe:
                try:
                    probe.bind((host, port))
                except OSError:
                    free = False
        if free:
            return host
    raise RuntimeError("no free loopback address for ports 8883 and 443")


def start_device_hub(data_dir: Path, *extra: str) -> Served:
    """A hub on 127.0.0.X:8883 (MQTT/TLS) and :443 (HTTPS, WebSocket), as devices expect."""
    host = free_loopback()
    subprocess.run(
        [sys.executable, "-m", "fleethub", "init", "--data-dir", str(data_dir), "--hostname", host],
        check=True,
        capture_output=True,
    )
    return start_server(data_dir, "--host", host, *extra, ports=("443", "8883"), host=host)


@pytest.fixture(scope="module")
def device_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start_device_hub(tmp_path_factory.mktemp("devicehub"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_path))
        yield server
    code = stop_server(server)
    assert code == 0, "\n".join(server.output)
