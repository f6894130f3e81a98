"""The API and pages on the shared app (city ``ta``, county ``ta.one``): the directory page,
planning and handing over from the forms, and bad input refused in Chinese, changing
nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar

from core.db import Database
from core.inspection.tables import TeamMember
from core.sync.tables import Replica
from tests.identity.helpers import browser, login, signed_in
from tests.inspection.helpers import Client, new_round, ok
from tests.plugins.linkage.county_steps import tick
from tests.sync.helpers import eventually

CITY, COUNTY, FAR = "ta", "ta.one", "ta.far"
API = f"/t/{CITY}/api/elevated-cross"


async def _directory(app: Litestar, client: Client) -> dict[str, int]:
    await tick(app, client)

    async def held() -> Any:
        response = await client.get(f"{API}/counties/{COUNTY}/orgs")
        return response.json() if response.status_code == 200 else None

    directory = await eventually(held, what="ta.one's directory in ta")
    return {o["code"]: o["org_id"] for o in directory["orgs"]}


async def _count(client: Client) -> int:
    return len(ok(await client.get(API))["elevated"])


async def test_the_city_plans_and_hands_over_from_its_pages(app: Litestar,
                                                            client: Client) -> None:
    orgs = await _directory(app, client)
    page = (await client.get(f"/t/{CITY}/elevated-cross/counties/{COUNTY}")).text
    assert "甲一县委巡察办机构名录" in page and "张庄村" in page and "安排提级巡察" in page
    posted = await client.post(f"/t/{CITY}/elevated-cross/elevated", data={
        "county": COUNTY, "title": "页面提级巡察李庄村", "round_label": "页面轮次",
        "org_ids": str(orgs["T01V002"])}, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    location = posted.headers["location"]
    detail = (await client.get(location)).text
    assert "页面提级巡察李庄村" in detail and "尚未登记问题" in detail
    bad = await client.post(f"{location}/findings", data={
        "org_id": str(orgs["T01V002"]), "problem": "x", "deadline": "2000-01-01"},
        headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "整改期限不能早于今天" in bad.text
    empty = await client.post(f"{location}/handover", headers={"Accept": "text/html"})
    assert empty.status_code == 409 and "尚未登记问题" in empty.text
    added = await client.post(f"{location}/findings", data={
        "org_id": str(orgs["T01V002"]), "problem": "村务监督流于形式",
        "deadline": "2099-06-30"}, follow_redirects=False)
    assert added.status_code == 303
    handed = await client.post(f"{location}/handover", follow_redirects=False)
    assert handed.status_code == 303
    assert "已反馈，问题已移交县级整改" in (await client.get(location)).text
    county = (await client.get(f"/t/{COUNTY}/elevated-cross")).text
    assert "市委对本县的提级巡察" in county and "安排提级巡察" not in county


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"county": COUNTY, "title": " ", "org_ids": [1]}, "title", "请填写提级巡察名称"),
        ({"county": "tb", "title": "x", "org_ids": [1]}, "county", "不是本市所辖"),
        ({"county": COUNTY, "title": "x", "org_ids": []}, "org_ids", "请至少选择"),
        ({"county": COUNTY, "title": "x", "org_ids": [2147483000]}, "org_ids", "机构名录"),
        ({"county": COUNTY, "title": "x", "org_ids": ["甲"]}, "org_ids[0]", "整数"),
        ({"county": COUNTY, "title": "x"}, "org_ids", "缺少必填字段"),
        ({"county": COUNTY, "title": "x", "org_ids": [1], "extra": 1}, "extra", "未知字段"),
    ],
)
async def test_bad_plans_are_refused_in_chinese(app: Litestar, client: Client,
                                                body: dict[str, Any], field: str,
                                                message: str) -> None:
    await _directory(app, client)
    before = await _count(client)
    response = await client.post(f"{API}/elevated", json=body)
    assert response.status_code == 400, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors and message in errors[field], errors
    assert re.search(r"[\u4e00-\u9fff]", response.json()["message"])
    assert await _count(client) == before


async def test_a_county_cannot_plan_and_a_city_cannot_decide(app: Litestar,
                                                            client: Client) -> None:
    refused = await client.post(f"/t/{COUNTY}/api/elevated-cross/elevated", json={
        "county": COUNTY, "title": "越级", "org_ids": [1]})
    assert refused.status_code == 403 and "只有市级巡察机构" in refused.json()["message"]
    assert (await client.get(f"/t/{COUNTY}/api/elevated-cross/counties/{COUNTY}/orgs")
            ).status_code == 403
    decided = await client.post(f"{API}/cross/1/decision", json={"accept": True})
    assert decided.status_code == 404 and "没有上级" in decided.json()["message"]
    cross = await client.post(f"{API}/cross", json={
        "team_county": COUNTY, "host_county": COUNTY, "title": "自查", "org_ids": [1]})
    assert cross.status_code == 400
    assert "不能安排本县巡察组交叉巡察本县" in cross.text


def test_the_cross_form_reads_one_person_a_line_and_names_a_bad_line() -> None:
    from core.api import Invalid
    from plugins.elevated_cross.pages import members_of

    people = members_of("a.lead，甲县组长，组长\n\na.one,甲县组员\n")
    assert [(p.person, p.name, p.role.value) for p in people] == [
        ("a.lead", "甲县组长", "leader"), ("a.one", "甲县组员", "member")]
    with pytest.raises(Invalid) as bad:
        members_of("a.lead,甲县组长,队长")
    assert bad.value.errors[0].field == "members" and "第 1 行" in bad.value.errors[0].message


async def test_the_city_allows_the_county_and_verifies_from_its_pages(
        app: Litestar, client: Client) -> None:
    orgs = await _directory(app, client)
    planned = ok(await client.post(f"{API}/elevated", json={
        "county": COUNTY, "title": "页面允许与核查", "round_label": "核查页面轮",
        "org_ids": [orgs["D001"]]}), 201)
    page = f"/t/{CITY}/elevated-cross/elevated/{planned['id']}"
    assert "不允许（县级安排将被拒绝）" in (await client.get(page)).text
    allowed = await client.post(f"{page}/allow-county", data={"allow": "true"},
                                follow_redirects=False)
    assert allowed.status_code == 303, allowed.text
    assert "已允许县级对上述对象另行安排巡察" in (await client.get(page)).text
    bad = await client.post(f"{page}/allow-county", data={"allow": "也许"},
                            headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "请选择允许或不允许" in bad.text
    # Before the county took it, a verdict is refused; a bad verdict names its field.
    early = await client.post(f"{API}/elevated/{planned['id']}/verification",
                              json={"accept": True})
    assert early.status_code == 409 and "县级尚未承接整改" in early.json()["errors"][0]["message"]
    no_reason = await client.post(f"{API}/elevated/{planned['id']}/verification",
                                  json={"accept": False})
    assert no_reason.status_code == 400
    first = no_reason.json()["errors"][0]
    assert (first["field"], first["message"]) == ("reason", "退回时请说明理由")
    typed = await client.post(f"{API}/elevated/{planned['id']}/verification",
                              json={"accept": "是"})
    assert typed.status_code == 400 and re.search(r"[\u4e00-\u9fff]", typed.json()["message"])
    form = await client.post(f"{page}/verification", data={"decision": "x"},
                             headers={"Accept": "text/html"})
    assert form.status_code == 400 and "请选择核查通过或退回" in form.text
    detail = ok(await client.get(f"{API}/elevated/{planned['id']}"))
    assert detail["elevated"]["verification"] == "" and detail["elevated"]["allow_county"]


async def test_a_guest_of_the_host_signs_in_once_and_reaches_its_inspection_only_while_it_runs(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    """A county of ``ta`` served by a deployment of its own (``ta.far``: its directory
    reached the city, this deployment has no tenant for it) sends a team to ``ta.one``;
    ``ta.one``'s office issues its leader a one-time password, the guest reaches the cross
    inspection only while its place is authorised, and the city's cancellation ends it."""
    orgs = await _directory(app, client)
    now = datetime.now(UTC)
    await database.tenant(tenant_ids[CITY]).insert(Replica, [{
        "origin": FAR, "kind": "org_directory", "key": FAR, "version": "0",
        "type": "org_directory.published", "occurred_at": now,
        "data": {"county": FAR, "county_name": "远县委巡察办", "orgs": []}}])
    made = ok(await client.post(f"{API}/cross", json={
        "team_county": FAR, "host_county": COUNTY, "title": "远县交叉巡察甲一县",
        "org_ids": [orgs["D001"]], "round_label": "访客轮次",
        "members": [{"person": "far.lead", "name": "远县组长", "role": "leader"}]}), 201)
    host_api = f"/t/{COUNTY}/api/elevated-cross"
    await tick(app, client)

    async def told() -> Any:
        crosses = ok(await client.get(host_api))["cross"]
        return next((c for c in crosses if c["id"] == made["id"]), None)

    await eventually(told, what="the assignment in ta.one")
    await new_round(client, COUNTY)
    decided = ok(await client.post(f"{host_api}/cross/{made['id']}/decision",
                                   json={"accept": True}))
    (guest,) = decided["guests"]
    assert guest["name"] == "远县组长" and guest["team_county"] == FAR
    inspection = f"/t/{COUNTY}/api/inspections/{decided['inspection_id']}"
    page = (await client.get(f"/t/{COUNTY}/elevated-cross")).text
    assert guest["username"] in page and "签发一次性登录密码" in page
    issued = await client.post(
        f"/t/{COUNTY}/elevated-cross/cross/{made['id']}/guests/{guest['id']}/password")
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    password = re.search(r"<code>([^<]+)</code>", issued.text)
    assert password and "只显示这一次" in issued.text
    async with browser(app, client) as web:
        await signed_in(web, guest["username"], password[1])
        # Before its place is authorised: nothing; and never anything else of ta.one.
        assert (await web.get(inspection)).status_code == 403
        assert (await web.get(host_api)).status_code == 403
        await database.tenant(tenant_ids[COUNTY]).update(
            TeamMember, {"inspection_id": decided["inspection_id"]},
            {"authorized_at": now - timedelta(hours=1)})
        assert (await web.get(inspection)).status_code == 200
        assert (await web.get(host_api)).status_code == 403
        assert (await web.get(f"/t/{CITY}/api/elevated-cross")).status_code == 403
        # The city cancels: the host releases the team and closes the guest's account.
        refused = await client.post(f"{API}/cross/{made['id']}/cancel", json={"reason": " "})
        assert refused.status_code == 400 and "取消时请说明理由" in refused.text
        ok(await client.post(f"{API}/cross/{made['id']}/cancel",
                             json={"reason": "市委调整安排"}))

        async def ended() -> bool:
            await tick(app, client)
            return (await web.get(inspection)).status_code in (401, 403)

        await eventually(ended, what="the guest's access ended")
    async with browser(app, client) as again:
        assert (await login(again, guest["username"], password[1])).status_code != 303
    board = ok(await client.get(host_api))["cross"]
    seen = next(c for c in board if c["id"] == made["id"])
    assert seen["status"] == "cancelled" and seen["guests"][0]["closed_at"] is not None
    late = await client.post(f"{host_api}/cross/{made['id']}/guests/{guest['id']}/password")
    assert late.status_code == 409 and "已停用" in late.text


