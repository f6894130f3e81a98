"""A county round from ``planned`` to ``archived`` through the HTTP API.

Three orgs, ten findings, two clues, the ledger to closed and one overdue
escalation by a moved clock: what an office worker does in one inspection,
step by step, with the refusals they would meet on the way.
"""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

import docx
import openpyxl
from litestar import Litestar

from core.audit.chain import verify
from core.db import Database
from core.inspection.model import STAGE_LABELS, Stage
from tests.conftest import acting_as
from tests.inspection.helpers import Client, api, new_round, ok, org_ids
from tests.inspection.paper_steps import EventRecorder, plugged_in
from tests.plugins.evaluation.helpers import signed_evaluations

T = "ta.one"
CATEGORIES = ["political", "work_style", "discipline", "anti_corruption", "village_corruption"]


def url(path: str) -> str:
    return api(T, path)


async def move(client: Client, inspection_id: int, to: str, **extra: Any) -> dict[str, Any]:
    return ok(await client.post(url(f"inspections/{inspection_id}/stage"),  # type: ignore[no-any-return]
                                json={"to": to, **extra}))


async def refused(client: Client, inspection_id: int, to: str) -> str:
    response = await client.post(url(f"inspections/{inspection_id}/stage"), json={"to": to})
    assert response.status_code == 409, response.text
    return str(response.json()["message"])


