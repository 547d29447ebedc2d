"""The query compiler against real SQLite and PostgreSQL: every case must return exactly what
hub/query/match.py says for the same twins (IoT Hub query language, twin queries)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from fleethub.hub.query import UnsupportedQuery, format_time, parse, run
from fleethub.store.query_sql import compile_query, compile_where, paged, paged_rows
from fleethub.store.schema import identities, metadata

# Async tests share the module's event loop with the module-scoped database fixture.
on_module_loop = pytest.mark.asyncio(loop_scope="module")

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
T0 = datetime(2024, 5, 7, 0, 50, 38, 54309, tzinfo=UTC)
HOSTILE = "'; DROP TABLE identities; --"
# As store/sqlite.py and store/postgres.py do. It also matters for correctness: SQLite's JSON
# path lookup does not decode \u escapes in stored keys, and orjson writes none.
JSON_ARGS: dict[str, Any] = {
    "json_serializer": lambda value: orjson.dumps(value).decode(),
    "json_deserializer": orjson.loads,
}


def _row(device_id: str, module_id: str = "", **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "device_id": device_id,
        "module_id": module_id,
        "generation_id": "g",
        "status": "enabled",
        "status_reason": None,
        "status_updated_time": None,
        "connection_state": "Disconnected",
        "last_activity_time": None,
        "c2d_count": 0,
        "auth_type": "sas",
        "primary_thumbprint": None,
        "secondary_thumbprint": None,
        "iot_edge": False,
        "device_scope": None,
        "parent_scopes": [],
        "model_id": None,
        "created_time": T0,
        "tags": {},
        "desired": {},
        "reported": {},
        "desired_metadata": {"$lastUpdated": "2024-05-07T00:00:00Z"},
        "reported_metadata": {"$lastUpdated": "2024-05-07T00:00:00Z"},
        "desired_version": 1,
        "reported_version": 1,
        "twin_version": 1,
    }
    row.update(values)
    return row


ROWS = [
    _row(
        "d01",
        tags={"location": {"region": "US", "plant": "Redmond43"}, "floor": 3, "flag": True},
        reported={"temp": 21.5, "connectivity": {"type": "cellular"}, "status": "Success"},
        connection_state="Connected",
        last_activity_time=T0,
        model_id="dtmi:x;1",
    ),
    _row(
        "d02",
        tags={"location": {"region": "EU"}, "floor": "3", "flag": "true"},
        reported={"temp": 19, "status": "Pending"},
        status="disabled",
        status_reason="maintenance",
        status_updated_time=T0 - timedelta(days=400),
    ),
    _row(
        "d03",
        tags={"location": {"region": None}, "floor": 3.0, "flag": False},
        reported={"temp": "hot", "status": "Success"},
        last_activity_time=T0 - timedelta(days=800),
    ),
    _row("d04"),
    _row(
        "d05",
        tags={"location": "US"},
        reported={"temp": None},
        iot_edge=True,
        device_scope="ms-azure-iot-edge://d05-1",
    ),
    _row(
        "d06",
        tags={
            "floor": -1,
            "flag": 1,
            "list": [1, 2, 3],
            "a b": 1,
            "x.y": 2,
            "größe": 5,
            "日本": "東京",
        },
        reported={"temp": 1e3},
    ),
    _row(
        "d07",
        tags={"floor": 10, "name": "Alpha"},
        reported={"status": "Error"},
        model_id="dtmi:y;1",
        status_updated_time=T0 - timedelta(days=1),
        last_activity_time=T0 + timedelta(seconds=1),
        c2d_count=4,
        auth_type="selfSigned",
        primary_thumbprint="ABC",
    ),
    _row(
        "d08",
        tags={"name": "alpha", "floor": 2},
        desired={"telemetryConfig": {"sendFrequencyInSecs": 300}},
        desired_metadata={"$lastUpdated": "2024-05-08T00:00:00Z", "telemetryConfig": {}},
        desired_version=4,
        twin_version=7,
    ),
    _row("d09", tags={"name": "Ålpha", "floor": 2.5, "nested": {"deep": {"deeper": {"v": "x"}}}}),
    _row("d10", tags={"name": "beta", "floor": 100000000000}, reported={"temp": 21.5}),
    _row(
        "d11",
        tags={"name": "", "group": "g1", "count": 1},
        device_scope="scope",
        parent_scopes=["p1"],
    ),
    _row("d12", tags={"name": "it's", "x": HOSTILE}),
    _row("d13", tags={"name": 'say "hi"', "region": "US"}, connection_state="Connected"),
    _row("d14", tags={"val": True}, reported={"val": True}),
    _row("d15", tags={"val": 1}, reported={"val": 1.0}),
    _row("d16", tags={"val": "1"}, reported={"val": 1}),
    _row("d17", tags={"val": None}),
    _row("d01", "m1", tags={"role": "sensor"}, reported={"status": "scanning"}),
    _row("d01", "m2", tags={"role": "gateway"}, reported={"status": "idle"}, status="disabled"),
    _row(
        "d02", "m1", tags={"role": "sensor"}, reported={"status": "scanning"}, model_id="dtmi:m;1"
    ),
]


def _doc(row: dict[str, Any]) -> dict[str, Any]:
    """The twin as api/iothub/wire.twin_json renders it (checked by a test below)."""
    doc: dict[str, Any] = {"deviceId": row["device_id"]}
    if row["module_id"]:
        doc["moduleId"] = row["module_id"]
    doc.update(
        etag=_etag(row["twin_version"]),
        status=row["status"],
        statusReason=row["status_reason"],
        statusUpdateTime=format_time(row["status_updated_time"]),
        connectionState=row["connection_state"],
        lastActivityTime=format_time(row["last_activity_time"]),
        cloudToDeviceMessageCount=row["c2d_count"],
        authenticationType=row["auth_type"],
        x509Thumbprint={
            "primaryThumbprint": row["primary_thumbprint"],
            "secondaryThumbprint": row["secondary_thumbprint"],
        },
        modelId=row["model_id"] or "",
        version=row["twin_version"],
        tags=row["tags"],
        properties={
            section: {
                **row[section],
                "$metadata": row[f"{section}_metadata"],
                "$version": row[f"{section}_version"],
            }
            for section in ("desired", "reported")
        },
        capabilities={"iotEdge": row["iot_edge"]},
    )
    if row["device_scope"]:
        doc["deviceScope"] = row["device_scope"]
        doc["parentScopes"] = row["parent_scopes"]
    return doc


def _etag(version: int) -> str:
    import base64

    return base64.b64encode(version.to_bytes(8, "big")).decode()


DOCS = {
    "devices": [_doc(r) for r in ROWS if not r["module_id"]],
    "devices.modules": [_doc(r) for r in ROWS if r["module_id"]],
}

W = "SELECT * FROM devices WHERE "
CONDITIONS = [
    # comparisons, types and undefined
    "tags.location.region = 'US'",
    "tags.location.region != 'US'",
    "tags.location.region <> 'US'",
    "NOT (tags.location.region = 'US')",
    "tags.location = 'US'",
    "tags.floor = 3",
    "tags.floor > 2",
    "tags.floor >= 2",
    "tags.floor < 3",
    "tags.floor <= 2.5",
    "tags.floor > -1e1",
    "tags.floor != 3",
    "tags.flag = true",
    "tags.flag = false",
    "tags.flag < true",
    "tags.flag",
    "NOT tags.flag",
    "tags.val = 1",
    "tags.val = true",
    "tags.val = '1'",
    "tags.val = null",
    "tags.val <= null",
    "tags.val < null",
    "tags.val != null",
    "properties.reported.val = tags.val",
    "properties.reported.val != tags.val",
    "tags.val >= properties.reported.val",
    "properties.reported.temp > tags.floor",
    "tags.name > 'alpha'",
    "tags.name < 'b'",
    "tags.name >= ''",
    "tags.name = 'it\\'s'",
    'tags.name = "say \\"hi\\""',
    "tags.nested.deep.deeper.v = 'x'",
    "tags.nested.deep = 'x'",
    "tags.missing = tags.missing2",
    "NOT (tags.missing = 1)",
    "NOT NOT (tags.floor = 3)",
    "tags.floor = 3 OR tags.missing = 1",
    "NOT (tags.floor = 3 AND tags.missing = 1)",
    "NOT (tags.floor = 3 OR tags.missing = 1)",
    "tags.floor = 3 OR tags.name = 'beta'",
    "tags.floor = 3 AND NOT tags.flag",
    "(tags.floor > 1 AND tags.floor < 5) OR NOT is_defined(tags.floor)",
    "true",
    "false",
    "1 = 1",
    "'a' < 'b'",
    "null = null",
    "1 = '1'",
    # IN / NIN
    "tags.location.region IN ['US', 'EU']",
    "tags.location.region NIN ['US']",
    "tags.floor IN [3, '3', true]",
    "tags.floor NIN [3, '3', true]",
    "tags.val IN [null]",
    "tags.val NIN [null]",
    "tags.floor IN []",
    "tags.floor NIN []",
    "tags.location IN ['US']",
    "NOT (tags.location.region IN ['EU'])",
    "deviceId IN ['d01', 'd02', 'nope']",
    "status IN ['disabled']",
    "status NIN ['disabled']",
    "status IN [1, true, null]",
    "statusReason IN ['maintenance', null]",
    "statusReason NIN ['maintenance']",
    "modelId IN ['']",
    "modelId NIN ['dtmi:x;1']",
    "moduleId NIN ['m1']",
    "deviceScope NIN ['x']",
    "capabilities.iotEdge IN [true]",
    "version IN [7, 1.0]",
    "tags.name IN [1, true]",
    "tags.name NIN [1.5, false]",
    "tags.flag IN [1, false]",
    # functions
    "is_defined(tags.location)",
    "NOT is_defined(tags.location)",
    "is_defined(tags.location.region)",
    "is_null(tags.location.region)",
    "is_string(tags.floor)",
    "is_number(tags.floor)",
    "is_bool(tags.flag)",
    "is_object(tags.location)",
    "is_array(tags.list)",
    "is_primitive(tags.location)",
    "NOT is_primitive(tags.val)",
    "is_defined(statusReason)",
    "is_null(statusReason)",
    "is_string(statusReason)",
    "is_defined(moduleId)",
    "is_defined(deviceScope)",
    "is_defined(parentScopes)",
    "is_array(parentScopes)",
    "is_object(properties.desired)",
    "is_defined(properties.desired.$version)",
    "is_number(properties.desired.$version)",
    "is_object(capabilities)",
    "is_defined(tags)",
    "is_object(tags)",
    "is_defined(nosuch)",
    "IS_BOOL(capabilities.iotEdge)",
    "is_string(lastActivityTime)",
    "is_string('x')",
    "startswith(tags.name, 'al')",
    "startswith(tags.name, '')",
    "endswith(tags.name, 'pha')",
    "contains(tags.name, 'lph')",
    "NOT contains(tags.name, 'a')",
    "startswith(tags.floor, '3')",
    "startswith(deviceId, 'd0')",
    "endswith(deviceId, '1')",
    "endswith(deviceId, 'longer than any id')",
    "contains(status, 'able')",
    "startswith(statusReason, 'main')",
    "NOT startswith(statusReason, 'x')",
    "endswith(tags.name, 'hi\"')",
    "contains(tags.x, 'DROP')",
    "contains(tags.[[日本]], '京')",
    "startswith('abc', 'ab')",
    # system fields
    "status = 'enabled'",
    "status = 'Enabled'",
    "Status = 'enabled' AND ConnectionState = 'Connected'",
    "DeviceId = 'd01'",
    "deviceId > 'd09'",
    "capabilities.iotEdge = true",
    "capabilities.iotEdge",
    "NOT capabilities.iotEdge",
    "Capabilities.IotEdge = false",
    "version > 1",
    "version = 7",
    "properties.desired.$version = 4",
    "properties.reported.$version >= 1",
    "cloudToDeviceMessageCount > 0",
    "authenticationType = 'selfSigned'",
    "x509Thumbprint.primaryThumbprint = 'ABC'",
    "x509Thumbprint.primaryThumbprint = null",
    "x509Thumbprint.primaryThumbprint != 'ABC'",
    "modelId = ''",
    "modelId = 'dtmi:x;1'",
    "'dtmi:x;1' = modelId",
    "NOT (modelId = 'dtmi:x;1')",
    "NOT modelId = 'dtmi:x;1' OR deviceId = 'd01'",
    "modelId > 'dtmi'",
    "deviceScope = 'scope'",
    "statusReason = 'maintenance'",
    "statusReason != 'maintenance'",
    "statusReason = null",
    "statusReason = tags.missing",
    "lastActivityTime > '2024-01-01'",
    "lastActivityTime < '2024-01-01'",
    "lastActivityTime = '0001-01-01T00:00:00Z'",
    "lastActivityTime = '2024-05-07T00:50:38.054309Z'",
    "lastActivityTime >= '2024-05-07T02:50:38.054309+02:00'",
    "statusUpdateTime < lastActivityTime",
    "lastActivityTime IN ['2024-05-07T00:50:38.054309Z', 'garbage', 3]",
    "lastActivityTime NIN ['2024-05-07T00:50:38.054309Z']",
    "lastActivityTime > 5",
    "lastActivityTime > 'garbage'",
    "NOT (lastActivityTime > 'garbage')",
    "properties.desired.telemetryConfig.sendFrequencyInSecs >= 60",
    "properties.reported.connectivity.type = 'cellular'",
    "properties.reported.temp > 20",
    "properties.reported.temp = 'hot'",
    "properties.reported.temp = null",
    "properties.desired.$metadata.$lastUpdated > '2024-05-07T12'",
    "is_defined(properties.desired.$metadata.telemetryConfig)",
    "properties.other = 1",
    "parentScopes = 'p1'",
    # names that need escaping, unicode, keywords as names
    "tags.[[a b]] = 1",
    "tags.[[x.y]] = 2",
    "tags.[[größe]] = 5",
    "tags.[[日本]] = '東京'",
    "tags.[[group]] = 'g1'",
    "tags.group = 'g1'",
    "tags.count = 1",
]
CASES = [
    "SELECT * FROM devices",
    "SELECT * FROM devices.modules",
    *(W + condition for condition in CONDITIONS),
    "SELECT * FROM devices.modules WHERE properties.reported.status = 'scanning'"
    " AND deviceId IN ['d01']",
    "SELECT * FROM devices.modules WHERE moduleId = 'm2'",
    "SELECT * FROM devices.modules WHERE is_defined(moduleId) AND modelId = ''",
    # projections
    "SELECT deviceId, tags.location.region AS region FROM devices",
    "SELECT DeviceId, LastActivityTime FROM devices WHERE status = 'enabled'",
    "SELECT tags, properties.reported.temp FROM devices",
    "SELECT properties.desired FROM devices",
    "SELECT properties FROM devices WHERE deviceId = 'd08'",
    "SELECT capabilities, x509Thumbprint FROM devices",
    "SELECT etag, version, modelId, statusReason, deviceScope, parentScopes FROM devices",
    "SELECT moduleId, deviceId FROM devices.modules",
    "SELECT moduleId FROM devices",
    "SELECT tags.val AS v, tags.list AS l, tags.nested AS n FROM devices",
    "SELECT statusUpdateTime, cloudToDeviceMessageCount, authenticationType,"
    " connectionState, status FROM devices",
    "SELECT tags.nope FROM devices",
    "SELECT properties.desired.$version AS dv, properties.reported.$metadata AS rm FROM devices",
    "SELECT tags.[[a b]] AS [[the a b]], tags.[[日本]] AS jp FROM devices",
    # aggregates
    "SELECT COUNT() AS n FROM devices",
    "SELECT COUNT() AS n FROM devices WHERE tags.nope = 1",
    "SELECT COUNT() AS n FROM devices.modules",
    "SELECT status, COUNT() AS n FROM devices GROUP BY status",
    "SELECT properties.reported.status AS s, COUNT() AS n FROM devices"
    " GROUP BY properties.reported.status",
    "SELECT tags.val AS v, COUNT() AS n FROM devices GROUP BY tags.val",
    "SELECT properties.reported.val AS v, COUNT() AS n FROM devices"
    " GROUP BY properties.reported.val",
    "SELECT tags.location AS l, COUNT() AS n FROM devices GROUP BY tags.location",
    "SELECT tags.floor AS f, COUNT() AS n FROM devices GROUP BY tags.floor",
    "SELECT COUNT() AS n, modelId FROM devices GROUP BY modelId",
    "SELECT capabilities.iotEdge AS edge, COUNT() AS n FROM devices GROUP BY capabilities.iotEdge",
    "SELECT lastActivityTime, COUNT() AS n FROM devices GROUP BY lastActivityTime",
    "SELECT statusReason, COUNT() AS n FROM devices GROUP BY statusReason",
    "SELECT COUNT() AS n FROM devices GROUP BY tags.floor",
    "SELECT deviceId FROM devices.modules GROUP BY deviceId",
    "SELECT COUNT() AS n FROM devices.modules GROUP BY deviceId, tags.role",
    "SELECT moduleId, COUNT() AS n FROM devices GROUP BY moduleId",
    "SELECT tags.nope AS x, COUNT() AS n FROM devices GROUP BY tags.nope",
    "SELECT parentScopes AS p, COUNT() AS n FROM devices GROUP BY parentScopes",
    "SELECT deviceScope AS s, COUNT() AS n FROM devices WHERE tags.floor > 0 GROUP BY deviceScope",
]


# -- fixtures: one database per dialect per module (per xdist worker) -------------------------


async def _seed(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(identities.insert(), ROWS)


@pytest_asyncio.fixture(
    scope="module",
    loop_scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
async def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("query") / "hub.db"
        sqlite_engine = create_async_engine(f"sqlite+aiosqlite:///{path}", **JSON_ARGS)
        await _seed(sqlite_engine)
        yield sqlite_engine
        await sqlite_engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex}"
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    pg_engine = create_async_engine(
        PG_URL, connect_args={"server_settings": {"search_path": schema}}, **JSON_ARGS
    )
    try:
        await _seed(pg_engine)
        yield pg_engine
    finally:
        await pg_engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def _fetch(engine: AsyncEngine, statement: sa.Select[Any]) -> list[sa.Row[Any]]:
    async with engine.connect() as conn:
        return list((await conn.execute(statement)).all())


def _canonical(value: Any) -> Any:
    """JSON equality: 1 and 1.0 are the same number (a group may show either)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _bag(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(_canonical(r), sort_keys=True) for r in rows)


