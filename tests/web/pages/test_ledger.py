"""The ledger in the browser: items added, moved, verified and closed; reports; disclosures.

Forms post as a browser would (URL-encoded), with htmx and without; a refusal
answers its 4xx with the Chinese reason beside the field (or above the form
when it is about the whole object) and changes nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.inspection.tables import (
    Clue,
    Disclosure,
    Inspection,
    InspectionLog,
    RectificationAction,
    RectificationItem,
    RectificationReport,
)
from tests.inspection.ledger_seed import fed_back
from tests.inspection.seed import seed_inspection
from tests.plugins.evaluation.helpers import signed_evaluations

Client = AsyncTestClient[Litestar]
T = "ta.one"
HTMX = {"HX-Request": "true"}
HTML = {"Accept": "text/html"}


def beside(html: str, field: str, message: str) -> bool:
    """Whether ``message`` is shown as the error of form field ``field``."""
    return re.search(rf'id="f-{field}".*?<small class="field-error" id="e-{field}">'
                     rf"{re.escape(message)}</small>", html, re.S) is not None


def in_summary(html: str, message: str) -> bool:
    """Whether ``message`` is in a refusal's summary (above the form or the section)."""
    return re.search(r'<div class="alert error" role="alert">\s*<p>[^<]*</p>\s*<ul>.*?<li>'
                     rf"{re.escape(message)}</li>", html, re.S) is not None


async def _items(database: Database, tenant_id: int, iid: int) -> list[dict[str, Any]]:
    return await database.tenant(tenant_id).list(RectificationItem, {"inspection_id": iid},
                                                 order_by=("id",), limit=None)


async def _item(database: Database, tenant_id: int, item_id: int) -> dict[str, Any]:
    row = await database.tenant(tenant_id).get(RectificationItem, item_id)
    assert row is not None
    return row


