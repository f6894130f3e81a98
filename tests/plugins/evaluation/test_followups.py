"""What issue 15 added to the evaluation plugin (shared app, both backends): appraisals in
team performance through the hook, open ledger items carried into a lookback, interviews
(约谈) and the desk, the grade scheme setting, and the city's evaluation of a county office."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import msgspec
from docx import Document
from litestar import Litestar
from openpyxl import load_workbook

from core.api import DeskViewer, Work
from core.clock import Clock
from core.db import Database
from core.inspection.tables import Finding, RectificationItem
from plugins.evaluation.desk import interviews_due, late_evaluations
from plugins.evaluation.lookback import carry_items
from plugins.evaluation.performance import NOT_RECORDED, round_performance
from plugins.evaluation.tables import LookbackCarriedItem
from tests.conftest import ActingClient, acting_as
from tests.inspection.helpers import Client, ok
from tests.plugins.evaluation.helpers import COUNTY, api, create, page, seeded, sign_off
from tests.sync.helpers import eventually


def _today() -> date:
    """Today in China, as the server reckons dates (not the machine's UTC date)."""
    return Clock().today()

CITY = "ta"


async def _work(app: Litestar, database: Database, code: str,
                without: str | None = None) -> Work:
    """A unit of work in ``code`` as the app runs it (optionally with a plugin disabled)."""
    runtime = app.state.runtime
    tenant = await runtime.tenants.get(code)
    if without:
        tenant = msgspec.structs.replace(tenant, plugins=[*tenant.plugins, f"-{without}"])
    return Work(session=database.tenant(tenant.id), tenant=tenant, actor="test",
                clock=Clock(), plugins=runtime.plugins)


async def _poor(client: Client, signer: ActingClient, ids: dict[str, Any],
                tenant: str = COUNTY) -> dict[str, Any]:
    """A signed-off evaluation with 45 points taken (差, or 不合格 in the three-grade scheme)."""
    made = await create(client, ids, tenant)
    heavy = [("tasks_perfunctory", 15), ("tasks_systems", 10), ("tasks_recurrence", 10),
             ("tasks_clues", 10)]
    ok(await client.post(api(tenant, f"evaluations/{made['id']}/deductions"), json={
        "deductions": [{"item": i, "points": p, "evidence": "评估组核查"} for i, p in heavy],
        "group_members": "张三"}))
    return await sign_off(client, signer, made["id"], tenant)


async def _settings(client: Client, tenant: str, **values: Any) -> None:
    ok(await client.patch(f"/t/{tenant}/api/settings", json={"values": values}))


async def test_team_performance_shows_each_members_appraisal_through_the_hook(
        app: Litestar, client: Client, database: Database,
        tenant_ids: dict[str, int]) -> None:
    ids = await seeded(database, tenant_ids)
    ok(await client.post(f"/t/{COUNTY}/api/talent/rounds/{ids['round_id']}/appraisals",
                         json={"appraisals": [{"member_id": ids["member_id"],
                                               "grade": "excellent", "note": "敢于碰硬"}]}))
    found = ok(await client.get(api(COUNTY, f"rounds/{ids['round_id']}/performance")))
    assert found["appraisals_recorded"] is True and found["appraisals_note"] == ""
    (team,) = found["teams"]
    (member,) = team["members"]
    assert (member["role_label"], member["grade"], member["grade_label"], member["note"]) == (
        "组长", "excellent", "优秀", "敢于碰硬")
    shown = await client.get(page(COUNTY, "performance"), params={"round_id": ids["round_id"]})
    assert shown.status_code == 200 and "巡察干部考核" in shown.text and "优秀" in shown.text
    # The same round in a tenant that disabled the talent pool: nobody answers the hook.
    off = await round_performance(await _work(app, database, COUNTY, "talent_pool"),
                                  ids["round_id"])
    assert off["appraisals_recorded"] is False and off["appraisals_note"] == NOT_RECORDED
    assert [m["grade_label"] for m in off["teams"][0]["members"]] == ["未记录"]
    other = await seeded(database, tenant_ids)  # appraised nobody yet
    fresh = ok(await client.get(api(COUNTY, f"rounds/{other['round_id']}/performance")))
    assert [m["grade_label"] for m in fresh["teams"][0]["members"]] == ["尚未考核"]


async def test_a_lookback_carries_the_open_items_once_and_shows_those_closed_since(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int],
        signer: ActingClient) -> None:
    session = database.tenant(tenant_ids[COUNTY])
    ids = await seeded(database, tenant_ids)
    (second,) = await session.insert(RectificationItem, [{
        "inspection_id": ids["inspection_id"], "org_id": ids["org_id"],
        "problem": "第二个未销号问题", "deadline": _today() + timedelta(days=30),
        "status": "open"}])
    await _poor(client, signer, ids)
    made = ok(await client.post(api(COUNTY, "lookback"), json={
        "earlier_id": ids["inspection_id"], "round_id": ids["round_id"]}), 201)
    assert made["carried"] == [ids["item_id"], second]  # the closed one stays behind
    work = await _work(app, database, COUNTY)
    assert await carry_items(work, made["inspection_id"], ids["inspection_id"]) == []
    assert await session.count(LookbackCarriedItem, {"item_id": [ids["item_id"], second]}) == 2
    await session.insert(Finding, [{
        "inspection_id": made["inspection_id"], "org_id": ids["org_id"],
        "category": "political", "title": "回头看新问题", "source": "interview",
        "recorded_by": "test"}])
    await session.update(RectificationItem, {"id": second},
                         {"status": "closed", "closed_on": _today()})
    side = ok(await client.get(api(COUNTY, f"lookback/{made['inspection_id']}")))
    assert (side["carried"], side["closed_since"]) == (2, 1)
    (unit,) = side["units"]
    by_id = {i["id"]: i for i in unit["earlier_items"]}
    assert by_id[second]["closed_in_lookback"] and by_id[second]["status_label"] == "已销号"
    assert not by_id[ids["item_id"]]["closed_in_lookback"] and by_id[ids["item_id"]]["overdue"]
    assert [f["title"] for f in unit["new_findings"]] == ["回头看新问题"]
    shown = await client.get(page(COUNTY, f"lookback/{made['inspection_id']}"))
    assert shown.status_code == 200 and "回头看期间已销号" in shown.text
    assert "转入本次“回头看”的上次未销号整改事项 2 项，其中回头看期间已销号 1 项" in shown.text