def _key(doc: dict[str, Any]) -> tuple[str, str]:
    return doc["deviceId"], doc.get("moduleId", "")


async def _agree(engine: AsyncEngine, text: str) -> list[Any]:
    query = parse(text)
    compiled = compile_query(query, engine.dialect.name)
    found = await _fetch(engine, compiled.statement)
    expected = run(query, DOCS[query.source])
    if compiled.kind == "twins":
        keys = [(r.device_id, r.module_id) for r in found]
        assert sorted(keys) == sorted(_key(d) for d in expected), text
        return keys
    rows = [compiled.decode_row(r) for r in found]
    assert _bag(rows) == _bag(expected), text
    return rows


# -- tests -------------------------------------------------------------------------------------


@on_module_loop
@pytest.mark.parametrize("text", CASES)
async def test_sql_returns_what_the_in_memory_evaluator_says(engine: AsyncEngine, text: str):
    await _agree(engine, text)


@on_module_loop
async def test_the_cases_are_not_vacuous(engine: AsyncEngine):
    keys = await _agree(engine, W + "tags.floor = 3")
    assert sorted(keys) == [("d01", ""), ("d03", "")]
    rows = await _agree(engine, "SELECT status, COUNT() AS n FROM devices GROUP BY status")
    assert sorted(rows, key=lambda r: r["status"]) == [
        {"status": "disabled", "n": 1},
        {"status": "enabled", "n": 16},
    ]
    keys = await _agree(engine, W + "NOT (tags.location.region = 'US')")
    assert sorted(keys) == [("d02", "")]  # undefined stays undefined under NOT
    rows = await _agree(engine, "SELECT tags.val AS v, COUNT() AS n FROM devices GROUP BY tags.val")
    for group in ({"v": True, "n": 1}, {"v": None, "n": 1}, {"n": 13}):
        assert group in rows


