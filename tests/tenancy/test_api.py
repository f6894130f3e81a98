"""The org registry API: listing, filters, pagination, create and update, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]


async def _orgs(client: Client, tenant: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"/t/{tenant}/api/orgs", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_list_filters_and_pages(client: Client) -> None:
    everything = await _orgs(client, "ta.one", limit=500)
    assert everything["total"] == len(everything["items"]) >= 4
    villages = await _orgs(client, "ta.one", kind="village")
    assert {o["kind_label"] for o in villages["items"]} == {"村"}
    township = next(o for o in everything["items"] if o["code"] == "T01")
    children = await _orgs(client, "ta.one", parent_id=township["id"])
    assert {o["code"] for o in children["items"]} >= {"T01V001", "T01V002"}
    first = await _orgs(client, "ta.one", limit=1)
    second = await _orgs(client, "ta.one", limit=1, offset=1)
    assert first["items"][0]["id"] != second["items"][0]["id"]
    assert first["total"] == second["total"] == everything["total"]
    found = await _orgs(client, "ta.one", q="张庄")
    assert [o["name"] for o in found["items"]] == ["张庄村"]


async def test_get_one(client: Client) -> None:
    org = (await _orgs(client, "ta", limit=1))["items"][0]
    response = await client.get(f"/t/ta/api/orgs/{org['id']}")
    assert response.json() == org
    assert (await client.get("/t/ta/api/orgs/999999")).status_code == 404


async def test_create_and_update(client: Client) -> None:
    township = (await _orgs(client, "ta.one", kind="township"))["items"][0]
    created = await client.post("/t/ta.one/api/orgs", json={
        "code": "T01V900", "name": "新建村", "kind": "village", "parent_id": township["id"],
    })
    assert created.status_code == 201, created.text
    org = created.json()
    assert (org["parent_id"], org["active"]) == (township["id"], True)
    updated = await client.patch(f"/t/ta.one/api/orgs/{org['id']}",
                                 json={"name": "新建村（更名）", "active": False})
    assert updated.status_code == 200
    assert updated.json()["name"] == "新建村（更名）" and updated.json()["active"] is False
    inactive = await _orgs(client, "ta.one", active=False)
    assert org["id"] in [o["id"] for o in inactive["items"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "Z1", "name": "x", "kind": "farm"}, "kind"),
        ({"code": "Z1", "name": "", "kind": "department"}, "name"),
        ({"code": "Z 1", "name": "x", "kind": "department"}, "code"),
        ({"code": "Z1", "name": "x" * 201, "kind": "department"}, "name"),
        ({"name": "x", "kind": "department"}, "code"),
        ({"code": "Z1", "name": "x", "kind": "department", "extra": 1}, "extra"),
        ({"code": "Z1", "name": "x", "kind": "department", "parent_id": "one"}, "parent_id"),
        ({"code": "Z1", "name": "x", "kind": "department", "parent_id": 0}, "parent_id"),
        ({"code": "Z1", "name": "x", "kind": "village"} | {"parent_id": 2**31 - 1}, "parent_id"),
        ({"code": "D001", "name": "重复", "kind": "department"}, "code"),
    ],
)
async def test_bad_input_names_the_field_and_changes_nothing(
    client: Client, body: dict[str, Any], field: str
) -> None:
    before = (await _orgs(client, "ta"))["total"]
    response = await client.post("/t/ta/api/orgs", json=body)
    assert 400 <= response.status_code < 500, response.text
    error = response.json()
    assert field in [e["field"] for e in error["errors"]], error
    assert all(e["message"] for e in error["errors"])
    assert "输入有误" in error["message"]
    assert (await _orgs(client, "ta"))["total"] == before


async def test_village_needs_a_township_parent(client: Client) -> None:
    department = (await _orgs(client, "ta.one", kind="department"))["items"][0]
    response = await client.post("/t/ta.one/api/orgs", json={
        "code": "BADV", "name": "错挂村", "kind": "village", "parent_id": department["id"]})
    assert response.status_code == 400
    assert "乡镇" in response.json()["errors"][0]["message"]


async def test_parent_cycle_is_refused(client: Client) -> None:
    items = (await _orgs(client, "ta.one", limit=500))["items"]
    township = next(o for o in items if o["code"] == "T01")
    village = next(o for o in items if o["code"] == "T01V001")
    response = await client.patch(f"/t/ta.one/api/orgs/{township['id']}",
                                  json={"parent_id": village["id"]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "parent_id"


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=501", "limit=x", "offset=-1", "kind=farm", "parent_id=abc",
     "active=maybe", "q=" + "长" * 51],
)
async def test_bad_query_is_a_clear_400(client: Client, query: str) -> None:
    response = await client.get(f"/t/ta/api/orgs?{query}")
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["errors"][0]["field"] == query.split("=")[0]
    assert error["errors"][0]["source"] == "query"


async def test_tenant_info_merges_default_settings(client: Client) -> None:
    county = (await client.get("/t/ta.one/api/tenant")).json()
    assert county["parent"] == "ta" and county["level_label"] == "县级"
    assert county["settings"]["rectification_report_months"] == 3  # the county's own
    assert county["settings"]["notice_days_before_arrival"] == 10  # the default
    city = (await client.get("/t/ta/api/tenant")).json()
    assert city["settings"]["rectification_report_months"] == 2
    tenants = (await client.get("/api/tenants")).json()
    assert [t["code"] for t in tenants][:3] == ["ta", "ta.one", "tb"]
