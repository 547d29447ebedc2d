"""/central/api/deviceTemplates (seed 004): every endpoint, each example of the seed, every
filter and paging combination, and every error case."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.central.conftest import PREVIEW, THERMOSTAT_ID, error_of, thermostat

PATH = f"/api/deviceTemplates/{THERMOSTAT_ID}"


async def put(client: httpx.AsyncClient, template_id: str, name: str) -> httpx.Response:
    response = await client.put(
        f"/api/deviceTemplates/{template_id}", json=thermostat(template_id, name)
    )
    assert response.status_code == 200, response.text
    return response


async def test_add_the_seed_thermostat_template(central: httpx.AsyncClient) -> None:
    response = await central.put(PATH, json=thermostat())
    assert response.status_code == 200
    body = response.json()
    assert list(body)[:3] == ["etag", "displayName", "@id"]
    assert body["etag"] == response.headers["etag"]
    assert body["etag"].startswith('"~')
    assert body["@id"] == THERMOSTAT_ID
    assert body["@type"] == ["ModelDefinition", "DeviceModel"]
    assert body["@context"] == ["dtmi:iotcentral:context;2", "dtmi:dtdl:context;2"]
    contents = body["capabilityModel"]["contents"]
    # Seed 004's answer adds NumberValue to the property that carries number facets.
    assert contents[1]["@type"] == ["Property", "Temperature", "NumberValue"]
    assert contents[1]["maxValue"] == 80
    expected = thermostat()["capabilityModel"]
    expected["contents"][1]["@type"].append("NumberValue")
    assert body["capabilityModel"] == expected


async def test_get_a_template(central: httpx.AsyncClient) -> None:
    created = (await central.put(PATH, json=thermostat())).json()
    response = await central.get(PATH)
    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == created["etag"]
    escaped = await central.get("/api/deviceTemplates/dtmi%3Acontoso%3Amythermostattemplate%3B1")
    assert escaped.json() == created


async def test_update_with_seed_004s_patch_adds_a_cloud_property(
    central: httpx.AsyncClient,
) -> None:
    created = (await central.put(PATH, json=thermostat())).json()
    contents = thermostat()["capabilityModel"]["contents"]
    contents.append(
        {
            "@type": ["Property", "Cloud", "StringValue"],
            "displayName": "Last Maintenance Date",
            "name": "LastMaintenanceDate",
            "schema": "dateTime",
        }
    )
    response = await central.patch(PATH, json={"capabilityModel": {"contents": contents}})
    assert response.status_code == 200, response.text
    body = response.json()
    added = body["capabilityModel"]["contents"][-1]
    assert added["@type"] == ["Property", "Cloud", "DateTimeValue"]  # as seed 004 answers
    assert body["capabilityModel"]["@id"] == "dtmi:contoso:Thermostat;1"  # merged, kept
    assert body["displayName"] == "Thermostat"
    assert body["etag"] != created["etag"]
    assert (await central.get(PATH)).json() == body


async def test_delete_a_template(central: httpx.AsyncClient) -> None:
    await central.put(PATH, json=thermostat())
    assert (await central.delete(PATH)).status_code == 204
    assert error_of(await central.get(PATH))["code"] == "NotFound"
    missing = await central.delete(PATH)
    assert missing.status_code == 404


async def test_a_template_in_use_cannot_be_deleted(central: httpx.AsyncClient) -> None:
    await central.put(PATH, json=thermostat())
    await central.put("/api/devices/d1", json={"template": THERMOSTAT_ID})
    response = await central.delete(PATH)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "Conflict"
    assert "1 device" in error["message"]
    await central.patch("/api/devices/d1", json={"template": "dtmi:contoso:other;1"})
    assert (await central.delete(PATH)).status_code == 204


async def test_replace_and_preconditions(central: httpx.AsyncClient) -> None:
    first = (await central.put(PATH, json=thermostat())).json()
    renamed = await central.put(PATH, json=thermostat(display_name="Renamed"))
    assert renamed.status_code == 200
    assert renamed.json()["etag"] != first["etag"]
    stale = {"if-match": first["etag"]}
    for response in (
        await central.put(PATH, json=thermostat(), headers=stale),
        await central.patch(PATH, json={"displayName": "x"}, headers=stale),
        await central.delete(PATH, headers=stale),
    ):
        assert response.status_code == 412
        assert error_of(response)["code"] == "PreconditionFailed"
    fresh = {"if-match": renamed.json()["etag"]}
    assert (await central.patch(PATH, json={"displayName": "y"}, headers=fresh)).status_code == 200
    new = await central.put(
        "/api/deviceTemplates/dtmi:x:new;1", json=thermostat("dtmi:x:new;1"), headers=stale
    )
    assert new.status_code == 412


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (PATH, thermostat("dtmi:contoso:other;1"), "does not match"),
        ("/api/deviceTemplates/thermostat", thermostat("thermostat"), "not a DTMI"),
        (f"/api/deviceTemplates/dtmi:a:{'b' * 260};1", {}, "at most 256 characters"),
        (PATH, [1, 2], "body"),
        (PATH, {**thermostat(), "@type": ["Interface"]}, "not valid DTDL"),
        (PATH, {**thermostat(), "capabilityModel": "nope"}, "not valid DTDL"),
    ],
)
async def test_put_errors(central: httpx.AsyncClient, path: str, body: Any, message: str) -> None:
    response = await central.put(path, json=body)
    assert response.status_code == 400
    assert message in error_of(response)["message"]


async def test_invalid_dtdl_lists_every_reason(central: httpx.AsyncClient) -> None:
    body = thermostat()
    body["capabilityModel"]["contents"][0]["schema"] = "decimal"
    body["capabilityModel"]["contents"][1]["minValue"] = "fifty"
    error = error_of(await central.put(PATH, json=body))
    reasons = [detail["message"] for detail in error["details"]]
    assert len(reasons) == 2
    assert reasons[0].startswith("$.capabilityModel.contents[0].schema")
    assert reasons[1].startswith("$.capabilityModel.contents[1].minValue")


async def test_malformed_json_is_a_bad_request(central: httpx.AsyncClient) -> None:
    response = await central.put(
        PATH, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert error_of(response)["message"] == "The request body is not valid JSON."


async def test_patch_errors(central: httpx.AsyncClient) -> None:
    assert (await central.patch(PATH, json={})).status_code == 404
    await central.put(PATH, json=thermostat())
    moved = await central.patch(PATH, json={"@id": "dtmi:contoso:moved;1"})
    assert moved.status_code == 400
    broken = await central.patch(PATH, json={"capabilityModel": {"contents": [{"@type": "Nope"}]}})
    assert broken.status_code == 400
    assert error_of(broken)["details"]
    assert (await central.patch(PATH, json=[1])).status_code == 400


async def test_list_device_templates(central: httpx.AsyncClient) -> None:
    await put(central, "dtmi:contoso:b;1", "Thermostat2")
    await put(central, "dtmi:contoso:a;1", "Thermostat")
    response = await central.get("/api/deviceTemplates")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["value"]
    assert [t["@id"] for t in body["value"]] == ["dtmi:contoso:a;1", "dtmi:contoso:b;1"]
    assert all(t["etag"].startswith('"~') for t in body["value"])


NAMES = {
    "dtmi:contoso:a;1": "Vehicle Thermostat",
    "dtmi:contoso:b;1": "Room Thermostat",
    "dtmi:contoso:c;1": "Aircon Thermostat",
    "dtmi:contoso:d;1": "template 1",
    "dtmi:contoso:e;1": "template A",
    "dtmi:contoso:f;1": "template B",
}


@pytest.fixture
async def catalogue(central: httpx.AsyncClient) -> httpx.AsyncClient:
    for template_id, name in NAMES.items():
        await put(central, template_id, name)
    return central


async def follow(client: httpx.AsyncClient, next_link: str) -> httpx.Response:
    """GET a nextLink exactly (the test client would otherwise put its own params first)."""
    url = httpx.URL(next_link)
    return await client.get(url.path.removeprefix("/central"), params=url.params)


async def names(client: httpx.AsyncClient, **params: str | int) -> list[str]:
    response = await client.get("/api/deviceTemplates", params={"api-version": PREVIEW, **params})
    assert response.status_code == 200, response.text
    return [t["displayName"] for t in response.json()["value"]]


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ("'@id' eq 'dtmi:contoso:b;1'", ["Room Thermostat"]),
        ("displayName ne 'template 1'", [n for n in NAMES.values() if n != "template 1"]),
        (
            "displayName le 'template A'",
            [
                "Vehicle Thermostat",
                "Room Thermostat",
                "Aircon Thermostat",
                "template 1",
                "template A",
            ],
        ),
        (
            "displayName lt 'template B'",
            [
                "Vehicle Thermostat",
                "Room Thermostat",
                "Aircon Thermostat",
                "template 1",
                "template A",
            ],
        ),
        ("displayName ge 'template A'", ["template A", "template B"]),
        ("displayName gt 'template B'", []),
        (
            "'@id' eq 'dtmi:contoso:b;1' and capabilityModelId eq 'dtmi:contoso:Thermostat;1'",
            ["Room Thermostat"],
        ),
        ("'@id' eq 'dtmi:contoso:b;1' and capabilityModelId eq 'dtmi:example:test:model1;1'", []),
        (
            "'@id' eq 'dtmi:contoso:a;1' or displayName ge 'template'",
            ["Vehicle Thermostat", "template 1", "template A", "template B"],
        ),
        (
            "contains(displayName, 'thermostat')",
            ["Vehicle Thermostat", "Room Thermostat", "Aircon Thermostat"],
        ),
        ("contains(displayName, 'template1')", []),
        (
            "(contains(displayName, 'room') or contains(displayName, 'car')) and '@id' ne 'x'",
            ["Room Thermostat"],
        ),
    ],
)
async def test_filter(catalogue: httpx.AsyncClient, filter_text: str, expected: list[str]) -> None:
    assert await names(catalogue, filter=filter_text) == expected


async def test_orderby(catalogue: httpx.AsyncClient) -> None:
    ascending = [
        "Aircon Thermostat",
        "Room Thermostat",
        "template 1",
        "template A",
        "template B",
        "Vehicle Thermostat",
    ]
    assert await names(catalogue, orderby="displayName") == ascending
    assert await names(catalogue, orderby="displayName asc") == ascending
    assert await names(catalogue, orderby="displayName desc") == ascending[::-1]


async def test_seed_004_combined_example(catalogue: httpx.AsyncClient) -> None:
    """filter=contains(displayName, 'thermostat')&maxpagesize=2, ordered by name."""
    found = await names(
        catalogue,
        filter="contains(displayName, 'thermostat')",
        orderby="displayName",
        maxpagesize=2,
    )
    assert found == ["Aircon Thermostat", "Room Thermostat"]


async def test_paging_follows_next_link(catalogue: httpx.AsyncClient) -> None:
    params: dict[str, str | int] = {
        "api-version": PREVIEW,
        "maxpagesize": 4,
        "orderby": "displayName desc",
        "filter": "'@id' ne 'dtmi:contoso:d;1'",
    }
    first = (await catalogue.get("/api/deviceTemplates", params=params)).json()
    assert [t["displayName"] for t in first["value"]] == [
        "Vehicle Thermostat",
        "template B",
        "template A",
        "Room Thermostat",
    ]
    link = httpx.URL(first["nextLink"])
    assert str(link).startswith("https://localhost:8443/central/api/deviceTemplates?")
    assert link.params["api-version"] == PREVIEW
    assert link.params["orderby"] == "displayName desc"
    second = (await follow(catalogue, first["nextLink"])).json()
    assert [t["displayName"] for t in second["value"]] == ["Aircon Thermostat"]
    assert "nextLink" not in second


async def test_default_page_is_25_and_the_ga_version_pages_too(central: httpx.AsyncClient) -> None:
    for index in range(27):
        await put(central, f"dtmi:contoso:t{index:02};1", f"T{index:02}")
    first = (await central.get("/api/deviceTemplates")).json()
    assert len(first["value"]) == 25
    assert "api-version=2022-07-31" in first["nextLink"]
    second = (await follow(central, first["nextLink"])).json()
    assert [t["displayName"] for t in second["value"]] == ["T25", "T26"]
    top = (await central.get("/api/deviceTemplates", params={"$top": 1})).json()
    assert len(top["value"]) == 1
    assert (
        len(
            (await central.get("/api/deviceTemplates", params={"maxpagesize": 100})).json()["value"]
        )
        == 27
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"filter": "displayName eq 'a'"}, "need api-version=2022-10-31-preview"),
        ({"orderby": "displayName"}, "need api-version=2022-10-31-preview"),
        ({"api-version": PREVIEW, "maxpagesize": 0}, "between 1 and 100"),
        ({"api-version": PREVIEW, "maxpagesize": 101}, "between 1 and 100"),
        ({"maxpagesize": "ten"}, "maxpagesize"),
        (
            {"api-version": PREVIEW, "filter": "startswith(displayName, 'a')"},
            "function 'startswith' is not supported",
        ),
        (
            {"api-version": PREVIEW, "filter": "displayName has 'a'"},
            "operator 'has' is not supported",
        ),
        ({"api-version": PREVIEW, "filter": "owner eq 'a'"}, "Cannot filter on 'owner'"),
        ({"api-version": PREVIEW, "filter": "displayName eq"}, "ends too early"),
        ({"api-version": PREVIEW, "orderby": "@id desc"}, "only on displayName"),
        ({"api-version": PREVIEW, "orderby": "displayName sideways"}, "not asc or desc"),
        ({"$skiptoken": "garbage"}, "$skiptoken"),
        ({"$skiptoken": "eyJza2lwIjogLTF9"}, "$skiptoken"),
    ],
)
async def test_list_errors(
    central: httpx.AsyncClient, params: dict[str, Any], message: str
) -> None:
    response = await central.get("/api/deviceTemplates", params=params)
    assert response.status_code == 400
    assert message in error_of(response)["message"]


async def test_operators_read_but_cannot_change_templates(
    central: httpx.AsyncClient, operator: httpx.AsyncClient, builder: httpx.AsyncClient
) -> None:
    await central.put(PATH, json=thermostat())
    assert (await operator.get(PATH)).status_code == 200
    assert (await operator.get("/api/deviceTemplates")).status_code == 200
    for response in (
        await operator.put(PATH, json=thermostat()),
        await operator.patch(PATH, json={"displayName": "x"}),
        await operator.delete(PATH),
    ):
        assert response.status_code == 403
        assert error_of(response)["code"] == "Forbidden"
    assert (await builder.patch(PATH, json={"displayName": "x"})).status_code == 200
    assert (await builder.delete(PATH)).status_code == 204
