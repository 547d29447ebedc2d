"""A device that never saw its PUBACK (the node died after the commit) publishes again with
DUP set; the hub acknowledges the resend without storing the message twice (#9)."""

from __future__ import annotations

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import Message
from fleethub.hub.messaging.telemetry import ReadRange


async def stored(hub: Hub, device_id: str) -> list[bytes]:
    records = await hub.telemetry.read(SYSTEM, ReadRange(device_id=device_id, limit=100))
    return [r.message.body for r in records]


async def test_a_resend_of_a_stored_message_is_not_stored_twice(hub: Hub) -> None:
    await hub.telemetry.ingest("dev1", None, Message(b"m1", message_id="m1"), "sas")
    await hub.telemetry.ingest("dev1", None, Message(b"m1", message_id="m1"), "sas", resent=True)

    assert await stored(hub, "dev1") == [b"m1"]


async def test_a_resend_never_stored_before_is_stored(hub: Hub) -> None:
    await hub.telemetry.ingest("dev1", None, Message(b"m2", message_id="m2"), "sas", resent=True)

    assert await stored(hub, "dev1") == [b"m2"]


async def test_a_first_send_reusing_a_message_id_is_kept_as_azure_keeps_it(hub: Hub) -> None:
    await hub.telemetry.ingest("dev1", None, Message(b"a", message_id="same"), "sas")
    await hub.telemetry.ingest("dev1", None, Message(b"b", message_id="same"), "sas")

    assert await stored(hub, "dev1") == [b"a", b"b"]


async def test_resends_are_matched_per_identity(hub: Hub) -> None:
    await hub.telemetry.ingest("dev1", None, Message(b"x", message_id="m1"), "sas")
    await hub.telemetry.ingest("dev1", "mod", Message(b"y", message_id="m1"), "sas", resent=True)
    await hub.telemetry.ingest("dev2", None, Message(b"z", message_id="m1"), "sas", resent=True)

    assert await stored(hub, "dev1") == [b"x", b"y"]
    assert await stored(hub, "dev2") == [b"z"]