async def test_an_item_is_added_by_hand_with_refusals_beside_their_fields(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await fed_back(database, tenant_ids[T], app, "台手")
    tid, iid, today = tenant_ids[T], seeded["inspection_id"], seeded["today"]
    page = f"/t/{T}/inspections/{iid}"
    url = f"{page}/rectification/items"
    html = (await client.get(page)).text
    assert '<section id="rectification"' in html and "新增整改事项" in html
    assert f'<option value="{seeded["other_org_id"]}">' in html  # the second target
    assert "台手问题0（" in html  # a finding not yet in the ledger is offered
    before = await _items(database, tid, iid)
    deadline = str(today + timedelta(days=30))
    good = {"mode": "written", "org_id": str(seeded["org_id"]), "problem": "台手手填问题",
            "deadline": deadline, "measures": "建立制度", "responsible_person": "张三",
            "responsible_leader": "李四", "lead_office": "办公室"}
    # no org: 400 beside the org, the section only (htmx), what was typed kept
    refused = await client.post(url, data={**good, "org_id": ""}, headers=HTMX)
    assert refused.status_code == 400 and "<html" not in refused.text
    assert refused.text.lstrip().startswith('<section id="rectification"')
    assert beside(refused.text, "item-org_id", "请选择整改单位") and "台手手填问题" in refused.text
    past = await client.post(url, data={**good, "deadline": str(today - timedelta(days=1))},
                             headers=HTML)
    assert past.status_code == 400 and "<html" in past.text
    assert beside(past.text, "item-deadline", "整改期限不能早于今天")
    other_org = await client.post(url, data={**good, "finding_id": str(seeded["finding_ids"][-1])},
                                  headers=HTMX)
    assert other_org.status_code == 400
    assert beside(other_org.text, "item-finding_id", "该问题属于其他被巡察单位")
    listed = await client.post(url, data={**good, "finding_id": str(seeded["finding_id"])},
                               headers=HTMX)
    assert listed.status_code == 409
    assert beside(listed.text, "item-finding_id", "该问题已列入整改台账")
    no_date = await client.post(url, data={**good, "deadline": ""}, headers=HTMX)
    assert no_date.status_code == 400 and beside(no_date.text, "item-deadline", "缺少必填字段")
    assert await _items(database, tid, iid) == before
    # written out: 303 to the new item's page
    made = await client.post(url, data={**good, "finding_id": str(seeded["finding_ids"][0])},
                             follow_redirects=False)
    assert made.status_code == 303
    item_id = int(made.headers["location"].rsplit("/", 1)[1])
    row = await _item(database, tid, item_id)
    assert row["problem"] == "台手手填问题" and row["finding_id"] == seeded["finding_ids"][0]
    assert row["status"] == "open" and row["responsible_leader"] == "李四"
    assert row["lead_office"] == "办公室" and str(row["deadline"]) == deadline
    # from findings: one item per finding, back to the section
    chosen = [str(i) for i in seeded["finding_ids"][1:]]
    several = await client.post(url, data={"mode": "findings", "finding_ids": chosen,
                                           "deadline": deadline}, headers=HTMX)
    assert several.status_code == 200
    assert several.headers["HX-Redirect"] == f"{page}#rectification"
    rows = await _items(database, tid, iid)
    assert len(rows) == len(before) + 3
    assert {r["org_id"] for r in rows[-2:]} == {seeded["org_id"], seeded["other_org_id"]}
    again = await client.post(url, data={"mode": "findings", "finding_ids": chosen,
                                         "deadline": deadline}, headers=HTMX)
    assert again.status_code == 409
    assert beside(again.text, "fitems-finding_ids", "所选问题均已列入整改台账")
    none_chosen = await client.post(url, data={"mode": "findings", "deadline": deadline},
                                    headers=HTMX)
    assert none_chosen.status_code == 400
    assert beside(none_chosen.text, "fitems-finding_ids", "请至少勾选一个问题")
    assert len(await _items(database, tid, iid)) == len(rows)
    # every item is linked from the section and from the ledger page
    html = (await client.get(page)).text
    assert f'href="/t/{T}/rectification/items/{item_id}">台手手填问题</a>' in html
    ledger = (await client.get(f"/t/{T}/ledger", params={"inspection_id": iid})).text
    assert f'href="/t/{T}/rectification/items/{item_id}">台手手填问题</a>' in ledger


async def test_items_are_added_only_from_feedback_on(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await seed_inspection(database, tenant_ids[T], "台早", stage="reviewed", year=2401)
    tid, iid = tenant_ids[T], seeded["inspection_id"]
    html = (await client.get(f"/t/{T}/inspections/{iid}")).text
    assert "新增整改事项</button>" not in html
    refused = await client.post(f"/t/{T}/inspections/{iid}/rectification/items", data={
        "org_id": str(seeded["org_id"]), "problem": "过早", "deadline": "2099-01-01"},
        headers=HTMX)
    assert refused.status_code == 409
    assert in_summary(refused.text, "巡察任务处于“审议报告”环节，不能建立整改台账"
                                    "（仅限“反馈意见”、“移交线索”、“督促整改”、“报送整改报告”、"
                                    "“整改公开”、“持续整改”环节）")
    assert len(await _items(database, tid, iid)) == 1


async def test_an_item_moves_through_its_statuses_to_closed(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await fed_back(database, tenant_ids[T], app, "台转", stage="rectifying")
    tid = tenant_ids[T]
    (item_id,) = await database.tenant(tid).insert(RectificationItem, [{
        "inspection_id": seeded["inspection_id"], "org_id": seeded["org_id"],
        "problem": "台转待办问题", "deadline": seeded["today"] + timedelta(days=20)}])
    page = f"/t/{T}/rectification/items/{item_id}"
    html = (await client.get(page)).text
    assert "台转待办问题" in html and "未启动" in html and "台转巡察任务" in html
    assert re.search(r'<option value="in_progress"( selected)?>启动整改（转为“整改中”）</option>',
                     html)
    assert "/verify" not in html  # nothing to verify yet
    # a move the unit may not make: 409 beside the status choice, unchanged
    wrong = await client.post(f"{page}/status", data={"to": "submitted"}, headers=HTMX)
    assert wrong.status_code == 409 and wrong.text.lstrip().startswith('<div id="item"')
    assert beside(wrong.text, "status-to",
                  "整改事项当前为“未启动”，不能改为“已报送”（可改为：“整改中”）")
    office = await client.post(f"{page}/status", data={"to": "closed"}, headers=HTML)
    assert office.status_code == 409 and "<html" in office.text
    assert beside(office.text, "status-to",
                  "整改事项当前为“未启动”，不能改为“已销号”（可改为：“整改中”）")
    nothing = await client.post(f"{page}/status", data={"remark": "x"}, headers=HTMX)
    assert nothing.status_code == 400 and beside(nothing.text, "status-to", "缺少必填字段")
    assert (await _item(database, tid, item_id))["status"] == "open"
    # start (htmx), then submit (plain)
    started = await client.post(f"{page}/status", data={"to": "in_progress",
                                                        "remark": "已制定方案"}, headers=HTMX)
    assert started.status_code == 200 and started.headers["HX-Redirect"] == page
    submitted = await client.post(f"{page}/status", data={"to": "submitted"},
                                  follow_redirects=False)
    assert submitted.status_code == 303 and submitted.headers["location"] == page
    html = (await client.get(page)).text
    assert "验收通过（转为“已验收”）" in html and "退回整改（须写明理由）" in html
    assert "撤回报送（退回“整改中”）" in html
    ids = re.findall(r'\bid="([^"]+)"', html)  # two forms with "to" and "remark"
    assert len(ids) == len(set(ids))
    # returning without a reason is refused beside the remark
    bare = await client.post(f"{page}/verify", data={"to": "in_progress"}, headers=HTMX)
    assert bare.status_code == 400 and beside(bare.text, "verify-remark", "退回整改须写明理由")
    assert (await _item(database, tid, item_id))["status"] == "submitted"
    accepted = await client.post(f"{page}/verify", data={"to": "verified", "remark": "核实到位"},
                                 follow_redirects=False)
    assert accepted.status_code == 303
    html = (await client.get(page)).text
    assert "修改整改事项" not in html and "整改事项已验收后内容不能再修改" in html
    assert re.search(r'<option value="closed"( selected)?>销号（转为“已销号”）</option>', html)
    closed = await client.post(f"{page}/verify", data={"to": "closed"}, headers=HTMX)
    assert closed.status_code == 200
    row = await _item(database, tid, item_id)
    assert row["status"] == "closed" and row["closed_on"] == seeded["today"]
    html = (await client.get(page)).text
    assert "本事项已销号，办理完毕" in html and "/status" not in html
    assert "未启动 → 整改中" in html and "已验收 → 已销号" in html and "核实到位" in html
    actions = await database.tenant(tid).count(RectificationAction, {"item_id": item_id})
    assert actions == 4


async def test_an_item_is_edited_until_verified(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await fed_back(database, tenant_ids[T], app, "台改", stage="rectifying")
    tid, item_id, today = tenant_ids[T], seeded["item_id"], seeded["today"]
    page = f"/t/{T}/rectification/items/{item_id}"
    html = (await client.get(page)).text
    assert "台改整改措施" in html and 'id="f-edit-progress"' in html
    row = await _item(database, tid, item_id)
    no_date = await client.post(page, data={"measures": "新措施"}, headers=HTMX)
    assert no_date.status_code == 400 and beside(no_date.text, "edit-deadline", "缺少必填字段")
    past = await client.post(page, data={"deadline": str(today - timedelta(days=2))},
                             headers=HTMX)
    assert past.status_code == 400 and beside(past.text, "edit-deadline", "整改期限不能早于今天")
    assert await _item(database, tid, item_id) == row
    saved = await client.post(page, data={"deadline": str(row["deadline"]), "measures": "",
                                          "progress": "已完成一半", "responsible_person": "王五"},
                              follow_redirects=False)
    assert saved.status_code == 303
    after = await _item(database, tid, item_id)
    assert after["measures"] == "" and after["progress"] == "已完成一半"  # blank clears
    assert after["responsible_person"] == "王五"
    await database.tenant(tid).update(RectificationItem, {"id": item_id}, {"status": "verified"})
    frozen = await client.post(page, data={"deadline": str(row["deadline"]), "measures": "再改"},
                               headers=HTMX)
    assert frozen.status_code == 409 and in_summary(frozen.text, "整改事项已验收，不能再修改")
    assert (await _item(database, tid, item_id))["measures"] == ""


async def test_rectification_reports_from_the_inspection_page(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await fed_back(database, tenant_ids[T], app, "台报", stage="rectifying")
    tid, iid, today = tenant_ids[T], seeded["inspection_id"], seeded["today"]
    page = f"/t/{T}/inspections/{iid}"
    url = f"{page}/rectification/reports"
    html = (await client.get(page)).text
    assert "报送整改报告</summary>" in html and "待报送" in html
    org = str(seeded["org_id"])
    empty = await client.post(url, data={"org_id": org}, headers=HTMX)
    assert empty.status_code == 400 and beside(empty.text, "rreport-summary", "缺少必填字段")
    future = await client.post(url, data={"org_id": org, "summary": "报告",
                                          "submitted_on": str(today + timedelta(days=1))},
                               headers=HTMX)
    assert future.status_code == 400
    assert beside(future.text, "rreport-submitted_on", "报送日期不能晚于今天")
    stranger = await client.post(url, data={"org_id": "999999", "summary": "报告"},
                                 headers=HTML)
    assert stranger.status_code == 400
    assert beside(stranger.text, "rreport-org_id", "该单位不是本次巡察的被巡察对象")
    reports = database.tenant(tid)
    assert await reports.count(RectificationReport, {"inspection_id": iid,
                                                     "submitted_on__ne": None}) == 0
    sent = await client.post(url, data={"org_id": org, "summary": "台报整改情况的报告"},
                             follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == f"{page}#rectification"
    (row,) = await reports.list(RectificationReport, {"inspection_id": iid, "org_id": int(org)})
    assert row["submitted_on"] == today and row["summary"] == "台报整改情况的报告"
    twice = await client.post(url, data={"org_id": org, "summary": "再报"}, headers=HTMX)
    assert twice.status_code == 409 and beside(twice.text, "rreport-org_id", "该单位已报送整改报告")
    html = (await client.get(page)).text
    assert "台报整改情况的报告" in html and "已报送" in html


async def test_disclosures_from_the_inspection_page(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await fed_back(database, tenant_ids[T], app, "台公", stage="rectification_reported")
    tid, iid = tenant_ids[T], seeded["inspection_id"]
    page = f"/t/{T}/inspections/{iid}"
    url = f"{page}/disclosures"
    html = (await client.get(page)).text
    assert "登记整改公开</summary>" in html and "涉及国家秘密" in html
    session = database.tenant(tid)
    count = await session.count(Disclosure, {"inspection_id": iid})
    withheld = await client.post(url, data={"scope": "public", "withheld": "on"}, headers=HTMX)
    assert withheld.status_code == 400
    assert beside(withheld.text, "disc-withheld_reason", "暂不公开须选择理由")
    assert beside(withheld.text, "disc-approved_by", "暂不公开须写明批准人")
    no_scope = await client.post(url, data={"remark": "x"}, headers=HTMX)
    assert no_scope.status_code == 400 and beside(no_scope.text, "disc-scope", "缺少必填字段")
    assert await session.count(Disclosure, {"inspection_id": iid}) == count
    ok = await client.post(url, data={"scope": "public", "remark": "在政府网站公开"},
                           follow_redirects=False)
    assert ok.status_code == 303
    held = await client.post(url, data={
        "scope": "internal", "withheld": "on", "withheld_reason": "open_case",
        "approved_by": "巡察办主任"}, headers=HTMX)
    assert held.status_code == 200 and "HX-Redirect" in held.headers
    rows = await session.list(Disclosure, {"inspection_id": iid}, order_by=("id",))
    assert rows[-2]["disclosed_on"] == seeded["today"] and rows[-2]["remark"] == "在政府网站公开"
    assert rows[-1]["withheld"] and rows[-1]["withheld_reason"] == "open_case"
    html = (await client.get(page)).text
    assert "在政府网站公开" in html and "涉及正在查办的案件" in html and "巡察办主任" in html
    # the next stage needs a disclosure: now ready
    assert "转入“整改公开”：条件已具备" in html
    # every form of the section is on the page, each field with an id of its own
    assert "新增整改事项</button>" in html and "登记整改公开</summary>" in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


async def test_evaluation_and_archive_show_what_is_missing_before_the_move(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await fed_back(database, tenant_ids[T], app, "台档", stage="sustained")
    tid, iid = tenant_ids[T], seeded["inspection_id"]
    page = f"/t/{T}/inspections/{iid}"
    html = (await client.get(page)).text
    assert "转入“成效评估”：尚缺" in html and "尚无经审核签发的整改评估" in html
    await signed_evaluations(app, client, database, T, iid)
    html = (await client.get(page)).text
    assert "转入“成效评估”：条件已具备" in html
    moved = await client.post(f"{page}/stage", data={"to": "evaluated", "remark": "评估良好"},
                              follow_redirects=False)
    assert moved.status_code == 303
    html = (await client.get(page)).text
    assert "转入“立卷归档”：尚缺" in html
    assert "还有 1 条问题线索未办结，也未转入持续整改" in html
    assert "还有 1 项整改事项未销号，也未转入持续整改" in html
    assert '<option value="permanent">永久</option>' in html
    refused = await client.post(f"{page}/stage", data={"to": "archived",
                                                       "retention": "permanent"})
    assert refused.status_code == 409
    session = database.tenant(tid)
    assert (await session.get(Inspection, iid) or {})["stage"] == "evaluated"
    await session.update(Clue, {"inspection_id": iid}, {"status": "concluded"})
    await session.update(RectificationItem, {"inspection_id": iid}, {"status": "closed"})
    html = (await client.get(page)).text
    assert "转入“立卷归档”：条件已具备，请选择保管期限" in html
    archived = await client.post(f"{page}/stage", data={"to": "archived",
                                                        "retention": "permanent"},
                                 follow_redirects=False)
    assert archived.status_code == 303
    row = await session.get(Inspection, iid)
    assert row is not None and row["stage"] == "archived" and row["retention"] == "permanent"
    assert "归档" in (await client.get(page)).text and "永久" in (await client.get(page)).text


async def test_ledger_forms_of_another_tenant_answer_404_and_change_nothing(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    other = await seed_inspection(database, tenant_ids["tb"], "台乙", stage="rectifying",
                                  year=2402)
    session = database.tenant(tenant_ids["tb"])
    item = await session.get(RectificationItem, other["item_id"])
    iid, item_id = other["inspection_id"], other["item_id"]
    page = await client.get(f"/t/{T}/rectification/items/{item_id}", headers=HTML)
    assert page.status_code == 404 and not any(s in page.text for s in other["texts"])
    posts = {
        f"rectification/items/{item_id}": {"deadline": "2099-01-01", "measures": "越权"},
        f"rectification/items/{item_id}/status": {"to": "submitted"},
        f"rectification/items/{item_id}/verify": {"to": "verified"},
        f"inspections/{iid}/rectification/items": {
            "org_id": str(other["org_id"]), "problem": "越权", "deadline": "2099-01-01"},
        f"inspections/{iid}/rectification/reports": {
            "org_id": str(other["org_id"]), "summary": "越权"},
        f"inspections/{iid}/disclosures": {"scope": "public"},
    }
    for path, data in posts.items():
        for headers in (HTMX, HTML):
            response = await client.post(f"/t/{T}/{path}", data=data, headers=headers)
            assert response.status_code == 404, (path, response.status_code)
            assert not any(s in response.text for s in other["texts"])
    assert await session.get(RectificationItem, item_id) == item
    assert await session.count(RectificationItem, {"inspection_id": iid}) == 1
    assert await session.count(Disclosure, {"inspection_id": iid}) == 1


async def test_the_item_page_offers_each_role_only_the_forms_it_may_post(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    from core.tenancy.tables import Org
    from tests.authz.conftest import new_actor

    seeded = await fed_back(database, tenant_ids[T], app, "台角", stage="rectifying")
    tid, item_id = tenant_ids[T], seeded["item_id"]
    org = await database.tenant(tid).get(Org, seeded["org_id"])
    assert org is not None
    page = f"/t/{T}/rectification/items/{item_id}"
    await database.tenant(tid).update(RectificationItem, {"id": item_id},
                                      {"status": "submitted"})
    unit = await new_actor(app, client, database, tenant_ids, T, "unit_liaison",
                           org=org["code"])
    html = (await unit.get(page)).text
    assert "被巡察单位办理" in html and "撤回报送（退回“整改中”）" in html
    assert "巡察机构验收核实" not in html and "/verify" not in html
    assert f'href="/t/{T}/inspections/{seeded["inspection_id"]}"' not in html  # not theirs
    assert "修改整改事项" in html
    # the unit takes its submission back through the page
    back = await unit.post(f"{page}/status", data={"to": "in_progress", "remark": "补充材料"},
                           headers=HTMX)
    assert back.status_code == 200 and back.headers["HX-Redirect"] == page
    assert (await _item(database, tid, item_id))["status"] == "in_progress"
    refused = await unit.post(f"{page}/verify", data={"to": "verified"}, headers=HTMX)
    assert refused.status_code == 403
    leading = await new_actor(app, client, database, tenant_ids, T, "leading_group")
    html = (await leading.get(page)).text
    assert "台角整改问题" in html and "<form" not in html.split("<main>")[1].split("</main>")[0]
    assert "当前状态为“整改中”，待被巡察单位办理" in html
    office = (await client.get(page)).text
    assert "被巡察单位办理" in office and "修改整改事项" in office
    assert f'href="/t/{T}/inspections/{seeded["inspection_id"]}">台角巡察任务</a>' in office


async def test_the_rectification_section_shows_its_forms_only_to_who_may_post_them(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    from tests.authz.conftest import new_actor

    seeded = await fed_back(database, tenant_ids[T], app, "台看", stage="rectification_reported")
    page = f"/t/{T}/inspections/{seeded['inspection_id']}"
    office = (await client.get(page)).text
    assert "新增整改事项</summary>" in office and "登记整改公开</summary>" in office
    assert "报送整改报告</summary>" in office
    leading = await new_actor(app, client, database, tenant_ids, T, "leading_group")
    html = (await leading.get(page)).text
    section = html[html.index('<section id="rectification"'):]
    assert "台看整改问题" in section and "<form" not in section
    assert "可新增整改事项" not in section  # not a stage matter: the forms are not theirs


async def test_walk_from_the_report_to_the_archive_by_plain_forms(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    """One inspection from its report to the archive: every step of this part by a page
    form (working papers and clues, other pages' work, go through their API)."""
    from core.inspection.tables import WorkingPaper

    seeded = await seed_inspection(database, tenant_ids[T], "台全", stage="reporting",
                                   year=2404)
    tid, iid = tenant_ids[T], seeded["inspection_id"]
    session = database.tenant(tid)
    page = f"/t/{T}/inspections/{iid}"

    async def form(path: str, data: dict[str, Any]) -> None:
        response = await client.post(f"/t/{T}/{path}", data=data, follow_redirects=False)
        assert response.status_code == 303, (path, data, response.text[-600:])

    async def stage(to: str, **extra: str) -> None:
        await form(f"inspections/{iid}/stage", {"to": to, **extra})
        row = await session.get(Inspection, iid)
        assert row is not None and row["stage"] == to

    await form(f"inspections/{iid}/report", {"step": "drafted", "title": "台全巡察报告"})
    for step in ("team_discussed", "leader_signed", "office_reviewed", "leading_group_heard",
                 "secretary_meeting_heard"):
        await form(f"inspections/{iid}/report", {"step": step})
    await session.update(WorkingPaper, {"inspection_id": iid}, {"status": "signed"})
    await stage("reviewed")
    await stage("feedback", remark="反馈会于当日召开")
    await stage("referral")
    clue = f"/t/{T}/api/clues/{seeded['clue_id']}"
    assert (await client.post(f"{clue}/referral", json={"receiving_body": "discipline"})
            ).status_code == 200
    await stage("rectifying")
    deadline = str(app.state.runtime.clock.today() + timedelta(days=30))
    await form(f"inspections/{iid}/rectification/items", {
        "org_id": str(seeded["org_id"]), "problem": "台全手填问题", "deadline": deadline})
    for item in await _items(database, tid, iid):
        url = f"rectification/items/{item['id']}"
        if item["status"] == "open":
            await form(f"{url}/status", {"to": "in_progress"})
        await form(f"{url}/status", {"to": "submitted"})
        await form(f"{url}/verify", {"to": "verified"})
        await form(f"{url}/verify", {"to": "closed", "remark": "核实销号"})
    assert {i["status"] for i in await _items(database, tid, iid)} == {"closed"}
    await form(f"inspections/{iid}/rectification/reports", {
        "org_id": str(seeded["org_id"]), "summary": "整改情况报告"})
    await stage("rectification_reported")
    await form(f"inspections/{iid}/disclosures", {"scope": "public", "remark": "网站公开"})
    await stage("disclosed")
    await stage("sustained")
    await signed_evaluations(app, client, database, T, iid)
    await stage("evaluated")
    html = (await client.get(page)).text
    assert "转入“立卷归档”：尚缺" in html and "还有 1 条问题线索未办结" in html
    assert (await client.post(f"{clue}/receipt", json={})).status_code == 200
    assert (await client.post(f"{clue}/outcome", json={"outcome": "予以诫勉谈话"})
            ).status_code == 200
    await stage("archived", retention="permanent")
    row = await session.get(Inspection, iid)
    assert row is not None and row["retention"] == "permanent" and row["archived_on"]
    html = (await client.get(page)).text
    assert "本次巡察已立卷归档，流程已全部完成。" in html and "反馈会于当日召开" in html
    logs = await session.list(InspectionLog, {"inspection_id": iid, "kind": "stage"},
                              order_by=("at", "id"), limit=None)
    assert [r["to_value"] for r in logs][-9:] == [
        "reviewed", "feedback", "referral", "rectifying", "rectification_reported",
        "disclosed", "sustained", "evaluated", "archived"]


async def test_the_overdue_scan_from_the_ledger_page(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    from tests.authz.conftest import new_actor

    seeded = await fed_back(database, tenant_ids[T], app, "台扫", stage="rectifying")
    tid, iid, item_id = tenant_ids[T], seeded["inspection_id"], seeded["item_id"]
    session = database.tenant(tid)
    await session.update(RectificationItem, {"id": item_id}, {
        "status": "in_progress", "deadline": seeded["today"] - timedelta(days=5)})
    ledger = f"/t/{T}/ledger"
    html = (await client.get(ledger, params={"inspection_id": iid})).text
    assert "立即执行超期督办扫描" in html and 'name="scope" value="inspection"' in html
    url = f"/t/{T}/rectification/scan"
    missing = await client.post(url, data={"scope": "inspection"}, headers=HTMX)
    assert missing.status_code == 400 and "请指定巡察任务" in missing.text
    no_scope = await client.post(url, data={}, headers=HTMX)
    assert no_scope.status_code == 400 and "缺少必填字段" in no_scope.text
    assert (await _item(database, tid, item_id))["escalation"] == "none"
    scanned = await client.post(url, data={"scope": "inspection", "inspection_id": str(iid)},
                                headers=HTMX)
    assert scanned.status_code == 200 and 'id="scan-result"' in scanned.text
    assert "超期督办扫描已完成：督办通知 1，提醒 0，预警 0，问责 0（共 1 项）" in scanned.text
    assert (await _item(database, tid, item_id))["escalation"] == "supervision_notice"
    again = await client.post(url, data={"scope": "tenant"}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == ledger
    assert (await _item(database, tid, item_id))["escalation"] == "supervision_notice"
    leading = await new_actor(app, client, database, tenant_ids, T, "leading_group")
    assert "立即执行超期督办扫描" not in (await leading.get(ledger)).text
