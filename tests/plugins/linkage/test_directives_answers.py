"""A county answers a common problem (共性问题) with its own ledger items; the city sees
per county how many there are, how many are closed and how many overdue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar

from core.db import Database
from plugins.linkage.tables import DirectiveItem
from tests.inspection.helpers import Client, api, ok
from tests.inspection.ledger_seed import item_url
from tests.inspection.seed import seed_inspection
from tests.plugins.linkage.county_steps import tick
from tests.plugins.linkage.helpers import CITY, COUNTY, eventually, issue, marker, received


async def _common_problem(client: Client, **body: Any) -> dict[str, Any]:
    made = await issue(client, kind="common_problem", title=marker("共性问题"),
                       targets=[COUNTY], **body)
    await eventually(lambda: received(client, made["id"]), what="common problem in ta.one")
    return made


async def _close(client: Client, item_id: int) -> None:
    for path, to in (("status", "in_progress"), ("status", "submitted"), ("verify", "verified"),
                     ("verify", "closed")):
        ok(await client.post(item_url(COUNTY, item_id, path), json={"to": to}))


async def _progress(client: Client, directive_id: int) -> dict[str, Any] | None:
    detail = ok(await client.get(api(CITY, f"directives/{directive_id}")))
    return next((c for c in detail["counties"] if c["county"] == COUNTY), None)


async def test_two_items_one_closed_show_in_the_city(
        client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    seed = await seed_inspection(database, tenant_ids[COUNTY], "联动整改", stage="rectifying",
                                 year=2291)
    made = await _common_problem(client, body="村级财务公开不及时，请对照整改。")
    url = api(COUNTY, f"directives/{made['id']}/items")
    first = ok(await client.post(url, json={
        "inspection_id": seed["inspection_id"], "org_id": seed["org_id"],
        "deadline": "2099-06-30", "measures": "建立公开台账"}), 201)
    assert [i["problem"] for i in first["items"]] == [made["title"]]  # defaults to the title
    second = ok(await client.post(url, json={
        "inspection_id": seed["inspection_id"], "org_id": seed["org_id"],
        "deadline": "2099-07-31", "problem": "村务公开栏长期未更新"}), 201)
    ids = [first["items"][0]["id"], second["items"][0]["id"]]
    links = await database.tenant(tenant_ids[COUNTY]).list(
        DirectiveItem, {"directive_id": made["id"]}, limit=None)
    assert sorted(r["item_id"] for r in links) == sorted(ids)
    assert {r["directive_origin"] for r in links} == {CITY}
    await _close(client, ids[0])

    async def answered() -> dict[str, Any] | None:
        found = await _progress(client, made["id"])
        return found if found and (found["items"], found["closed"]) == (2, 1) else None

    progress = await eventually(answered, what="2 items, 1 closed in ta")
    assert progress["answered"] is True and progress["overdue"] == 0
    assert progress["county_name"] == "甲一县委巡察办" and progress["answered_at"]
    listed = ok(await client.get(api(CITY, "directives"), params={"kind": "common_problem"}))
    row = next(d for d in listed["items"] if d["id"] == made["id"])
    assert (row["answered_counties"], row["items"], row["closed"]) == (1, 2, 1)
    page = (await client.get(f"/t/{CITY}/directives/{made['id']}")).text
    assert "已回应" in page and "<td>2</td>" in page and "<td>1</td>" in page
    own = ok(await client.get(api(COUNTY, f"directives/{made['id']}")))
    assert (own["directive"]["items"], own["directive"]["closed"]) == (2, 1)
    assert sorted(i["id"] for i in own["items"]) == sorted(ids)
    county_page = (await client.get(f"/t/{COUNTY}/directives/{made['id']}")).text
    assert "村务公开栏长期未更新" in county_page and "整改事项 2 项，已销号 1 项" in county_page


@pytest.mark.parametrize("then", ["scan", "tick"])
async def test_an_overdue_item_is_counted(app: Litestar, client: Client, database: Database,
                                          tenant_ids: dict[str, int], then: str) -> None:
    seed = await seed_inspection(database, tenant_ids[COUNTY], "联动超期", stage="rectifying",
                                 year=2292 if then == "scan" else 2294)
    made = await _common_problem(client)
    today = app.state.runtime.clock.today()
    ok(await client.post(api(COUNTY, f"directives/{made['id']}/items"), json={
        "inspection_id": seed["inspection_id"], "org_id": seed["org_id"],
        "deadline": today.isoformat()}), 201)
    await tick(app, client)  # today's overdue counts are reported
    # The deadline passes. Either the overdue scan escalates the item, which reports
    # again, or the first sync tick of the new day reports what the day made overdue.
    app.state.runtime.clock.advance(timedelta(days=2))
    try:
        if then == "scan":
            ok(await client.post(api(COUNTY, "rectification/scan"),
                                 json={"inspection_id": seed["inspection_id"]}))
        else:
            await tick(app, client)

        async def overdue() -> dict[str, Any] | None:
            found = await _progress(client, made["id"])
            return found if found and found["overdue"] == 1 else None

        progress = await eventually(overdue, what="overdue item counted in ta")
        assert (progress["items"], progress["closed"]) == (1, 0)
    finally:
        app.state.runtime.clock.advance(-timedelta(days=2))


async def test_answers_are_refused_where_they_make_no_sense(
        client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    seed = await seed_inspection(database, tenant_ids[COUNTY], "联动拒绝", stage="rectifying",
                                 year=2293)
    body = {"inspection_id": seed["inspection_id"], "org_id": seed["org_id"],
            "deadline": "2099-06-30"}
    plain = await issue(client, title=marker("一般指示"), targets=[COUNTY])
    await eventually(lambda: received(client, plain["id"]), what="directive")
    refused = await client.post(api(COUNTY, f"directives/{plain['id']}/items"), json=body)
    assert refused.status_code == 409 and "只有“共性问题”" in refused.json()["message"]
    missing = await client.post(api(COUNTY, "directives/2147483647/items"), json=body)
    assert missing.status_code == 404 and "未收到该部署" in missing.json()["message"]
    in_city = await client.post(api(CITY, f"directives/{plain['id']}/items"), json=body)
    assert in_city.status_code == 404
    made = await _common_problem(client)
    url = api(COUNTY, f"directives/{made['id']}/items")
    no_org = await client.post(url, json={"inspection_id": seed["inspection_id"],
                                          "deadline": "2099-06-30"})
    assert no_org.status_code == 400 and no_org.json()["errors"][0]["field"] == "org_id"
    bad_day = await client.post(url, json={**body, "deadline": "六月底"})
    assert bad_day.status_code == 400 and bad_day.json()["errors"][0]["field"] == "deadline"
    ok(await client.post(api(CITY, f"directives/{made['id']}/withdraw")))

    async def withdrawn() -> bool:
        got = await received(client, made["id"])
        return bool(got and got["withdrawn"])

    await eventually(withdrawn, what="withdrawal")
    late = await client.post(url, json=body)
    assert late.status_code == 409 and "已被上级撤回" in late.json()["message"]
    assert await database.tenant(tenant_ids[COUNTY]).count(
        DirectiveItem, {"directive_id": [plain["id"], made["id"]]}) == 0


async def test_the_county_answers_from_its_page(
        client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    seed = await seed_inspection(database, tenant_ids[COUNTY], "联动页面", stage="rectifying",
                                 year=2294)
    made = await _common_problem(client)
    page = (await client.get(f"/t/{COUNTY}/directives/{made['id']}")).text
    target = f"{seed['inspection_id']}:{seed['org_id']}"
    assert "以整改事项回应" in page and f'value="{target}"' in page
    assert "联动页面巡察任务 · 甲一县财政局" in page
    posted = await client.post(f"/t/{COUNTY}/directives/{made['id']}/items", data={
        "target": target, "problem": "页面填报的整改问题", "deadline": "2099-05-01",
        "measures": "", "responsible_person": "张三"}, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    shown = (await client.get(f"/t/{COUNTY}/directives/{made['id']}")).text
    assert "页面填报的整改问题" in shown and "张三" in shown
    bad = await client.post(f"/t/{COUNTY}/directives/{made['id']}/items", data={
        "target": "", "deadline": "2099-05-01"}, headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "请选择整改单位" in bad.text

    async def answered() -> dict[str, Any] | None:
        found = await _progress(client, made["id"])
        return found if found and found["items"] == 1 else None

    await eventually(answered, what="page answer in ta")