@on_module_loop
async def test_keyset_pages_cover_every_twin_once_in_order(engine: AsyncEngine):
    compiled = compile_query(parse("SELECT * FROM devices.modules WHERE true"), engine.dialect.name)
    everything = [(r.device_id, r.module_id) for r in await _fetch(engine, compiled.statement)]
    pages: list[tuple[str, str]] = []
    after: tuple[str, str] | None = None
    while True:
        page = await _fetch(engine, paged(compiled.statement, after, 2))
        pages.extend((r.device_id, r.module_id) for r in page)
        if len(page) < 2:
            break
        after = pages[-1]
    assert pages == everything == [("d01", "m1"), ("d01", "m2"), ("d02", "m1")]


@on_module_loop
async def test_offset_pages_of_groups_are_stable(engine: AsyncEngine):
    text = "SELECT tags.floor AS f, COUNT() AS n FROM devices GROUP BY tags.floor"
    compiled = compile_query(parse(text), engine.dialect.name)
    whole = [compiled.decode_row(r) for r in await _fetch(engine, compiled.statement)]
    paged_through: list[dict[str, Any]] = []
    for offset in range(0, len(whole), 3):
        page = await _fetch(engine, paged_rows(compiled.statement, offset, 3))
        paged_through.extend(compiled.decode_row(r) for r in page)
    assert paged_through == whole


