"""The raw multi-row INSERT of new identities stores exactly what the SQLAlchemy path did."""

from __future__ import annotations

from datetime import UTC, datetime

from fleethub.hub.registry.device import Authentication, Identity
from fleethub.hub.twins.twin import TwinState
from fleethub.store import Store
from fleethub.store.identity_insert import COLUMNS
from fleethub.store.schema import identities


def test_every_column_is_written() -> None:
    assert sorted(COLUMNS) == sorted(c.name for c in identities.columns)


def _full(device_id: str, module_id: str | None = None) -> Identity:
    at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    return Identity(
        device_id=device_id,
        module_id=module_id,
        generation_id="123456789012345678",
        created_time=at,
        etag_seq=3,
        status="disabled",
        status_reason="because",
        status_updated_time=at,
        connection_state="Connected",
        connection_state_updated_time=at,
        last_activity_time=None,
        c2d_count=2,
        auth=Authentication("selfSigned", None, None, "A" * 40, "B" * 40),
        iot_edge=True,
        device_scope="ms-azure-iot-edge://edge-1",
        parent_scopes=["ms-azure-iot-edge://edge-1"],
        managed_by="iotEdge" if module_id else None,
        model_id="dtmi:com:example:Thermostat;1",
        twin=TwinState(
            tags={"floor": "c", "n": 1.5, "nested": {"ok": True}},
            desired={"x": [1, None, "é"]},
            reported={},
            desired_metadata={"x": {"$lastUpdated": "2026-01-02T03:04:05.678901Z"}},
            reported_metadata={},
            desired_version=4,
            reported_version=5,
            version=6,
        ),
    )


async def test_round_trip_and_conflicts(store: Store) -> None:
    device, module = _full("d1"), _full("d1", "m1")
    assert await store.identities.create_many([device, module]) == []
    assert await store.identities.get("d1", None) == device
    assert await store.identities.get("d1", "m1") == module

    fresh = _full("d2")
    taken = await store.identities.create_many([_full("d1"), fresh, _full("d1", "m1")])
    assert taken == [("d1", None), ("d1", "m1")]
    assert await store.identities.get("d2", None) == fresh


async def test_more_rows_than_one_statement_holds(store: Store) -> None:
    many = [_full(f"dev{n:05d}") for n in range(2000)]
    assert await store.identities.create_many(many) == []
    assert (await store.identities.counts()).total == 2000
    assert await store.identities.get("dev01999", None) == many[-1]