async def test_the_city_records_and_refers_an_elevated_clue_from_its_page(
        app: Litestar, client: Client) -> None:
    orgs = await _directory(app, client)
    planned = ok(await client.post(f"{API}/elevated", json={
        "county": COUNTY, "title": "页面线索提级巡察", "round_label": "页面线索轮",
        "org_ids": [orgs["T01"]]}), 201)
    page = f"/t/{CITY}/elevated-cross/elevated/{planned['id']}"
    assert "尚未登记问题线索" in (await client.get(page)).text
    bad = await client.post(f"{page}/clues", data={"org_id": str(orgs["T01"]), "title": " "},
                            headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "尚未登记问题线索" in bad.text  # nothing recorded
    added = await client.post(f"{page}/clues", data={
        "org_id": str(orgs["T01"]), "title": "镇党委书记违规审批", "summary": "市管干部"},
        follow_redirects=False)
    assert added.status_code == 303, added.text
    (clue,) = ok(await client.get(f"{API}/elevated/{planned['id']}"))["clues"]
    referred = await client.post(f"{page}/clues/{clue['id']}/referral", follow_redirects=False)
    assert referred.status_code == 303
    shown = (await client.get(page)).text
    assert "镇党委书记违规审批" in shown and "已移交市纪委监委" in shown
    again = await client.post(f"{API}/elevated/{planned['id']}/clues/{clue['id']}/referral")
    assert again.status_code == 409 and "已移交" in again.json()["errors"][0]["message"]
    cancelled = await client.post(f"{page}/cancel", data={"reason": "页面撤销"},
                                  follow_redirects=False)
    assert cancelled.status_code == 303
    assert "撤销理由：页面撤销" in (await client.get(page)).text


async def test_the_city_resubmits_a_declined_assignment_and_cancels_it_from_its_board(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    orgs = await _directory(app, client)
    await database.tenant(tenant_ids[CITY]).insert(Replica, [{
        "origin": "ta.near", "kind": "org_directory", "key": "ta.near", "version": "0",
        "type": "org_directory.published", "occurred_at": datetime.now(UTC),
        "data": {"county": "ta.near", "county_name": "近县委巡察办", "orgs": []}}])
    made = ok(await client.post(f"{API}/cross", json={
        "team_county": "ta.near", "host_county": COUNTY, "title": "页面重提交叉巡察",
        "org_ids": [orgs["T01"]], "round_label": "页面重提轮"}), 201)
    host_api = f"/t/{COUNTY}/api/elevated-cross"
    await tick(app, client)

    async def told() -> Any:
        crosses = ok(await client.get(host_api))["cross"]
        return next((c for c in crosses if c["id"] == made["id"]), None)

    await eventually(told, what="the assignment in ta.one")
    ok(await client.post(f"{host_api}/cross/{made['id']}/decision",
                         json={"accept": False, "reason": "本轮已有安排"}))
    await tick(app, client)

    async def declined() -> Any:
        board = ok(await client.get(API))["cross"]
        return next((c for c in board if c["id"] == made["id"]
                     and c["status"] == "declined"), None)

    await eventually(declined, what="the decline in the city")
    board_page = f"/t/{CITY}/elevated-cross"
    assert "重新提交被巡察县确认" in (await client.get(board_page)).text
    early = await client.post(f"{API}/cross/{made['id']}/cancel", json={})
    assert early.status_code == 400
    posted = await client.post(f"/t/{CITY}/elevated-cross/cross/{made['id']}/resubmit",
                               data={"note": "已与乙方沟通"}, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    assert "第 2 次提交" in (await client.get(board_page)).text
    again = await client.post(f"/t/{CITY}/elevated-cross/cross/{made['id']}/resubmit",
                              data={"note": "再次"}, headers={"Accept": "text/html"})
    assert again.status_code == 409 and "只有被巡察县已拒绝的安排才能重新提交" in again.text
    cancelled = await client.post(f"/t/{CITY}/elevated-cross/cross/{made['id']}/cancel",
                                  data={"reason": "本轮不再安排"}, follow_redirects=False)
    assert cancelled.status_code == 303
    shown = (await client.get(board_page)).text
    assert "市委已取消" in shown and "本轮不再安排" in shown