async def test_a_weak_unit_is_interviewed_listed_for_lookback_and_on_the_desk(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int],
        signer: ActingClient) -> None:
    ids = await seeded(database, tenant_ids)
    poor = await _poor(client, signer, ids)
    assert poor["interview_needed"] and poor["interview"] is None
    assert poor["interview_due"] == (_today() + timedelta(days=30)).isoformat()
    found = {c["earlier_id"]: c for c in ok(await client.get(api(COUNTY, "lookback/candidates")))}
    assert any("“差”（55 分），待约谈" in r for r in found[ids["inspection_id"]]["reasons"])
    work = await _work(app, database, COUNTY)
    due = await interviews_due(work)
    assert any(e.path == f"evaluation/{poor['id']}" and e.level == "todo" for _, _, e in due)
    home = await client.get(f"/t/{COUNTY}/")
    assert 'data-code="interviews_due"' in home.text
    url = api(COUNTY, f"evaluations/{poor['id']}/interview")
    assert (await client.get(url)).status_code == 404
    future = await client.post(url, json={"held_on": (_today() + timedelta(days=1))
                                          .isoformat(), "interviewer": "王书记",
                                          "interviewee": "李局长"})
    assert future.status_code == 400 and "约谈日期不能晚于今天" in future.text
    blank = await client.post(url, json={"held_on": "不是日期", "interviewer": "王",
                                         "interviewee": "李"})
    assert blank.status_code == 400 and "held_on" in blank.text
    good = await create(client, await seeded(database, tenant_ids))
    good = await sign_off(client, signer, good["id"])
    refused = await client.post(api(COUNTY, f"evaluations/{good['id']}/interview"), json={
        "held_on": _today().isoformat(), "interviewer": "王", "interviewee": "李"})
    assert refused.status_code == 409 and "只有经审核签发" in refused.text
    staff, _ = await acting_as(app, client, database, None, COUNTY)
    assert (await staff.post(url, json={"held_on": _today().isoformat(),
                                        "interviewer": "王", "interviewee": "李"})
            ).status_code == 403
    form = await client.post(page(COUNTY, f"{poor['id']}/interview"), data={
        "held_on": _today().isoformat(), "interviewer": "王书记", "interviewee": "李局长",
        "notes": "指出整改敷衍问题，限期整改"}, follow_redirects=False)
    assert form.status_code == 303 and "done=interviewed" in form.headers["location"]
    held = ok(await client.get(url))
    assert (held["interviewer"], held["interviewee"]) == ("王书记", "李局长")
    again = await client.post(url, json={"held_on": _today().isoformat(),
                                         "interviewer": "王", "interviewee": "李"})
    assert again.status_code == 409 and "已经登记" in again.text
    shown = await client.get(page(COUNTY, str(poor["id"])))
    assert "王书记约谈李局长" in shown.text and "指出整改敷衍问题" in shown.text
    assert all(e.path != f"evaluation/{poor['id']}" for _, _, e in await interviews_due(work))
    found = {c["earlier_id"]: c for c in ok(await client.get(api(COUNTY, "lookback/candidates")))}
    assert any(f"已于 {_today()} 约谈" in r for r in found[ids["inspection_id"]]["reasons"])