async def test_a_county_round_from_planned_to_archived(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    clock = app.state.runtime.clock
    recorder = EventRecorder(tenants={T, "ta"})  # the county and its city
    try:
        with plugged_in(app, recorder):
            await _walk(app, client, clock, database, tenant_ids)
    finally:
        clock.reset()
    counts = {t: len(recorder.of(t)) for t in {e.type for e in recorder.events}}
    assert counts["inspection.stage_changed"] == 14
    assert counts["finding.recorded"] == 10
    assert counts["working_paper.signed"] == 10  # five papers reviewed and signed
    assert counts["clue.recorded"] == counts["clue.referred"] == counts["clue.closed"] == 2
    assert counts["rectification.report_submitted"] == 3
    assert counts["disclosure.recorded"] == 1
    closed = [e for e in recorder.of("rectification.item_changed") if e.status == "closed"]
    assert len(closed) == 10
    # Every event is the county's, but for what its city sends down in answer (the
    # shared findings it forwards to every county).
    assert {(e.origin, e.type) for e in recorder.events if e.origin != T} <= {
        ("ta", "shared_finding.forwarded")}
    # Persons stay in the county, except those of a clue about a city-managed cadre
    # (当事人1), which go up to the city in ``city_clue.reported`` only.
    assert not any("当事人2" in repr(e.payload) for e in recorder.events)
    assert not any("当事人1" in repr(e.payload) for e in recorder.events
                   if e.type != "city_clue.reported")
    assert any("当事人1" in repr(p) for p in recorder.of("city_clue.reported"))


async def _walk(app: Litestar, client: Client, clock: Any, database: Database,
                tenant_ids: dict[str, int]) -> None:
    today = clock.today()
    round_ = await new_round(client, T)
    orgs = await org_ids(client, T, "D001", "T01", "T01V001")
    insp = ok(await client.post(url("inspections"), json={
        "round_id": round_["id"], "kind": "regular", "team_name": "第二巡察组", "org_ids": orgs,
        "onsite_start": (today + timedelta(days=12)).isoformat(),
        "onsite_end": (today + timedelta(days=52)).isoformat()}), 201)
    iid = insp["id"]

    # authorized: a team with one leader, recusal declared by everyone. The office head
    # (the shared client's account, tester) leads it; the deputy has an account of the county.
    team = url(f"inspections/{iid}/team")
    deputy, deputy_name = await acting_as(app, client, database, None, T)
    members = [("tester", "刘组长", "leader", "ta"), (deputy_name, "陈副组长", "deputy", T),
               ("zhou", "周组员", "member", "ta")]  # a secondee from the city office
    for person, name, role, home in members:
        ok(await client.post(team, json={"person": person, "name": name, "role": role,
                                         "home_tenant": home, "recusal_declared": True}), 201)
    assert (await move(client, iid, "authorized"))["notice_due"] == (
        today + timedelta(days=2)).isoformat()
    ok(await client.post(url(f"inspections/{iid}/notice"), json={}))
    await move(client, iid, "briefing")
    assert "进驻前 10 天" in await refused(client, iid, "onsite")
    clock.advance(timedelta(days=12))
    await move(client, iid, "onsite", remark="召开进驻动员会")

    # onsite: five working papers and ten findings across the three orgs.
    papers, findings = [], []
    for n in range(5):
        org = orgs[n % 3]
        papers.append(ok(await client.post(url(f"inspections/{iid}/papers"), json={
            "number": f"二组-{n + 1:03d}", "title": f"底稿{n + 1}", "org_id": org,
            "paper_date": clock.today().isoformat(), "source": "interview",
            "summary": f"第{n + 1}份底稿摘要", "materials": ["谈话记录"]}), 201))
    for n in range(10):
        paper = papers[n // 2]
        findings.append(ok(await client.post(url(f"inspections/{iid}/findings"), json={
            "category": CATEGORIES[n % 5], "source": "interview", "org_id": paper["org_id"],
            "paper_id": paper["id"], "title": f"走查问题{n + 1}", "description": "具体表现",
            "severity": "serious" if n == 0 else "general", "fix_now": n == 1,
            "shared": n == 2}), 201))
    clues = [ok(await client.post(url(f"inspections/{iid}/clues"), json={
        "title": f"线索{n + 1}", "grade": "examine", "org_id": orgs[n],
        "persons": [{"name": f"当事人{n + 1}", "position": "主任"}],
        "city_managed": n == 0}), 201) for n in range(2)]
    # The deputy reviews every paper while the team is on site (its grant ends with 撤离).
    for paper in papers:
        ok(await deputy.post(url(f"papers/{paper['id']}/review"), json={}), 201)

    # withdrawn → reporting → reviewed: every paper signed, the report to the meeting.
    clock.advance(timedelta(days=40))
    assert (await move(client, iid, "withdrawn"))["report_due"] is not None
    await move(client, iid, "reporting")
    report = url(f"inspections/{iid}/report")
    ok(await client.post(report, json={"step": "drafted", "title": "巡察情况报告"}))
    for step in ("team_discussed", "leader_signed", "office_reviewed", "leading_group_heard",
                 "secretary_meeting_heard"):
        ok(await client.post(report, json={"step": step}))
    assert "5 份问题底稿未经组长签字" in await refused(client, iid, "reviewed")
    for paper in papers:  # the leader, still the office head after 撤离, signs
        ok(await client.post(url(f"papers/{paper['id']}/sign"), json={}), 201)
    await move(client, iid, "reviewed")
    fed_back = await move(client, iid, "feedback", remark="向被巡察党组织反馈")
    assert fed_back["rectification_report_due"] is not None

    # referral: both clues go out before rectification starts.
    await move(client, iid, "referral")
    assert "2 条问题线索尚未移交" in await refused(client, iid, "rectifying")
    for clue, body in zip(clues, ("discipline", "organisation"), strict=True):
        ok(await client.post(url(f"clues/{clue['id']}/referral"),
                             json={"receiving_body": body}))
    await move(client, iid, "rectifying")

    # rectifying: the ledger from the findings; one item runs late and escalates.
    deadline = clock.today() + timedelta(days=30)
    created = ok(await client.post(url(f"inspections/{iid}/rectification/items"), json={
        "finding_ids": [f["id"] for f in findings], "deadline": deadline.isoformat(),
        "responsible_person": "单位主要负责人", "measures": "逐项整改"}), 201)
    items = created["items"]
    assert len(items) == 10 and not created["skipped"]
    for item in items[1:]:
        ok(await client.post(url(f"rectification/items/{item['id']}/status"),
                             json={"to": "in_progress"}))
    clock.advance(timedelta(days=31))
    scanned = ok(await client.post(url("rectification/scan"), json={}))
    late = ok(await client.get(url(f"rectification/items/{items[0]['id']}")))
    assert late["escalation"] == "supervision_notice" and late["overdue"] is True
    assert scanned["supervision_notice"] >= 1
    history = ok(await client.get(url(f"rectification/items/{items[0]['id']}/history")))
    assert any(h["kind"] == "escalation" for h in history["items"])
    overdue = ok(await client.get(url("rectification/items"),
                                  params={"inspection_id": iid, "overdue": "true"}))
    assert {i["id"] for i in overdue["items"]} >= {items[0]["id"]}
    for item in items:
        if item is items[0]:
            ok(await client.post(url(f"rectification/items/{item['id']}/status"),
                                 json={"to": "in_progress"}))
        ok(await client.post(url(f"rectification/items/{item['id']}/status"),
                             json={"to": "submitted"}))
        ok(await client.post(url(f"rectification/items/{item['id']}/verify"),
                             json={"to": "verified"}))
        ok(await client.post(url(f"rectification/items/{item['id']}/verify"),
                             json={"to": "closed", "remark": "销号"}))

    # rectification_reported, disclosed, sustained, evaluated.
    assert "3 个被巡察单位未报送整改报告" in await refused(client, iid, "rectification_reported")
    for org in orgs:
        ok(await client.post(url(f"inspections/{iid}/rectification/reports"),
                             json={"org_id": org, "summary": "整改情况报告"}), 201)
    await move(client, iid, "rectification_reported")
    ok(await client.post(url(f"inspections/{iid}/disclosures"),
                         json={"scope": "public", "remark": "在县政府网站公开"}), 201)
    await move(client, iid, "disclosed")
    await move(client, iid, "sustained")
    assert "尚无经审核签发的整改评估" in await refused(client, iid, "evaluated")
    await signed_evaluations(app, client, database, "ta.one", iid)
    await move(client, iid, "evaluated")

    # archived only once every clue has its outcome (件件有着落).
    assert "2 条问题线索未办结" in await refused(client, iid, "archived")
    for clue in clues:
        ok(await client.post(url(f"clues/{clue['id']}/outcome"), json={"outcome": "已核查了结"}))
    summary = ok(await client.get(url(f"inspections/{iid}/clue-report")))
    assert summary["all_resolved"] is True
    archived = await move(client, iid, "archived", retention="permanent")
    assert archived["retention"] == "permanent" and archived["next_stages"] == []

    timeline = ok(await client.get(url(f"inspections/{iid}/timeline")))
    stages = [e["label"] for e in timeline if e["kind"] == "stage"]
    assert stages == [STAGE_LABELS[s] for s in Stage]
    assert (await verify(database, tenant_ids[T])).ok

    # enter once, use many times: the exports carry what was entered.
    ledger = await client.get(url("rectification/ledger.xlsx"), params={"inspection_id": iid})
    sheet = openpyxl.load_workbook(BytesIO(ledger.content))["整改台账"]
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value}
    assert all(any(f"走查问题{n}" in c for c in cells) for n in range(1, 11))
    draft = await client.get(url(f"inspections/{iid}/report.docx"))
    text = "\n".join(p.text for p in docx.Document(BytesIO(draft.content)).paragraphs)
    assert "走查问题1" in text and "当事人" not in text
