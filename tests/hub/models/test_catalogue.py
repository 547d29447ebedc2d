"""The model catalogue on both stores: writes validated, ETags, in-use protection, listing
with filter/order/paging, and the validator cache the telemetry hot path relies on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fleethub.hub.auth.principal import SYSTEM, Permission, Principal
from fleethub.hub.errors import (
    ArgumentInvalid,
    FilterInvalid,
    Forbidden,
    ModelInUse,
    ModelInvalid,
    ModelNotFound,
    PreconditionFailed,
)
from fleethub.hub.hub import Hub
from fleethub.hub.models import catalogue as catalogue_module
from fleethub.hub.models.catalogue import ModelQuery
from fleethub.hub.registry.device import IdentitySpec
from fleethub.store import Store

SEED = json.loads((Path(__file__).parent / "dtdl/thermostat_template.json").read_text())
TID = SEED["@id"]
READER = Principal("reader", Permission.REGISTRY_READ)


def template(template_id: str = TID, name: str = "Thermostat") -> dict[str, Any]:
    return {**json.loads(json.dumps(SEED)), "@id": template_id, "displayName": name}


async def test_put_get_and_replace(hub: Hub) -> None:
    created, new = await hub.models.put(SYSTEM, TID, template())
    assert new is True
    assert created.capability_model_id == "dtmi:contoso:Thermostat;1"
    assert created.display_name == "Thermostat"
    assert (await hub.models.get(READER, TID)).etag == created.etag
    replaced, new = await hub.models.put(SYSTEM, TID, template(name="Renamed"))
    assert new is False
    assert replaced.etag != created.etag
    assert replaced.created_time == created.created_time
    with pytest.raises(PreconditionFailed):
        await hub.models.put(SYSTEM, TID, template(), if_match=created.etag)
    again, _ = await hub.models.put(SYSTEM, TID, template(), if_match=replaced.etag)
    assert again.display_name == "Thermostat"


async def test_put_rules(hub: Hub) -> None:
    with pytest.raises(ArgumentInvalid, match="does not match"):
        await hub.models.put(SYSTEM, "dtmi:other;1", template())
    with pytest.raises(ArgumentInvalid, match="not a DTMI"):
        await hub.models.put(SYSTEM, "thermostat", template("thermostat"))
    with pytest.raises(PreconditionFailed):
        await hub.models.put(SYSTEM, TID, template(), if_match='"~nope"')
    broken = template()
    broken["capabilityModel"]["contents"][0]["schema"] = "decimal"
    with pytest.raises(ModelInvalid) as invalid:
        await hub.models.put(SYSTEM, TID, broken)
    assert invalid.value.reasons
    assert "contents[0].schema" in invalid.value.reasons[0]
    without_id = template()
    del without_id["@id"]
    record, _ = await hub.models.put(SYSTEM, TID, without_id)
    assert record.document["@id"] == TID
    with pytest.raises(Forbidden):
        await hub.models.put(READER, TID, template())


async def test_a_plain_interface_is_a_model_too(hub: Hub) -> None:
    interface = {
        "@context": "dtmi:dtdl:context;2",
        "@id": "dtmi:com:example:Plain;1",
        "@type": "Interface",
        "contents": [{"@type": "Telemetry", "name": "t", "schema": "double"}],
    }
    record, _ = await hub.models.put(SYSTEM, "dtmi:com:example:Plain;1", interface)
    assert record.capability_model_id == "dtmi:com:example:Plain;1"
    assert record.document == interface


async def test_oversized_documents_are_refused(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue_module, "MAX_DOCUMENT_BYTES", 100)
    with pytest.raises(ModelInvalid, match="at most 100 bytes"):
        await hub.models.put(SYSTEM, TID, template())


async def test_patch_merges_and_revalidates(hub: Hub) -> None:
    created, _ = await hub.models.put(SYSTEM, TID, template())
    patched = await hub.models.patch(SYSTEM, TID, {"displayName": "New", "etag": "ignored"})
    assert patched.display_name == "New"
    assert patched.document["capabilityModel"] == created.document["capabilityModel"]
    with pytest.raises(ModelInvalid):
        await hub.models.patch(SYSTEM, TID, {"capabilityModel": {"contents": [{"@type": "X"}]}})
    with pytest.raises(ArgumentInvalid, match="cannot change"):
        await hub.models.patch(SYSTEM, TID, {"@id": "dtmi:x;1"})
    with pytest.raises(PreconditionFailed):
        await hub.models.patch(SYSTEM, TID, {"displayName": "x"}, if_match=created.etag)
    with pytest.raises(ModelNotFound):
        await hub.models.patch(SYSTEM, "dtmi:missing;1", {})


async def test_delete_is_refused_while_devices_use_the_model(hub: Hub, store: Store) -> None:
    record, _ = await hub.models.put(SYSTEM, TID, template())
    await hub.registry.put(SYSTEM, "d1", None, IdentitySpec())
    assert await store.identities.set_model("d1", None, TID)
    with pytest.raises(ModelInUse, match="1 device"):
        await hub.models.delete(SYSTEM, TID)
    await hub.registry.delete(SYSTEM, "d1", None, None)
    with pytest.raises(PreconditionFailed):
        await hub.models.delete(SYSTEM, TID, if_match='"~stale"')
    await hub.models.delete(SYSTEM, TID, if_match=record.etag)
    with pytest.raises(ModelNotFound):
        await hub.models.delete(SYSTEM, TID)
    assert await hub.models.find(TID) is None


async def test_list_filters_orders_and_pages(hub: Hub) -> None:
    names = ["Vehicle Thermostat", "aircon thermostat", "Room Thermostat", "Boiler"]
    for index, name in enumerate(names):
        await hub.models.put(SYSTEM, f"dtmi:t:n{index};1", template(f"dtmi:t:n{index};1", name))

    async def listed(**query: Any) -> list[str | None]:
        page = await hub.models.list(READER, ModelQuery(**query))
        return [m.display_name for m in page.models]

    assert await listed() == names  # by @id
    assert await listed(orderby="displayName") == [
        "aircon thermostat",
        "Boiler",
        "Room Thermostat",
        "Vehicle Thermostat",
    ]
    assert (await listed(orderby="displayName desc"))[0] == "Vehicle Thermostat"
    filtered = await listed(filter="contains(displayName, 'THERMO')", orderby="displayName")
    assert filtered == ["aircon thermostat", "Room Thermostat", "Vehicle Thermostat"]
    first = await hub.models.list(READER, ModelQuery(orderby="displayName", top=3))
    assert first.next_skip == 3
    rest = await hub.models.list(READER, ModelQuery(orderby="displayName", skip=3, top=3))
    assert [m.display_name for m in rest.models] == ["Vehicle Thermostat"]
    assert rest.next_skip is None
    assert await listed(filter="'@id' eq 'dtmi:t:n3;1'") == ["Boiler"]
    with pytest.raises(FilterInvalid, match="not supported"):
        await listed(filter="startswith(displayName, 'a')")
    with pytest.raises(FilterInvalid, match="only on displayName"):
        await listed(orderby="@id")


async def test_validators_are_cached_and_dropped_on_change(hub: Hub) -> None:
    assert await hub.models.validator(TID) is None  # not in the catalogue (cached too)
    await hub.models.put(SYSTEM, TID, template())
    first = await hub.models.validator(TID)
    assert first is not None
    assert await hub.models.validator(TID) is first
    await hub.models.patch(SYSTEM, TID, {"displayName": "Changed"})
    second = await hub.models.validator(TID)
    assert second is not None
    assert second is not first
    assert second.telemetry({"temperature": 1.5}).ok
