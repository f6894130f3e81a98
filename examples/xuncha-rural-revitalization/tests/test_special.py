"""The special inspection end to end: extra fields, checklist, stage check, report, figures.

Against the real app (fixtures from xuncha's pytest plugin) on SQLite or
PostgreSQL: every refusal is a 4xx with a Chinese message naming its field.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import httpx
import msgspec
import pytest
from core.api import ChecklistMarked
from core.testing.clients import Client, Team, authorized_team
from core.testing.events import EventRecorder
from docx import Document
from litestar import Litestar

from xuncha_rural_revitalization.checklist import CHECKLIST

PLUGIN = "rural_revitalization"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
REQUIRED = [i.code for i in CHECKLIST if i.required]


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refusal(response: httpx.Response, status: int) -> dict[str, str]:
    """The refused fields and their Chinese messages."""
    assert response.status_code == status, response.text
    body = response.json()
    assert CHINESE.search(body["message"]), body
    errors: dict[str, str] = {}
    for error in body.get("errors", []):
        field = error["field"]
        errors[field] = "；".join(filter(None, (errors.get(field), error["message"])))
    assert all(CHINESE.search(m) for m in errors.values()), errors
    return errors


@pytest.fixture
async def onsite(xuncha_app: Litestar, xuncha_client: Client, xuncha_database: Any,
                 xuncha_county: str, xuncha_tree: list[Any]) -> Team:
    """A rural revitalisation inspection of the county, its team on site."""
    spec = next(s for s in xuncha_tree if s.code == xuncha_county)
    team = await authorized_team(xuncha_app, xuncha_client, xuncha_database, xuncha_county,
                                 (spec.orgs[0].code,), kind=PLUGIN, topic="乡村振兴领域专项巡察")
    api = f"/t/{xuncha_county}/api/inspections/{team.inspection_id}"
    sent = xuncha_app.state.runtime.clock.today() - timedelta(days=20)
    ok(await xuncha_client.post(f"{api}/notice", json={"sent_on": sent.isoformat()}))
    for stage in ("briefing", "onsite"):
        ok(await xuncha_client.post(f"{api}/stage", json={"to": stage}))
    return team


async def test_extra_fields_are_validated_stored_and_listed(
        xuncha_client: Client, onsite: Team) -> None:
    api = f"/t/{onsite.tenant}/api/inspections"
    body = {"round_id": onsite.inspection["round_id"], "kind": PLUGIN, "topic": "衔接资金",
            "org_ids": onsite.org_ids}
    errors = refusal(await xuncha_client.post(api, json={
        **body, "extra": {"funds_checked": -5}}), 400)
    assert errors == {"extra.funds_checked": "抽查衔接资金（万元）不能小于 0"}
    errors = refusal(await xuncha_client.post(api, json={
        **body, "extra": {"projects_checked": "三个"}}), 400)
    assert errors == {"extra.projects_checked": "抽查项目（个）应为整数"}
    errors = refusal(await xuncha_client.post(api, json={**body, "extra": {"secret": 1}}), 400)
    assert errors == {"extra.secret": "未知的补充字段：secret"}
    made = ok(await xuncha_client.post(api, json={
        **body, "extra": {"funds_checked": 320.5, "key_county": True}}), 201)
    assert made["extra"] == {"key_county": True, "funds_checked": 320.5, "projects_checked": 0,
                             "monitored_households": 0}
    changed = ok(await xuncha_client.patch(f"{api}/{made['id']}",
                                           json={"extra": {"projects_checked": 12}}))
    assert changed["extra"]["projects_checked"] == 12 and changed["extra"]["funds_checked"] == 320.5
    fields = ok(await xuncha_client.get(f"{api}/{made['id']}/extra-fields"))
    assert [f["label"] for f in fields["inspection"]][:2] == ["国家乡村振兴重点帮扶县",
                                                               "抽查衔接资金（万元）"]
    assert fields["finding"][0]["choices"]
    # A regular inspection has no extra fields: any is refused.
    errors = refusal(await xuncha_client.post(api, json={
        **body, "kind": "regular", "extra": {"funds_checked": 1}}), 400)
    assert errors == {"extra.funds_checked": "未知的补充字段：funds_checked"}


async def test_checklist_findings_citing_items_and_the_stage_check(
        xuncha_client: Client, onsite: Team, xuncha_events: EventRecorder) -> None:
    api = f"/t/{onsite.tenant}/api/inspections/{onsite.inspection_id}"
    checklist = ok(await xuncha_client.get(f"{api}/checklist"))
    assert checklist["total"] == len(CHECKLIST) and checklist["marked"] == 0
    funds = next(i for i in checklist["items"] if i["code"] == "funds")
    assert "财农〔2021〕19号" in funds["basis"]
    assert "挤占挪用、虚报冒领衔接资金" in funds["problems"]
    # "problem found" needs a finding citing the item; unknown items are 404.
    assert "status" in refusal(await xuncha_client.put(
        f"{api}/checklist/funds", json={"status": "problem"}), 400)
    refusal(await xuncha_client.put(f"{api}/checklist/nothing", json={"status": "checked"}), 404)
    assert "status" in refusal(await xuncha_client.put(
        f"{api}/checklist/funds", json={"status": "done"}), 400)
    finding = {"category": "rural_funds", "source": "documents", "org_id": onsite.org_ids[0],
               "title": "挪用衔接资金修建村部", "checklist_item": "funds",
               "extra": {"fund_kind": "衔接资金", "amount": 46.5, "households": 0}}
    assert refusal(await xuncha_client.post(f"{api}/findings", json={
        **finding, "checklist_item": "nowhere"}), 400) == {
        "checklist_item": "检查事项 nowhere 不在本类巡察的检查清单中"}
    assert refusal(await xuncha_client.post(f"{api}/findings", json={
        **finding, "extra": {"fund_kind": "彩票"}}), 400) == {
        "extra.fund_kind": "资金类别不是可选的值"}
    made = ok(await xuncha_client.post(f"{api}/findings", json=finding), 201)
    assert made["checklist_item"] == "funds" and made["extra"]["amount"] == 46.5
    ok(await xuncha_client.post(f"{api}/findings", json={
        **finding, "title": "惠农补贴优亲厚友", "category": "village_corruption",
        "checklist_item": "benefits",
        "extra": {"fund_kind": "惠农补贴", "amount": 3.2, "households": 17}}), 201)
    marked = ok(await xuncha_client.put(f"{api}/checklist/funds",
                                        json={"status": "problem", "note": "抽查3个项目"}))
    assert marked["marked"] == 1
    (event,) = xuncha_events.committed("checklist.marked", onsite.tenant)
    assert isinstance(event.payload, ChecklistMarked) and event.payload.item_code == "funds"
    # The county sends its figures up with the change (the linkage plugin's event).
    sent = xuncha_events.committed("special_stats.updated", onsite.tenant)
    figures = {s["code"]: s["value"]
               for s in msgspec.to_builtins(sent[-1].payload)["statistics"]}
    assert figures["checked"] == 1 and figures["amount"] == 49.7 and figures["households"] == 17
    ok(await xuncha_client.post(f"{api}/stage", json={"to": "withdrawn"}))
    refused = refusal(await xuncha_client.post(f"{api}/stage", json={"to": "reporting"}), 409)
    assert "检查清单事项“防止返贫致贫动态监测和帮扶”尚未检查" in refused["to"]
    assert refused["to"].count("尚未检查") == len(REQUIRED) - 1  # funds is marked
    for code in REQUIRED:
        if code != "funds":
            status = "problem" if code == "benefits" else "checked"
            ok(await xuncha_client.put(f"{api}/checklist/{code}", json={"status": status}))
    ok(await xuncha_client.post(f"{api}/stage", json={"to": "reporting"}))
    stats = {s["code"]: s["value"] for s in ok(await xuncha_client.get(f"{api}/statistics"))}
    assert stats == {"checked": len(REQUIRED), "items": len(CHECKLIST), "cited": 2,
                     "amount": 49.7, "households": 17}
    # Marks close with the report: after reporting, a change is refused (409).
    ok(await xuncha_client.post(f"{api}/report", json={"step": "drafted", "title": "报告"}))
    report = await xuncha_client.get(f"{api}/report.docx")
    assert report.status_code == 200, report.text
    document = Document(io.BytesIO(report.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "四、乡村振兴专项检查情况" in text and "五、意见建议" in text
    assert "问题涉及资金49.7万元、涉及群众17户" in text
    assert "挪用衔接资金修建村部。（资金类别：衔接资金；涉及资金（万元）：46.5）" in text
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "衔接推进乡村振兴补助资金分配、拨付和使用" in cells and "已检查，发现问题" in cells


async def test_the_pages_show_the_checklist_and_edit_the_extra_fields(
        xuncha_client: Client, onsite: Team) -> None:
    base = f"/t/{onsite.tenant}/inspections/{onsite.inspection_id}"
    page = await xuncha_client.get(f"{base}/checklist")
    assert page.status_code == 200, page.text
    assert "乡村振兴领域专项巡察：检查清单" in page.text and "财农〔2021〕19号" in page.text
    form = await xuncha_client.get(f"{base}/extra")
    assert form.status_code == 200 and "抽查衔接资金（万元）" in form.text
    bad = await xuncha_client.post(f"{base}/extra", data={"funds_checked": "很多"},
                                   headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "抽查衔接资金（万元）应为数字" in bad.text
    saved = await xuncha_client.post(f"{base}/extra", data={
        "funds_checked": "88", "key_county": "1", "projects_checked": "4"})
    assert saved.status_code in (200, 303), saved.text
    shown = ok(await xuncha_client.get(f"/t/{onsite.tenant}/api/inspections/"
                                       f"{onsite.inspection_id}"))
    assert shown["extra"]["funds_checked"] == 88 and shown["extra"]["key_county"] is True
    page = await xuncha_client.get(f"{base}/checklist")
    assert "国家乡村振兴重点帮扶县" in page.text and "88" in page.text


async def test_a_tenant_that_did_not_enable_the_plugin_has_no_such_kind(
        xuncha_client: Client) -> None:
    from core.testing.tree import OTHER_CITY

    api = f"/t/{OTHER_CITY}/api"
    rounds = ok(await xuncha_client.get(f"{api}/rounds"))["items"]
    orgs = ok(await xuncha_client.get(f"{api}/orgs"))["items"]
    if not rounds:
        term = ok(await xuncha_client.post(f"{api}/terms", json={
            "name": "第九届", "start_date": "2031-01-01"}), 201)
        rounds = [ok(await xuncha_client.post(f"{api}/rounds", json={
            "term_id": term["id"], "year": 2031, "number": 1}), 201)]
    errors = refusal(await xuncha_client.post(f"{api}/inspections", json={
        "round_id": rounds[0]["id"], "kind": PLUGIN, "topic": "乡村振兴",
        "org_ids": [orgs[0]["id"]]}), 400)
    assert errors == {"kind": "巡察类型 rural_revitalization 不存在或未启用"}


async def test_the_finding_forms_cite_a_checklist_item_and_edit_extra_fields(
        xuncha_client: Client, onsite: Team) -> None:
    base = f"/t/{onsite.tenant}"
    form = await xuncha_client.get(f"{base}/inspections/{onsite.inspection_id}/findings/new")
    assert form.status_code == 200 and "对照检查事项" in form.text
    assert "资金项目｜衔接推进乡村振兴补助资金分配、拨付和使用" in form.text
    posted = await xuncha_client.post(
        f"{base}/inspections/{onsite.inspection_id}/findings", data={
            "title": "集体资产低价发包", "org_id": str(onsite.org_ids[0]),
            "category": "rural_assets", "source": "documents", "severity": "general",
            "checklist_item": "collective_assets"})
    assert posted.status_code in (200, 303), posted.text
    listed = ok(await xuncha_client.get(f"{base}/api/findings", params={
        "inspection_id": onsite.inspection_id}))["items"]
    (finding,) = [f for f in listed if f["title"] == "集体资产低价发包"]
    assert finding["checklist_item"] == "collective_assets"
    page = await xuncha_client.get(f"{base}/findings/{finding['id']}")
    assert "农村集体资金、资产、资源（“三资”）管理" in page.text and "涉及资金（万元）" in page.text
    bad = await xuncha_client.post(f"{base}/findings/{finding['id']}/extra",
                                   data={"amount": "-3", "households": "2"},
                                   headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "涉及资金（万元）不能小于 0" in bad.text
    saved = await xuncha_client.post(f"{base}/findings/{finding['id']}/extra", data={
        "fund_kind": "集体资金", "amount": "12.5", "households": "40"})
    assert saved.status_code in (200, 303), saved.text
    shown = ok(await xuncha_client.get(f"{base}/api/findings/{finding['id']}"))
    assert shown["extra"] == {"fund_kind": "集体资金", "amount": 12.5, "households": 40}
    page = await xuncha_client.get(f"{base}/findings/{finding['id']}")
    assert "集体资金" in page.text and "12.5" in page.text


async def test_the_city_deploys_the_kind_and_sees_each_countys_figures(
        xuncha_client: Client, onsite: Team, xuncha_city: str) -> None:
    import asyncio

    made = ok(await xuncha_client.post(f"/t/{xuncha_city}/api/directives", json={
        "kind": "deployment", "title": "全市乡村振兴领域专项巡察", "targets": [onsite.tenant],
        "inspection_kind": PLUGIN, "due_date": "2099-12-31"}), 201)
    county_list = f"/t/{onsite.tenant}/api/directives"
    for _ in range(100):
        items = ok(await xuncha_client.get(county_list))["items"]
        if any(d["id"] == made["id"] for d in items):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the deployment did not reach the county")
    # The county's work on an inspection of the kind answers the deployment.
    api = f"/t/{onsite.tenant}/api/inspections/{onsite.inspection_id}"
    ok(await xuncha_client.put(f"{api}/checklist/political", json={"status": "checked"}))
    ok(await xuncha_client.put(f"{api}/checklist/food_security", json={"status": "checked"}))
    # The board sums each figure over the county's inspections of the kind.
    expected = await summed_figures(xuncha_client, onsite.tenant)
    board = f"/t/{xuncha_city}/api/directives/{made['id']}"
    progress: dict[str, Any] = {}
    for _ in range(100):
        detail = ok(await xuncha_client.get(board))
        progress = next(c for c in detail["counties"] if c["county"] == onsite.tenant)
        if {s["code"]: s["value"] for s in progress["statistics"]} == expected:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(f"the city did not see {expected}: {progress}")
    assert expected["checked"] >= 2
    assert progress["items"] == await inspections_of_kind(xuncha_client, onsite.tenant)
    assert progress["overdue"] == 0 and progress["answered"] is True
    page = await xuncha_client.get(f"/t/{xuncha_city}/directives/{made['id']}")
    assert f"已检查事项 {expected['checked']}项" in page.text
    assert "乡村振兴领域专项巡察" in page.text


async def inspections_of_kind(xuncha_client: Client, tenant: str) -> int:
    """How many inspections of the kind the county holds (all planned today here)."""
    listed = ok(await xuncha_client.get(f"/t/{tenant}/api/inspections",
                                        params={"kind": PLUGIN, "limit": 200}))
    return int(listed["total"])


async def summed_figures(xuncha_client: Client, tenant: str) -> dict[str, float]:
    """Each figure summed over the county's inspections of the kind, read one by one."""
    listed = ok(await xuncha_client.get(f"/t/{tenant}/api/inspections",
                                        params={"kind": PLUGIN, "limit": 200}))["items"]
    totals: dict[str, float] = {}
    for inspection in listed:
        for figure in ok(await xuncha_client.get(
                f"/t/{tenant}/api/inspections/{inspection['id']}/statistics")):
            totals[figure["code"]] = round(totals.get(figure["code"], 0) + figure["value"], 2)
    return totals
