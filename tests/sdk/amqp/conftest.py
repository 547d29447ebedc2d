"""An in-process AMQPS listener on 127.0.0.X:5671 for the Microsoft SDKs to talk to.

uamqp (azure-iot-hub) dials port 5671 whatever HostName says and azure-eventhub dials 5671
for `Endpoint=sb://host/`, so each test hub takes 5671 on a loopback address of its own.
uamqp trusts only certifi's bundle (wire spec §0.4): `certifi.where` is pointed at the CA.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import certifi
import pytest

from fleethub import tls
from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.auth.service import HubNames
from fleethub.hub.hub import Hub
from fleethub.hub.registry.device import IdentitySpec
from fleethub.store import Store
from fleethub.transports.amqp.eventhub import PartitionReader
from fleethub.transports.amqp.peer import EventHubConfig, PeerContext
from fleethub.transports.amqp.server import AmqpServer
from fleethub.transports.mqtt import tls as mqtt_tls
from fleethub.transports.mqtt.device_calls import DeviceCalls
from fleethub.transports.mqtt.server import MqttServer
from tests.conftest import Clock

AMQPS = 5671


MQTTS = 8883


def free_loopback(ports: tuple[int, ...] = (AMQPS, MQTTS)) -> str:
    for _ in range(200):
        host = f"127.0.{random.randint(1, 254)}.{random.randint(2, 254)}"
        free = True
        for port in ports:
            with socket.socket() as probe:
                try:
                    probe.bind((host, port))
                except OSError:
                    free = False
        if free:
            return host
    raise RuntimeError(f"no loopback address with ports {ports} free")


@dataclass
class AmqpHub:
    hub: Hub
    server: AmqpServer
    host: str
    ca_path: Path
    clock: Clock

    def device_connection_string(self, device_id: str, key: str) -> str:
        return f"HostName={self.host};DeviceId={device_id};SharedAccessKey={key}"

    def readers(self) -> list[PartitionReader]:
        """The partition receivers attached right now, whose start position is resolved."""
        found = [link.node for peer in self.server.peers for link in peer.links]
        return [n for n in found if isinstance(n, PartitionReader) and n.ready.is_set()]

    def service_connection_string(self, policy: str = "iothubowner") -> str:
        key = self.hub.config.policies[policy].primary_key
        return f"HostName={self.host};SharedAccessKeyName={policy};SharedAccessKey={key}"

    def eventhub_connection_string(self, policy: str = "iothubowner") -> str:
        key = self.hub.config.policies[policy].primary_key
        name = self.server.context.eventhub.name
        return (
            f"Endpoint=sb://{self.host}/;SharedAccessKeyName={policy};"
            f"SharedAccessKey={key};EntityPath={name}"
        )

    async def create_device(self, device_id: str) -> str:
        """Register a SAS device; returns its primary key."""
        result = await self.hub.registry.put(SYSTEM, device_id, None, IdentitySpec())
        key = result.identity.auth.primary_key
        assert key is not None
        return key


@pytest.fixture
async def amqp_hub(
    hub: Hub, store: Store, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AmqpHub]:
    """AMQPS on 127.0.0.X:5671 and, for real device clients, MQTT/TLS on its :8883."""
    host = free_loopback()
    files = tls.TlsFiles.in_dir(tmp_path)
    tls.create_ca_and_server(files, [host, "localhost"])
    hub.config = dataclasses.replace(hub.config, names=HubNames.of([host, "localhost"]))
    await hub.consumer_groups.add(SYSTEM, "analytics")
    server = AmqpServer(PeerContext(hub, EventHubConfig()))
    await server.listen(host, AMQPS, tls.server_context(files))
    mqtt = MqttServer(DeviceCalls(hub, store.sessions))
    await mqtt.listen(host, MQTTS, mqtt_tls.server_context(files.server_cert, files.server_key, []))
    monkeypatch.setattr(certifi, "where", lambda: str(files.ca_cert))
    yield AmqpHub(hub, server, host, files.ca_cert, clock)
    mqtt.stop_listening()
    await server.close_all()
    await hub.connections.drain()
    # Registry batches connection states and writes them 0.2 s later in a task nobody
    # awaits (not even Hub.close): let it run while the store is still open.
    await asyncio.sleep(0.3)
