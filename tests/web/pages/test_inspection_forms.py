"""Inspection forms: plan an inspection in a round with the org picker, edit it, record
the notice; the stage moves labelled by direction and the overdue warning."""

from __future__ import annotations

from datetime import date, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.inspection.tables import Inspection, InspectionLog, InspectionTarget, TeamMember
from tests.conftest import acting_as
from tests.inspection.helpers import api, new_inspection, new_round, ok, org_ids
from tests.web.pages.test_planning import beside

Client = AsyncTestClient[Litestar]
T = "ta.one"
HTMX = {"HX-Request": "true"}


async def test_an_inspection_is_planned_in_a_round_with_the_org_picker(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    session = database.tenant(tenant_ids[T])
    round_ = await new_round(client, T)
    url = f"/t/{T}/rounds/{round_['id']}/inspections"
    form = await client.get(f"{url}/new")
    assert form.status_code == 200
    html = form.text
    # kinds with their Chinese labels; orgs grouped, each township with its villages
    assert '<option value="special">专项巡察（须填写专项主题）</option>' in html
    assert "<summary>东风镇" in html and "张庄村" in html and "李庄村" in html
    assert html.index("<summary>东风镇") < html.index("张庄村")
    assert 'data-filter-list="org-picker-list"' in html
    assert html.split('id="inspection-form"')[1].count("<select") == 1  # the kind only
    finance, township, village = await org_ids(client, T, "D001", "T01", "T01V001")
    before = await session.count(Inspection, {"round_id": round_["id"]})
    # no target: refused beside the picker, nothing created
    none = await client.post(url, data={"kind": "regular", "team_name": "第二组"},
                             headers=HTMX)
    assert none.status_code == 400 and "<html" not in none.text
    assert beside(none.text, "org_ids", "请至少选择一个被巡察对象")
    assert 'value="第二组"' in none.text
    topic = await client.post(url, data={"kind": "special", "org_ids": [str(finance)]})
    assert topic.status_code == 400 and "<html" in topic.text
    assert beside(topic.text, "topic", "专项巡察须填写专项主题")
    assert f'value="{finance}" checked' in topic.text  # the picked org stays picked
    dates = await client.post(url, data={
        "kind": "regular", "org_ids": [str(finance)], "onsite_start": "2031-05-01",
        "onsite_end": "2031-04-01"}, headers=HTMX)
    assert dates.status_code == 400
    assert beside(dates.text, "onsite_end", "撤离日期不能早于进驻日期")
    unknown = await client.post(url, data={"kind": "nope", "org_ids": [str(finance)]},
                                headers=HTMX)
    assert unknown.status_code == 400 and beside(unknown.text, "kind",
                                                 "巡察类型 nope 不存在或未启用")
    assert await session.count(Inspection, {"round_id": round_["id"]}) == before
    made = await client.post(url, data={
        "kind": "regular", "team_name": "第二巡察组", "onsite_start": "2031-05-01",
        "onsite_end": "2031-06-15", "org_ids": [str(township), str(village)]}, headers=HTMX)
    assert made.status_code == 200, made.text
    (row,) = await session.list(Inspection, {"round_id": round_["id"],
                                             "team_name": "第二巡察组"})
    assert made.headers["HX-Redirect"] == f"/t/{T}/inspections/{row['id']}"
    targets = await session.list(InspectionTarget, {"inspection_id": row["id"]})
    assert sorted(t["org_id"] for t in targets) == sorted([township, village])
    assert row["title"].endswith("第二巡察组常规巡察") and row["stage"] == "planned"
    page = (await client.get(f"/t/{T}/inspections/{row['id']}")).text
    assert f"/t/{T}/inspections/{row['id']}/edit" in page and "组建巡察组" in page
    missing = await client.get(f"/t/{T}/rounds/999999/inspections/new")
    assert missing.status_code == 404


async def test_an_inspection_is_edited_targets_only_while_planned(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    session = database.tenant(tenant_ids[T])
    insp = await new_inspection(client, codes=("D001",))
    iid = insp["id"]
    url = f"/t/{T}/inspections/{iid}/edit"
    form = await client.get(url)
    assert form.status_code == 200 and f'value="{insp["title"]}"' in form.text
    (finance,) = await org_ids(client, T, "D001")
    (township,) = await org_ids(client, T, "T01")
    assert f'value="{finance}" checked' in form.text
    saved = await client.post(url, data={
        "title": "改后的巡察任务", "team_name": "第三巡察组", "onsite_start": "2031-03-01",
        "onsite_end": "2031-04-15", "org_ids": [str(finance), str(township)]},
        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"/t/{T}/inspections/{iid}"
    row = await session.get(Inspection, iid)
    assert row is not None and row["title"] == "改后的巡察任务"
    assert row["onsite_start"] == date(2031, 3, 1)
    assert await session.count(InspectionTarget, {"inspection_id": iid}) == 2
    blank = await client.post(url, data={"title": "", "org_ids": [str(finance)]},
                              headers=HTMX)
    assert blank.status_code == 400 and 'id="e-title"' in blank.text
    emptied = await client.post(url, data={"title": "改后的巡察任务"}, headers=HTMX)
    assert emptied.status_code == 400
    assert beside(emptied.text, "org_ids", "请至少选择一个被巡察对象")
    assert await session.count(InspectionTarget, {"inspection_id": iid}) == 2
    # past briefing: refused with the stage's reason, nothing changed
    await session.update(Inspection, {"id": iid}, {"stage": "onsite"})
    late = await client.post(url, data={"title": "进驻后再改"}, headers=HTMX)
    assert late.status_code == 409 and "修改任务信息" in late.text
    assert "任务信息不能再修改" in late.text
    assert (await session.get(Inspection, iid) or {})["title"] == "改后的巡察任务"


async def test_the_notice_is_recorded_from_the_inspection_page(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    today = app.state.runtime.clock.today()
    session = database.tenant(tenant_ids[T])
    insp = await new_inspection(client, codes=("D001",))
    iid = insp["id"]
    url = f"/t/{T}/inspections/{iid}/notice"
    early = await client.post(url, data={}, headers=HTMX)
    assert early.status_code == 409 and "登记巡察通知" in early.text
    assert 'id="notice-form"' in early.text
    await session.update(Inspection, {"id": iid}, {"stage": "authorized"})
    page = (await client.get(f"/t/{T}/inspections/{iid}")).text
    assert f'action="{url}"' in page and "<h2>巡察通知</h2>" in page
    future = (today + timedelta(days=30)).isoformat()
    refused = await client.post(url, data={"sent_on": future})
    assert refused.status_code == 400 and "<html" in refused.text
    assert beside(refused.text, "sent_on", "通知日期不能晚于今天")
    assert (await session.get(Inspection, iid) or {})["notice_sent_on"] is None
    sent_on = today - timedelta(days=10)
    sent = await client.post(url, data={"sent_on": sent_on.isoformat(),
                                        "remark": "已公布巡察公告"}, headers=HTMX)
    assert sent.status_code == 200 and sent.headers["HX-Redirect"] == f"/t/{T}/inspections/{iid}"
    assert (await session.get(Inspection, iid) or {})["notice_sent_on"] == sent_on
    logs = await session.list(InspectionLog, {"inspection_id": iid, "kind": "notice"})
    assert [entry["remark"] for entry in logs] == ["已公布巡察公告"]


async def test_stage_moves_are_labelled_by_direction(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    session = database.tenant(tenant_ids[T])
    iid = (await new_inspection(client, codes=("D001",)))["id"]
    await session.update(Inspection, {"id": iid}, {"stage": "withdrawn"})
    after_withdrawal = (await client.get(f"/t/{T}/inspections/{iid}")).text
    assert '<option value="reporting">转入“形成报告”</option>' in after_withdrawal
    assert "退回" not in after_withdrawal
    await session.update(Inspection, {"id": iid}, {"stage": "reviewed"})
    reviewed = (await client.get(f"/t/{T}/inspections/{iid}")).text
    assert '<option value="feedback">转入“反馈意见”</option>' in reviewed
    assert '<option value="reporting">退回“形成报告”（报告须修改）</option>' in reviewed


async def test_the_stage_form_is_offered_only_to_who_may_move_the_stage(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    """The office moves stages; the leading group reads the conditions but gets no form
    (its post would be refused)."""
    iid = (await new_inspection(client, codes=("D001",)))["id"]
    stage_form = f'action="/t/{T}/inspections/{iid}/stage"'
    staff, _ = await acting_as(app, client, database, "office_staff", T)
    leading, _ = await acting_as(app, client, database, "leading_group", T)
    assert stage_form in (await staff.get(f"/t/{T}/inspections/{iid}")).text
    page = (await leading.get(f"/t/{T}/inspections/{iid}")).text
    assert stage_form not in page and 'data-stage-form="hidden"' in page
    assert "转入“" in page  # the conditions are still shown
    refused = await leading.post(f"/t/{T}/inspections/{iid}/stage", data={"to": "authorized"})
    assert refused.status_code == 403


async def test_an_inspection_on_site_past_its_planned_end_is_flagged(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    session = database.tenant(tenant_ids[T])
    iid = (await new_inspection(client, codes=("D001",)))["id"]
    today = app.state.runtime.clock.today()
    end = today - timedelta(days=21)
    await session.update(Inspection, {"id": iid}, {
        "stage": "onsite", "onsite_start": end - timedelta(days=30), "onsite_end": end})
    page = (await client.get(f"/t/{T}/inspections/{iid}")).text
    assert f"计划于 {end} 撤离，已超期 21 天仍在进驻中" in page
    assert 'class="alert warning"' in page
    await session.update(Inspection, {"id": iid}, {"onsite_end": today})
    assert "已超期" not in (await client.get(f"/t/{T}/inspections/{iid}")).text
    await session.update(Inspection, {"id": iid}, {
        "stage": "briefing", "onsite_start": today - timedelta(days=3)})
    late = (await client.get(f"/t/{T}/inspections/{iid}")).text
    assert f"计划于 {today - timedelta(days=3)} 进驻，已过 3 天仍未进驻" in late
    assert await session.count(TeamMember, {"inspection_id": iid}) == 0


async def test_the_api_refuses_an_inspection_without_targets_too(client: Client) -> None:
    round_ = await new_round(client, T)
    refused = await client.post(api(T, "inspections"), json={
        "round_id": round_["id"], "kind": "regular", "org_ids": []})
    assert refused.status_code == 400
    body = ok(await client.get(api(T, "inspections"), params={"round_id": round_["id"]}))
    assert body["total"] == 0
