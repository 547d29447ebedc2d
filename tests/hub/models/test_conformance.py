"""Telemetry checked against the device's model at ingest (issue #4, item 2): the verdict is
stored with the message, invalid messages are counted, and nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.events import IdentityChanged
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import Message
from fleethub.hub.messaging.telemetry import ReadRange
from fleethub.hub.models import conformance
from fleethub.hub.models.dtdl import Validator, parse
from fleethub.hub.registry.device import IdentitySpec
from fleethub.store import Store

SEED = json.loads((Path(__file__).parent / "dtdl/thermostat_template.json").read_text())
TID = SEED["@id"]


@pytest.fixture
async def thermostat(hub: Hub, store: Store) -> str:
    await hub.models.put(SYSTEM, TID, SEED)
    await hub.registry.put(SYSTEM, "t1", None, IdentitySpec())
    await store.identities.set_model("t1", None, TID)
    return "t1"


async def ingest(
    hub: Hub, device_id: str, body: bytes, content_encoding: str | None = None
) -> str | None:
    message = Message(body, content_encoding=content_encoding)
    record = await hub.telemetry.ingest(device_id, None, message, "sas")
    return record.validation


async def test_valid_invalid_and_unmodeled_telemetry_is_all_stored(
    hub: Hub, thermostat: str
) -> None:
    assert await ingest(hub, thermostat, b'{"temperature": 21.5}') == "valid"
    assert (
        await ingest(hub, thermostat, b'{"temperature": "hot", "humidity": 3}')
        == "invalid: temperature: expected double, got string; humidity: not defined by the model"
    )
    assert await ingest(hub, thermostat, b"not json") == "invalid: body: not valid JSON"
    assert (
        await ingest(hub, thermostat, b"\x1f\x8b", content_encoding="gzip")
        == "invalid: body: encoded as 'gzip'; only UTF-8 JSON can be checked"
    )
    assert await ingest(hub, thermostat, b"{}", content_encoding="UTF-8") == "valid"
    stored = await hub.telemetry.read(SYSTEM, ReadRange(thermostat))
    assert [r.validation.split(":")[0] for r in stored if r.validation] == [
        "valid",
        "invalid",
        "invalid",
        "invalid",
        "valid",
    ]
    counts = hub.conformance.counts(thermostat)
    assert (counts.messages, counts.invalid) == (5, 3)
    assert counts.last_reasons == ["body: encoded as 'gzip'; only UTF-8 JSON can be checked"]


async def test_a_device_without_a_model_gets_no_verdict(hub: Hub) -> None:
    await hub.registry.put(SYSTEM, "plain", None, IdentitySpec())
    assert await ingest(hub, "plain", b'{"anything": 1}') is None
    assert hub.conformance.counts("plain").messages == 0


async def test_a_model_missing_from_the_catalogue_gets_no_verdict(hub: Hub, store: Store) -> None:
    await hub.registry.put(SYSTEM, "d", None, IdentitySpec())
    await store.identities.set_model("d", None, "dtmi:not:there;1")
    assert await ingest(hub, "d", b"{}") is None


async def test_model_changes_are_seen(hub: Hub, store: Store, thermostat: str) -> None:
    assert await ingest(hub, thermostat, b'{"x": 1}') == "invalid: x: not defined by the model"
    await store.identities.set_model(thermostat, None, None)
    assert await ingest(hub, thermostat, b'{"x": 1}') != "valid"  # cached for MODEL_TTL
    hub.conformance.forget(thermostat)
    assert await ingest(hub, thermostat, b'{"x": 1}') is None


async def test_the_cache_expires(
    hub: Hub, store: Store, thermostat: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await ingest(hub, thermostat, b"{}") == "valid"
    await store.identities.set_model(thermostat, None, None)
    monkeypatch.setattr(conformance, "MODEL_TTL", 0.0)
    assert await ingest(hub, thermostat, b"{}") is None


async def test_deleting_the_device_drops_its_counts(hub: Hub, thermostat: str) -> None:
    await ingest(hub, thermostat, b'{"temperature": "x"}')
    assert hub.conformance.counts(thermostat).invalid == 1
    await hub.registry.delete(SYSTEM, thermostat, None, None)
    assert hub.conformance.counts(thermostat).invalid == 0
    await hub.conformance.identities_changed([IdentityChanged(thermostat, "m", "deleted", False)])


async def test_a_failing_model_lookup_never_loses_the_message(
    hub: Hub, thermostat: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(device_id: str, module_id: str | None) -> None:
        raise ConnectionError("store down")

    hub.conformance.forget(thermostat)
    monkeypatch.setattr(hub.conformance, "model_of", broken)
    assert await ingest(hub, thermostat, b'{"temperature": "x"}') is None


def test_telemetry_reasons_for_components() -> None:
    document = {
        "@context": "dtmi:dtdl:context;2",
        "@id": "dtmi:com:example:Root;1",
        "@type": "Interface",
        "contents": [
            {
                "@type": "Component",
                "name": "thermo",
                "schema": {
                    "@id": "dtmi:com:example:T;1",
                    "@type": "Interface",
                    "contents": [{"@type": "Telemetry", "name": "t", "schema": "double"}],
                },
            }
        ],
    }
    validator = Validator(parse(document).root)
    ok = Message(b'{"t": 1.0}', component="thermo")
    assert conformance.telemetry_reasons(validator, ok) == []
    root = Message(b'{"t": 1.0}')
    assert conformance.telemetry_reasons(validator, root) == ["t: not defined by the model"]


async def test_offered_telemetry_carries_the_cached_verdict(hub: Hub, thermostat: str) -> None:
    """`Telemetry.offer` (MQTT's hot path) never awaits: it refuses until the model is cached,
    then stores the same verdict `ingest` would, counted once."""
    settled: list[BaseException | None] = []
    message = Message(b'{"temperature": "hot"}')
    with pytest.raises(LookupError):
        hub.conformance.cached_verdict(thermostat, None, message)
    assert not hub.telemetry.offer(thermostat, None, message, "sas", False, settled.append)

    assert await ingest(hub, thermostat, b'{"temperature": 21.5}') == "valid"  # warms the cache
    assert hub.telemetry.offer(thermostat, None, message, "sas", False, settled.append)
    await hub.telemetry.ingest(thermostat, None, Message(b"{}"), "sas")  # a later commit
    assert settled == [None]
    stored = await hub.telemetry.read(SYSTEM, ReadRange(thermostat))
    assert [r.validation for r in stored] == [
        "valid",
        "invalid: temperature: expected double, got string",
        "valid",
    ]
    assert hub.conformance.counts(thermostat).messages == 3
