"""Raw paho-mqtt against `fleethub serve`: every rejection the device endpoint makes.

A misbehaving client is disconnected (or refused with the right CONNACK code); the hub and
its other clients carry on.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest

from fleethub import datadir
from fleethub.hub.auth import sas
from tests.sdk.conftest import Served, start_server, stop_server

pytestmark = pytest.mark.sdk


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start_server(tmp_path_factory.mktemp("mqtt"))
    yield server
    assert stop_server(server) == 0


@pytest.fixture(scope="module")
def rest(hub: Served) -> Iterator[httpx.Client]:
    from bench.hubprocess import HubProcess

    token = HubProcess(hub.process, hub.data_dir, hub.https_port, hub.ca_path).service_token()
    with httpx.Client(
        base_url=f"https://localhost:{hub.https_port}",
        verify=ssl.create_default_context(cafile=str(hub.ca_path)),
        params={"api-version": "2021-04-12"},
        headers={"authorization": token},
    ) as client:
        yield client


def create(rest: httpx.Client, device_id: str, **body: object) -> str:
    response = rest.put(f"/devices/{device_id}", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["authentication"]["symmetricKey"]["primaryKey"])


class Device:
    """A paho client speaking IoT Hub's MQTT dialect, recording what happens to it."""

    def __init__(self, hub: Served, client_id: str) -> None:
        self.client = mqtt.Client(client_id=client_id, clean_session=False)
        self.client.tls_set(ca_certs=str(hub.ca_path), tls_version=ssl.PROTOCOL_TLSv1_2)
        self.hub = hub
        self.connack: int | None = None
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.messages: list[mqtt.MQTTMessage] = []
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *_: self.disconnected.set()
        self.client.on_message = lambda _c, _u, message: self.messages.append(message)

    def _on_connect(self, _c: object, _u: object, flags: dict[str, int], rc: int) -> None:
        self.connack = rc
        self.session_present = flags.get("session present", 0)
        self.connected.set()

    def connect(self, password: str | None, username: str | None = None) -> int | None:
        client_id = self.client._client_id.decode()
        self.client.username_pw_set(
            username or f"localhost/{client_id}/?api-version=2021-04-12", password
        )
        self.client.connect("localhost", self.hub.mqtt_port, keepalive=30)
        self.client.loop_start()
        assert self.connected.wait(10)
        return self.connack

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def token(key: str, resource: str, ttl: int = 3600) -> str:
    return sas.build(resource, key, int(time.time()) + ttl)


def test_valid_token_connects_and_telemetry_is_acknowledged(
    hub: Served, rest: httpx.Client
) -> None:
    key = create(rest, "p-ok")
    device = Device(hub, "p-ok")
    assert device.connect(token(key, "localhost/devices/p-ok")) == 0
    info = device.client.publish("devices/p-ok/messages/events/%24.mid=x1&k=v", b"hi", qos=1)
    info.wait_for_publish(5)
    assert info.is_published()
    device.close()
    stored = rest.get("/devices/p-ok/messages/events").json()
    assert stored[-1]["systemProperties"]["messageId"] == "x1"
    assert stored[-1]["properties"] == {"k": "v"}


@pytest.mark.parametrize(
    "case", ["wrong key", "expired", "other device's token", "no password", "unknown device"]
)
def test_bad_credentials_get_connack_5(hub: Served, rest: httpx.Client, case: str) -> None:
    key = create(rest, f"p-bad-{case.replace(' ', '-').replace(chr(39), '')}")
    device_id = f"p-bad-{case.replace(' ', '-').replace(chr(39), '')}"
    other = sas.new_key()
    password = {
        "wrong key": token(other, f"localhost/devices/{device_id}"),
        "expired": token(key, f"localhost/devices/{device_id}", ttl=-10),
        "other device's token": token(key, "localhost/devices/someone-else"),
        "no password": None,
        "unknown device": token(key, "localhost/devices/ghost"),
    }[case]
    device = Device(hub, "ghost" if case == "unknown device" else device_id)
    assert device.connect(password) == 5
    assert device.disconnected.wait(5)
    device.client.loop_stop()


def test_disabled_device_is_refused(hub: Served, rest: httpx.Client) -> None:
    key = create(rest, "p-disabled", status="disabled")
    device = Device(hub, "p-disabled")
    assert device.connect(token(key, "localhost/devices/p-disabled")) == 5
    device.client.loop_stop()


def test_username_for_another_hub_is_refused(hub: Served, rest: httpx.Client) -> None:
    key = create(rest, "p-user")
    device = Device(hub, "p-user")
    username = "otherhub.example.net/p-user/?api-version=2021-04-12"
    assert device.connect(token(key, "localhost/devices/p-user"), username) == 5
    device.client.loop_stop()


@pytest.mark.parametrize(
    ("topic", "payload", "qos"),
    [
        ("devices/someone-else/messages/events/", b"x", 1),
        ("some/random/topic", b"x", 1),
        ("devices/p-abuse/messages/events/", b"x" * (256 * 1024 + 1), 1),
        ("devices/p-abuse/messages/events/", b"x", 2),
    ],
    ids=["other device", "unknown topic", "oversized", "qos2"],
)
def test_abuse_disconnects_the_device(
    hub: Served, rest: httpx.Client, topic: str, payload: bytes, qos: int
) -> None:
    key = (
        create(rest, "p-abuse")
        if rest.get("/devices/p-abuse").status_code == 404
        else (rest.get("/devices/p-abuse").json()["authentication"]["symmetricKey"]["primaryKey"])
    )
    device = Device(hub, "p-abuse")
    assert device.connect(token(key, "localhost/devices/p-abuse")) == 0
    device.client.publish(topic, payload, qos=qos)
    assert device.disconnected.wait(10)
    device.client.loop_stop()
    assert rest.get("/health/ready").status_code == 200


