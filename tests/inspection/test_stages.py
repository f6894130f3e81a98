"""The stage machine: only allowed moves, preconditions with reasons, dates and timeline."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar import Litestar

from core.db import Database
from core.inspection.tables import Inspection, InspectionLog
from tests.inspection.helpers import Client, api, new_inspection, ok


def _stage_url(insp: dict[str, Any]) -> str:
    return api("ta.one", f"inspections/{insp['id']}/stage")


async def _move(client: Client, insp: dict[str, Any], to: str, **extra: Any) -> Any:
    return await client.post(_stage_url(insp), json={"to": to, **extra})


def _reasons(response: Any) -> list[str]:
    assert response.status_code == 409, response.text
    return [e["message"] for e in response.json()["errors"]]


async def _authorizable(client: Client, app: Litestar, arrival: date) -> dict[str, Any]:
    insp = await new_inspection(client, onsite_start=arrival.isoformat())
    team = api("ta.one", f"inspections/{insp['id']}/team")
    ok(await client.post(team, json={"person": "leader1", "name": "组长甲", "role": "leader",
                                     "recusal_declared": True}), 201)
    return insp


async def test_only_allowed_moves(client: Client) -> None:
    insp = await new_inspection(client)
    jump = await _move(client, insp, "onsite")
    (reason,) = _reasons(jump)
    assert "不能转入“进驻巡察”" in reason and "可转入：“组建授权”" in reason
    unknown = await _move(client, insp, "finished")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "to"
    carry = await _move(client, insp, "authorized", carry_over=True)
    assert carry.status_code == 400 and carry.json()["errors"][0]["field"] == "carry_over"


async def test_authorisation_needs_leader_declarations_and_dates(client: Client) -> None:
    insp = await new_inspection(client)
    reasons = _reasons(await _move(client, insp, "authorized"))
    assert any("组长" in r for r in reasons) and any("进驻日期" in r for r in reasons)
    team = api("ta.one", f"inspections/{insp['id']}/team")
    ok(await client.post(team, json={"person": "p1", "name": "张三", "role": "leader"}), 201)
    ok(await client.patch(api("ta.one", f"inspections/{insp['id']}"),
                          json={"onsite_start": "2031-03-20"}))
    reasons = _reasons(await _move(client, insp, "authorized"))
    assert reasons == ["以下人员尚未提交回避声明：张三"]
    members = ok(await client.get(team))
    ok(await client.patch(f"{team}/{members[0]['id']}", json={"recusal_declared": True}))
    moved = ok(await _move(client, insp, "authorized", remark="领导小组批准"))
    assert moved["stage"] == "authorized"
    assert moved["notice_due"] == "2031-03-10"  # 10 days before arrival (tenant default)
    (leader,) = ok(await client.get(team))
    assert leader["authorized_at"] is not None and leader["released_at"] is None
    late = ok(await client.post(team, json={"person": "p2", "name": "李四", "role": "member"}),
              201)
    assert late["authorized_at"] is not None  # joining after authorisation authorises


async def test_onsite_needs_notice_in_time(client: Client, app: Litestar) -> None:
    clock = app.state.runtime.clock
    today = clock.today()
    insp = await _authorizable(client, app, today + timedelta(days=5))
    ok(await _move(client, insp, "authorized"))
    ok(await _move(client, insp, "briefing"))
    reasons = _reasons(await _move(client, insp, "onsite"))
    assert reasons == ["尚未向被巡察单位发出巡察通知"]
    notice = api("ta.one", f"inspections/{insp['id']}/notice")
    future = await client.post(notice, json={"sent_on": (today + timedelta(days=1)).isoformat()})
    assert future.status_code == 400
    ok(await client.post(notice, json={}))
    (reason,) = _reasons(await _move(client, insp, "onsite"))
    assert "进驻前 10 天" in reason
    try:
        clock.advance(timedelta(days=10))
        moved = ok(await _move(client, insp, "onsite"))
        assert moved["arrived_on"] == clock.today().isoformat()
        withdrawn = ok(await _move(client, insp, "withdrawn"))
        assert withdrawn["withdrawn_on"] == clock.today().isoformat()
        assert withdrawn["report_due"] > withdrawn["withdrawn_on"]
    finally:
        clock.reset()
    team = ok(await client.get(api("ta.one", f"inspections/{insp['id']}/team")))
    assert all(m["released_at"] is not None for m in team)  # access ends on withdrawal


async def test_report_steps_in_order_gate_review(client: Client, database: Database,
                                                 tenant_ids: dict[str, int]) -> None:
    insp = await new_inspection(client)
    session = database.tenant(tenant_ids["ta.one"])
    await session.update(Inspection, {"id": insp["id"]}, {"stage": "reporting"})
    report = api("ta.one", f"inspections/{insp['id']}/report")
    skipped = await client.post(report, json={"step": "leader_signed"})
    assert skipped.status_code == 409 and "下一步应为“起草完成”" in skipped.text
    untitled = await client.post(report, json={"step": "drafted"})
    assert untitled.status_code == 400
    ok(await client.post(report, json={"step": "drafted", "title": "关于巡察甲一县财政局的报告"}))
    (reason,) = _reasons(await _move(client, insp, "reviewed"))
    assert "书记专题会" in reason
    for step in ("team_discussed", "leader_signed", "office_reviewed", "leading_group_heard",
                 "secretary_meeting_heard"):
        ok(await client.post(report, json={"step": step}))
    reviewed = ok(await _move(client, insp, "reviewed"))
    assert reviewed["report_step_label"] == "书记专题会审议"
    back = ok(await _move(client, insp, "reporting", remark="书记专题会要求修改"))
    assert back["stage"] == "reporting"
    timeline = ok(await client.get(api("ta.one", f"inspections/{insp['id']}/timeline")))
    assert [e["label"] for e in timeline][-3:] == ["巡察报告：书记专题会审议", "审议报告",
                                                   "形成报告"]
    assert timeline[-1]["remark"] == "书记专题会要求修改"
    logs = await session.list(InspectionLog, {"inspection_id": insp["id"]}, limit=None)
    assert len(logs) == len(timeline)


async def test_missing_for_lists_what_each_next_stage_lacks_without_moving(
    app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    from core.inspection.model import Stage
    from core.inspection.stages import missing_for
    from core.inspection.tables import Clue, RectificationItem
    from core.work import Work
    from tests.inspection.seed import seed_inspection

    seeded = await seed_inspection(database, tenant_ids["ta.one"], "缺项", stage="evaluated",
                                   year=2403)
    session = database.tenant(tenant_ids["ta.one"])
    runtime = app.state.runtime
    work = Work(session=session, tenant=runtime.tenants._by_code["ta.one"], actor="test",
                clock=runtime.clock, plugins=runtime.plugins)
    iid = seeded["inspection_id"]
    assert await missing_for(work, iid) == {Stage.archived: [
        "还有 1 条问题线索未办结，也未转入持续整改",
        "还有 1 项整改事项未销号，也未转入持续整改"]}
    row = await session.get(Inspection, iid)
    assert row is not None and row["stage"] == "evaluated" and row["archived_on"] is None
    await session.update(Clue, {"inspection_id": iid}, {"carried_over": True})
    await session.update(RectificationItem, {"inspection_id": iid}, {"status": "closed"})
    assert await missing_for(work, iid) == {Stage.archived: []}
    await session.update(Inspection, {"id": iid}, {"stage": "reviewed"})
    missing = await missing_for(work, iid)
    assert missing == {Stage.feedback: [], Stage.reporting: []}  # back needs nothing
    await session.update(Inspection, {"id": iid}, {"stage": "sustained"})
    (reason,) = (await missing_for(work, iid))[Stage.evaluated]  # the evaluation plugin's
    assert reason.startswith("以下被巡察单位尚无经审核签发的整改评估：")