async def test_the_desk_lists_units_whose_evaluation_is_late_to_be_signed(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int],
        signer: ActingClient) -> None:
    late = await seeded(database, tenant_ids, submitted_late_by=-15)  # reported 45 days ago
    work = await _work(app, database, COUNTY)

    def entry(found: list[Any], title: str) -> Any:
        return next((e for _, _, e in found if title in e.title), None)

    listed = entry(await late_evaluations(work), "尚未建立评估")
    assert listed is not None
    made = await create(client, late)
    started = [e for _, _, e in await late_evaluations(work)
               if e.path == f"evaluation/{made['id']}"]
    assert len(started) == 1 and started[0].level == "overdue" and "已逾期 15 天" in started[0].note
    await sign_off(client, signer, made["id"])
    assert all(e.path != f"evaluation/{made['id']}" for _, _, e in await late_evaluations(work))
    from plugins.evaluation.desk import desk_items
    viewer = DeskViewer(username="x", home_tenant=COUNTY, actions=frozenset({"evaluation:read"}))
    assert await desk_items(work, viewer) == []  # a reader has nothing to do


async def test_the_three_grade_scheme_labels_pages_exports_and_the_city(
        client: Client, database: Database, tenant_ids: dict[str, int],
        signer: ActingClient) -> None:
    bad = await client.patch(f"/t/{COUNTY}/api/settings",
                             json={"values": {"evaluation_grade_scheme": "five"}})
    assert 400 <= bad.status_code < 500 and "evaluation_grade_scheme" in bad.text
    try:
        await _settings(client, COUNTY, evaluation_grade_scheme="three")
        fine = await create(client, await seeded(database, tenant_ids, submitted_late_by=9))
        assert fine["grade_label"] == "合格"  # 92 points
        poor = await _poor(client, signer, await seeded(database, tenant_ids))
        assert (poor["grade"], poor["grade_label"]) == ("unqualified", "不合格")
        assert poor["interview_needed"]
        listed = await client.get(page(COUNTY, "lookback"))
        assert "整改评估等次为“基本合格”“不合格”或尚有" in listed.text
        notice = await client.get(api(COUNTY, f"evaluations/{poor['id']}/notice.docx"))
        text = "\n".join(p.text for p in Document(io.BytesIO(notice.content)).paragraphs)
        assert "评估等次为“不合格”" in text and "将约谈你单位主要负责人" in text
        table = await client.get(api(COUNTY, "scores.xlsx"),
                                 params={"inspection_id": poor["inspection_id"]})
        sheet = load_workbook(io.BytesIO(table.content)).active
        assert sheet is not None and list(sheet.iter_rows(values_only=True))[2][-2] == "不合格"
        await _settings(client, COUNTY, evaluation_grade_basic=85)
        disordered = await client.get(api(COUNTY, f"evaluations/{poor['id']}"))
        assert disordered.status_code == 400 and "合格 80、基本合格 85" in disordered.text
        await _settings(client, COUNTY, evaluation_grade_basic=60)

        async def arrived() -> dict[str, Any] | None:
            body = ok(await client.get(api(CITY, "counties")))
            county = next(c for c in body["counties"] if c["code"] == COUNTY)
            return county if any(r["source_id"] == poor["id"] for r in county["results"]) \
                else None

        county = await eventually(arrived, what="the 不合格 evaluation at the city")
        assert county is not None
        # The city keeps 好/较好/一般/差 and shows the county's own label beside them.
        assert list(county["by_grade"])[:4] == ["好", "较好", "一般", "差"]
        assert county["by_grade"]["不合格"] >= 1
        await _settings(client, CITY, evaluation_grade_scheme="three")
        body = ok(await client.get(api(CITY, "counties")))
        county = next(c for c in body["counties"] if c["code"] == COUNTY)
        assert list(county["by_grade"])[:3] == ["合格", "基本合格", "不合格"]
        shown = await client.get(page(CITY, "counties"))
        assert "等次：合格、基本合格、不合格" in shown.text and "不合格 " in shown.text
    finally:
        await _settings(client, COUNTY, evaluation_grade_scheme="four",
                        evaluation_grade_basic=60)
        await _settings(client, CITY, evaluation_grade_scheme="four")


