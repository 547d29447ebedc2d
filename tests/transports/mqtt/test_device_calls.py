"""DeviceCalls, what the MQTT sessions ask of the hub: CONNECT's authentication."""

from __future__ import annotations

import base64

import pytest

from fleethub.hub.auth import sas
from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import Message
from fleethub.hub.registry.device import Authentication, IdentitySpec
from fleethub.store import Store
from fleethub.transports.mqtt.device_calls import DeviceCalls
from fleethub.transports.mqtt.packets import Connect

KEY = base64.b64encode(b"k" * 32).decode()
SECONDARY = base64.b64encode(b"s" * 32).decode()


async def test_a_connect_leaves_the_devices_model_known_to_the_telemetry_path(
    hub: Hub, store: Store
) -> None:
    """Its first message is checked without a lookup: a thousand devices reconnecting at
    once used to send a thousand lookups down the slow path with their first messages."""
    await hub.registry.put(
        SYSTEM, "d1", None, IdentitySpec(auth=Authentication("sas", KEY, SECONDARY))
    )
    message = Message(b'{"temperature": 21.5}')
    with pytest.raises(LookupError):
        hub.conformance.cached_verdict("d1", None, message)
    token = sas.build("localhost/devices/d1", KEY, int(hub.clock()) + 3600)
    connect = Connect("d1", 60, False, "localhost/d1/?api-version=2021-04-12", token.encode())

    login = await DeviceCalls(hub, store.sessions).authenticate(connect, None)

    assert login.identity.device_id == "d1"
    assert hub.conformance.cached_verdict("d1", None, message) is None  # no model: unchecked
    assert hub.telemetry.offer("d1", None, message, "sas", False, lambda error: None)