@on_module_loop
@pytest.mark.parametrize(
    "text",
    [
        W + f"tags.x = '{HOSTILE.replace(chr(39), chr(92) + chr(39))}'",
        W + "tags.[[x'); DROP TABLE identities; --]] = 1",
        W + f'startswith(tags.x, "{HOSTILE}")',
        W + f"deviceId IN ['{HOSTILE.replace(chr(39), chr(92) + chr(39))}', 'd01']",
        "SELECT tags.x AS [[" + HOSTILE + "]] FROM devices",  # noqa: S608 - query text for parse()
    ],
)
async def test_hostile_text_is_bound_never_spliced(engine: AsyncEngine, text: str):
    statement = compile_query(parse(text), engine.dialect.name).statement
    assert "DROP" not in str(statement.compile(dialect=engine.dialect))
    await _agree(engine, text)
    assert len(await _fetch(engine, sa.select(identities.c.device_id))) == len(ROWS)


@on_module_loop
async def test_hostile_value_matches_exactly(engine: AsyncEngine):
    escaped = HOSTILE.replace("'", "\\'")
    assert await _agree(engine, W + f"tags.x = '{escaped}'") == [("d12", "")]


@pytest.mark.parametrize(
    "text",
    [
        W + "etag = 'AAAAAAAAAAE='",
        W + "deviceEtag = 'x'",
        "SELECT etag, COUNT() AS n FROM devices GROUP BY etag",
        "SELECT properties AS p, COUNT() AS n FROM devices GROUP BY properties",
        "SELECT deviceEtag FROM devices",
        W + "startswith(lastActivityTime, '2024')",
        W + "lastActivityTime = tags.t",
    ],
)
def test_unsupported_queries_say_so(text: str):
    for dialect in ("sqlite", "postgresql"):
        with pytest.raises(UnsupportedQuery):
            compile_query(parse(text), dialect)


