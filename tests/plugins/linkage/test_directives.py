"""Directives down (城市下发): issue, target, withdraw, bad input, who may, the pages.

The shared app runs the sync service on its embedded NATS, so a directive
issued in ``ta`` reaches ``ta.one`` as a replica: tests poll for it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar

from core.db import Database
from tests.authz.conftest import new_actor
from tests.inspection.helpers import Client, api, ok
from tests.plugins.linkage.helpers import CITY, COUNTY, OTHER, eventually, issue, marker, received

FORM = {"Accept": "text/html"}


async def test_a_directive_for_every_county_reaches_the_county_and_no_other_city(
        client: Client) -> None:
    title = marker("全市部署")
    made = await issue(client, title=title, body="请于三季度开展专项巡察。\n第二段。",
                       kind="deployment", due_date="2099-09-30")
    assert made["kind_label"] == "专项巡察部署" and made["targets"] == []
    assert made["origin"] == CITY and made["withdrawn"] is False
    got = await eventually(lambda: received(client, made["id"]), what="directive in ta.one")
    assert got["title"] == title and got["kind"] == "deployment"
    assert got["body"] == "请于三季度开展专项巡察。\n第二段。" and got["due_date"] == "2099-09-30"
    detail = ok(await client.get(api(COUNTY, f"directives/{made['id']}")))
    assert detail["directive"]["title"] == title and detail["items"] == []
    # Another city neither lists it nor reaches ta.one with its own broadcast.
    other = ok(await client.get(api(OTHER, "directives"), params={"limit": 500}))
    assert title not in {d["title"] for d in other["items"]}
    foreign = await issue(client, OTHER, title=marker("乙市部署"))
    sentinel = await issue(client, title=marker("哨兵"))
    await eventually(lambda: received(client, sentinel["id"]), what="sentinel")
    assert await received(client, foreign["id"], origin=OTHER) is None
    listed = ok(await client.get(api(COUNTY, "directives"), params={"limit": 500}))
    assert {d["origin"] for d in listed["items"]} == {CITY}


async def test_a_targeted_directive_names_its_county(client: Client) -> None:
    made = await issue(client, title=marker("定向"), targets=[COUNTY, COUNTY],
                       kind="elevated_assignment")
    assert made["targets"] == [COUNTY]
    got = await eventually(lambda: received(client, made["id"]), what="targeted directive")
    assert got["targets"] == [COUNTY] and got["kind_label"] == "提级巡察安排"
    detail = ok(await client.get(api(CITY, f"directives/{made['id']}")))
    assert [(c["county"], c["county_name"], c["answered"]) for c in detail["counties"]] == [
        (COUNTY, "甲一县委巡察办", False)]


async def test_withdrawing_tells_the_county_once(client: Client) -> None:
    made = await issue(client, title=marker("撤回"), kind="knowledge")
    await eventually(lambda: received(client, made["id"]), what="directive")
    url = api(CITY, f"directives/{made['id']}/withdraw")
    back = ok(await client.post(url, json={"reason": "重复下发"}))
    assert back["withdrawn"] is True and back["withdrawn_on"]

    async def withdrawn() -> bool:
        got = await received(client, made["id"])
        return bool(got and got["withdrawn"])

    await eventually(withdrawn, what="withdrawal in ta.one")
    again = await client.post(url)
    assert again.status_code == 409 and "已经撤回" in again.json()["message"]
    page = (await client.get(f"/t/{COUNTY}/directives")).text
    assert made["title"] in page and "已撤回" in page
    assert (await client.post(api(CITY, "directives/2147483647/withdraw"))).status_code == 404


async def _total(client: Client, tenant: str = CITY) -> int:
    return int(ok(await client.get(api(tenant, "directives"), params={"limit": 1}))["total"])


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"kind": "notice", "title": "x"}, "kind", "部署类型无效"),
        ({"kind": "directive", "title": ""}, "title", "请填写标题"),
        ({"kind": "directive", "title": "   "}, "title", "请填写标题"),
        ({"kind": "directive", "title": "x", "targets": ["ta.two"]}, "targets",
         "不是本市所辖的县（市、区）：ta.two"),
        ({"kind": "directive", "title": "x", "targets": [OTHER]}, "targets", "不是本市所辖"),
        ({"kind": "directive", "title": "x", "due_date": "2099/09/30"}, "due_date",
         "日期应为 YYYY-MM-DD"),
        ({"kind": "directive", "title": "x", "due_date": "下月底"}, "due_date", "YYYY-MM-DD"),
        ({"kind": "directive", "title": "x", "due_date": "2000-01-01"}, "due_date",
         "不能早于今天"),
        ({"kind": "directive", "title": "x" * 201}, "title", "不能超过 200"),
        ({"kind": "directive", "title": "x", "owner": "x"}, "owner", "包含未知字段"),
        ({"title": "x"}, "kind", "缺少必填字段"),
    ],
)
async def test_bad_input_is_refused_in_chinese_and_changes_nothing(
        client: Client, body: dict[str, Any], field: str, message: str) -> None:
    before = await _total(client)
    response = await client.post(api(CITY, "directives"), json=body)
    assert response.status_code == 400, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors and message in errors[field], errors
    assert re.search(r"[\u4e00-\u9fff]", response.json()["message"])
    assert await _total(client) == before


async def test_every_bad_field_is_named_at_once(client: Client) -> None:
    response = await client.post(api(CITY, "directives"), json={
        "kind": "x", "title": " ", "targets": ["nowhere"]})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"kind", "title", "targets"}


async def test_a_county_cannot_issue_or_withdraw(client: Client) -> None:
    before = await _total(client, COUNTY)
    refused = await client.post(api(COUNTY, "directives"), json={
        "kind": "directive", "title": "县级越级下发"})
    assert refused.status_code == 403 and "县级巡察机构不能下发部署" in refused.json()["message"]
    assert (await client.post(api(COUNTY, "directives/1/withdraw"))).status_code == 403
    form = await client.post(f"/t/{COUNTY}/directives", data={"kind": "directive",
                                                              "title": "县级越级下发"})
    assert form.status_code == 403
    assert await _total(client, COUNTY) == before


async def test_roles_read_write_and_answer_by_level(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    staff = await new_actor(app, client, database, tenant_ids, CITY, "office_staff")
    made = await staff.post(api(CITY, "directives"), json={
        "kind": "directive", "title": marker("工作人员下发")})
    assert made.status_code == 201, made.text
    group = await new_actor(app, client, database, tenant_ids, CITY, "leading_group")
    assert (await group.get(api(CITY, "directives"))).status_code == 200
    denied = await group.post(api(CITY, "directives"), json={"kind": "directive", "title": "x"})
    assert denied.status_code == 403
    county_staff = await new_actor(app, client, database, tenant_ids, COUNTY, "office_staff")
    assert (await county_staff.get(api(COUNTY, "directives"))).status_code == 200
    assert (await county_staff.get(api(COUNTY, "shared-findings"))).status_code == 200
    liaison = await new_actor(app, client, database, tenant_ids, COUNTY, "unit_liaison",
                              org="D001")
    for url in (api(COUNTY, "directives"), api(COUNTY, "shared-findings"),
                f"/t/{COUNTY}/directives", f"/t/{COUNTY}/shared-findings"):
        assert (await liaison.get(url)).status_code == 403, url
    answer = await liaison.post(api(COUNTY, "directives/1/items"), json={"x": 1})
    assert answer.status_code == 403


async def test_the_menu_differs_by_level(client: Client) -> None:
    city = (await client.get(f"/t/{CITY}/")).text
    assert f'href="/t/{CITY}/directives">下发部署<' in city
    assert f'href="/t/{CITY}/shared-findings">县（市、区）共享问题<' in city
    county = (await client.get(f"/t/{COUNTY}/")).text
    assert f'href="/t/{COUNTY}/directives">上级部署<' in county
    assert f'href="/t/{COUNTY}/shared-findings">兄弟县（市、区）共享问题<' in county


async def test_the_city_issues_and_withdraws_from_its_page(client: Client) -> None:
    page = (await client.get(f"/t/{CITY}/directives")).text
    assert "<h1>下发部署</h1>" in page and 'name="targets" value="ta.one"' in page
    assert "甲一县委巡察办" in page and "共性问题（联动整改）" in page
    title = marker("页面下发")
    posted = await client.post(f"/t/{CITY}/directives", data={
        "kind": "common_problem", "title": title, "body": "村级财务公开不及时",
        "due_date": "2099-12-31", "targets": COUNTY}, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    location = posted.headers["location"]
    directive_id = int(location.rsplit("/", 1)[1])
    detail = (await client.get(location)).text
    assert title in detail and "各县（市、区）落实情况" in detail and "尚未回应" in detail
    listed = (await client.get(f"/t/{CITY}/directives")).text
    assert f'action="/t/{CITY}/directives/{directive_id}/withdraw"' in listed
    got = await eventually(lambda: received(client, directive_id), what="page directive")
    assert got["targets"] == [COUNTY] and got["kind"] == "common_problem"
    bad = await client.post(f"/t/{CITY}/directives", data={
        "kind": "common_problem", "title": "", "due_date": "31/12/2099",
        "targets": ["nowhere", COUNTY]}, headers=FORM)
    assert bad.status_code == 400
    assert "日期格式应为 YYYY-MM-DD" in bad.text
    withdrawn = await client.post(f"/t/{CITY}/directives/{directive_id}/withdraw",
                                  data={"reason": ""}, follow_redirects=False)
    assert withdrawn.status_code == 303
    assert "撤回日期" in (await client.get(location)).text
    again = await client.post(f"/t/{CITY}/directives/{directive_id}/withdraw", data={})
    assert again.status_code == 409 and "该部署已经撤回" in again.text
    county = (await client.get(f"/t/{COUNTY}/directives")).text
    assert "<h1>上级部署</h1>" in county and "新建部署" not in county