async def test_the_city_evaluates_a_county_offices_own_work_and_compares_it(
        app: Litestar, client: Client, database: Database) -> None:
    year = _today().year
    base = api(CITY, "offices")
    made = ok(await client.post(base, json={"county": COUNTY, "year": year,
                                            "group_members": "市巡察办评估组"}), 201)
    assert made["county_name"] == "甲一县委巡察办" and made["total"] == 100.0
    assert [i["code"] for i in made["indicators"]] == [
        "office_leadership", "office_supervision", "office_rectification", "office_cadres"]
    again = await client.post(base, json={"county": COUNTY, "year": year})
    assert again.status_code == 409 and "已经建立" in again.text
    stranger = await client.post(base, json={"county": "tb", "year": year})
    assert stranger.status_code == 400 and "不是本市的县（市、区）巡察机构" in stranger.text
    old = await client.post(base, json={"county": COUNTY, "year": 1999})
    assert old.status_code == 400 and "year" in old.text
    county_side = await client.post(api(COUNTY, "offices"), json={"county": COUNTY,
                                                                   "year": year})
    assert county_side.status_code == 403 and "下级巡察机构" in county_side.text
    url = f"{base}/{made['id']}"
    wrong = await client.post(f"{url}/deductions", json={"deductions": [
        {"item": "tasks_funds", "points": 1, "evidence": "单位指标不适用"}]})
    assert wrong.status_code == 400 and "不在本机构的评估指标中" in wrong.text
    saved = ok(await client.post(f"{url}/deductions", json={
        "deductions": [{"item": "office_reports_late", "points": 6,
                        "evidence": "两轮巡察报告超期"}],
        "group_members": "市巡察办评估组"}))
    assert saved["total"] == 94.0 and saved["grade_label"] == "好"
    ok(await client.post(f"{url}/submit"))
    own = await client.post(f"{url}/sign")
    assert own.status_code == 409 and "评分人不能签发" in own.text
    city_signer, _ = await acting_as(app, client, database, "leading_group", CITY)
    back = ok(await city_signer.post(f"{url}/send-back", json={"reason": "证据不全"}))
    assert back["status"] == "draft"
    ok(await client.post(f"{url}/submit"))
    signed = ok(await city_signer.post(f"{url}/sign"))
    assert signed["status"] == "signed"
    body = ok(await client.get(api(CITY, "counties")))
    county = next(c for c in body["counties"] if c["code"] == COUNTY)
    assert county["office_evaluation"] == {"id": made["id"], "year": year, "total": 94.0,
                                           "grade_label": "好"}
    shown = await client.get(page(CITY, "counties"))
    assert shown.status_code == 200 and f"{year} 年度 94.0 分（好）" in shown.text
    detail = await client.get(page(CITY, f"offices/{made['id']}"))
    assert detail.status_code == 200 and "两轮巡察报告超期" in detail.text
    word = await client.get(f"{url}/form.docx")
    assert word.status_code == 200 and "filename*=UTF-8''" in word.headers["content-disposition"]
    document = Document(io.BytesIO(word.content))
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "巡察报告未按期形成和报告" in cells and "两轮巡察报告超期" in cells
    assert any("总分：94 分    等次：好" in p.text for p in document.paragraphs)
    form = await client.post(page(CITY, "offices"), data={
        "county": COUNTY, "year": str(year - 1), "group_members": "评估组"},
        follow_redirects=False)
    assert form.status_code == 303 and "/evaluation/offices/" in form.headers["location"]
    bad_form = await client.post(page(CITY, "offices"), data={"county": COUNTY,
                                                              "year": "明年"})
    assert bad_form.status_code == 400 and "year" in bad_form.text
    edited = await client.post(form.headers["location"].split("?")[0] + "/deductions", data={
        "points.office_training": "abc", "evidence.office_training": "x"})
    assert edited.status_code == 400 and "应为数字" in edited.text