def test_sqlite_cannot_address_keys_with_double_quotes_but_postgresql_can():
    query = parse(W + 'tags.[[a"b]] = 1')
    with pytest.raises(UnsupportedQuery):
        compile_query(query, "sqlite")
    compile_query(query, "postgresql")


def test_compile_where_folds_constants():
    assert compile_where(None, "sqlite").compare(sa.true())
    assert compile_where(parse(W + "1 = 1").where, "sqlite").compare(sa.true())
    assert compile_where(parse(W + "tags.x = tags.x AND false").where, "sqlite").compare(sa.false())
    assert compile_where(parse(W + "nosuch = 1").where, "postgresql").compare(sa.false())


def test_index_friendly_sql_for_system_columns():
    """status/connection_state/device_id compile to plain column comparisons (indexes apply)."""
    text = "status = 'enabled' AND connectionState IN ['Connected'] AND deviceId > 'a'"
    for dialect in ("sqlite", "postgresql"):
        where = compile_where(parse(W + text).where, dialect)
        sql = str(where.compile(compile_kwargs={"render_postcompile": True}))
        assert "CASE" not in sql
        assert "identities.status =" in sql
        assert "identities.connection_state IN" in sql


def test_unknown_dialect_is_refused():
    with pytest.raises(ValueError, match="mysql"):
        compile_query(parse("SELECT * FROM devices WHERE tags.a = 1"), "mysql")


def test_doc_renderer_matches_the_twin_api():
    """The documents above are what api/iothub/wire.twin_json shows for the same rows."""
    from fleethub.api.iothub.wire import twin_json
    from fleethub.store.identities import to_identity

    for row in ROWS:
        record = to_identity(_RowLike(row))  # type: ignore[arg-type]
        assert twin_json(record) == {**_doc(row), "deviceEtag": record.etag}


class _RowLike:
    """Just enough of sa.Row for to_identity: a `_mapping` with every column."""

    def __init__(self, row: dict[str, Any]) -> None:
        self._mapping = {c.name: row.get(c.name) for c in identities.columns} | {
            "etag_seq": 1,
            "connection_state_updated_time": None,
            "primary_key": None,
            "secondary_key": None,
            "managed_by": None,
        }