def test_subscribing_to_another_device_disconnects(hub: Served, rest: httpx.Client) -> None:
    key = create(rest, "p-sub")
    device = Device(hub, "p-sub")
    assert device.connect(token(key, "localhost/devices/p-sub")) == 0
    device.client.subscribe("devices/someone-else/messages/devicebound/#", qos=1)
    assert device.disconnected.wait(10)
    device.client.loop_stop()


def test_second_connection_takes_over(hub: Served, rest: httpx.Client) -> None:
    key = create(rest, "p-twice")
    first = Device(hub, "p-twice")
    assert first.connect(token(key, "localhost/devices/p-twice")) == 0
    second = Device(hub, "p-twice")
    assert second.connect(token(key, "localhost/devices/p-twice")) == 0
    assert first.disconnected.wait(10)
    assert not second.disconnected.is_set()
    first.client.loop_stop()
    second.close()


def test_subscriptions_persist_across_connections(hub: Served, rest: httpx.Client) -> None:
    """Wire spec §2.5: CleanSession=0 and the SDK never re-subscribes after reconnecting."""
    key = create(rest, "p-persist")
    password = token(key, "localhost/devices/p-persist")
    first = Device(hub, "p-persist")
    assert first.connect(password) == 0
    assert first.session_present == 0
    first.client.subscribe("devices/p-persist/messages/devicebound/#", qos=1)
    time.sleep(0.5)
    first.close()
    rest.post("/messages/deviceBound/p-persist", content=b"while away")
    second = Device(hub, "p-persist")
    assert second.connect(password) == 0
    assert second.session_present == 1
    deadline = time.monotonic() + 10
    while not second.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert second.messages[0].payload == b"while away"
    assert second.messages[0].topic.startswith("devices/p-persist/messages/devicebound/")
    second.close()


def test_a_session_without_subscriptions_is_present_on_the_next_connect(
    hub: Served, rest: httpx.Client
) -> None:
    key = create(rest, "p-bare")
    password = token(key, "localhost/devices/p-bare")
    first = Device(hub, "p-bare")
    assert first.connect(password) == 0
    assert first.session_present == 0
    first.close()
    time.sleep(0.3)  # new sessions are stored in batches, a moment after CONNACK
    second = Device(hub, "p-bare")
    assert second.connect(password) == 0
    assert second.session_present == 1
    second.close()


def test_connection_closes_when_the_token_expires(hub: Served, rest: httpx.Client) -> None:
    key = create(rest, "p-expire")
    device = Device(hub, "p-expire")
    assert device.connect(token(key, "localhost/devices/p-expire", ttl=2)) == 0
    assert device.disconnected.wait(10)
    device.client.loop_stop()


def test_twin_get_is_answered_without_a_subscription(hub: Served, rest: httpx.Client) -> None:
    """Wire spec §0.7: the SDK asks for its twin before subscribing to the responses."""
    key = create(rest, "p-twin")
    device = Device(hub, "p-twin")
    assert device.connect(token(key, "localhost/devices/p-twin")) == 0
    device.client.publish("$iothub/twin/GET/?$rid=7", b" ", qos=1)
    deadline = time.monotonic() + 10
    while not device.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert device.messages[0].topic == "$iothub/twin/res/200/?$rid=7"
    device.close()


def test_malformed_bytes_close_only_that_connection(hub: Served) -> None:
    context = ssl.create_default_context(cafile=str(hub.ca_path))
    with (
        socket.create_connection(("localhost", hub.mqtt_port)) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        tls.sendall(b"\x10\xff\xff\xff\xff\x7f garbage")
        tls.settimeout(5)
        assert tls.recv(10) == b""  # closed by the hub


def test_unsupported_protocol_level_gets_connack_1(hub: Served) -> None:
    context = ssl.create_default_context(cafile=str(hub.ca_path))
    connect_31 = b"\x10\x12\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x04abcd"
    with (
        socket.create_connection(("localhost", hub.mqtt_port)) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        tls.sendall(connect_31)
        tls.settimeout(5)
        assert tls.recv(4) == b"\x20\x02\x00\x01"


def test_ca_path_is_the_served_ca(hub: Served) -> None:
    assert Path(hub.ca_path) == (hub.data_dir / "tls" / "ca.pem").resolve()
    assert datadir.is_initialised(hub.data_dir)


def test_a_device_over_its_rate_is_slowed_not_dropped(tmp_path: Path) -> None:
    """Past --device-rate-limit the hub stops reading the socket; every message still lands."""
    server = start_server(tmp_path / "hub", "--device-rate-limit", "40")
    try:
        from bench.hubprocess import HubProcess

        token_ = HubProcess(server.process, server.data_dir, server.https_port, server.ca_path)
        with httpx.Client(
            base_url=f"https://localhost:{server.https_port}",
            verify=ssl.create_default_context(cafile=str(server.ca_path)),
            params={"api-version": "2021-04-12"},
            headers={"authorization": token_.service_token()},
        ) as rest:
            key = create(rest, "p-fast")
            device = Device(server, "p-fast")
            assert device.connect(token(key, "localhost/devices/p-fast")) == 0
            infos = [
                device.client.publish("devices/p-fast/messages/events/", b"x", qos=1)
                for _ in range(100)
            ]
            for info in infos:
                info.wait_for_publish(30)
            assert all(info.is_published() for info in infos)
            assert not device.disconnected.is_set()
            device.close()
            stored = rest.get("/devices/p-fast/messages/events", params={"limit": 200}).json()
            assert len(stored) == 100
    finally:
        assert stop_server(server) == 0
