"""Working papers: drafting, the sign-off chain, frozen signed papers and revisions."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar

from core.db import Database
from core.errors import Conflict, Forbidden
from core.inspection import papers
from core.inspection.model import Source
from core.inspection.tables import InspectionLog, TeamMember, WorkingPaper, WorkingPaperRevision
from core.tenancy.tables import Org
from core.work import Work
from tests.inspection.helpers import ok as _ok
from tests.inspection.paper_steps import (
    Client,
    EventRecorder,
    audit_entries,
    paper_body,
    plugged_in,
    set_stage,
    sign_off_team,
    today,
    workspace,
)

T = "/t/ta.one/api"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _refused(response: Any, status: int, field: str, text: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert CHINESE.search(body["message"]), body
    assert any((e["field"] or "").startswith(field) for e in body["errors"]), body
    if text is not None:
        assert text in body["message"], body


def _forbidden(response: Any, text: str) -> None:
    """Refused (403) for who asks, in Chinese, naming no input field."""
    assert response.status_code == 403, response.text
    body = response.json()
    assert text in body["message"] and not body["message"].startswith("输入有误"), body
    assert body["errors"] == [], body


async def _new_paper(client: Client, app: Litestar, ws: dict[str, Any], number: str,
                     **extra: Any) -> dict[str, Any]:
    body = paper_body(app, ws["org_id"], number, **extra)
    return _ok(await client.post(f"{T}/inspections/{ws['inspection_id']}/papers", json=body),
               201)  # type: ignore[no-any-return]


async def test_draft_list_and_read_a_paper(client: Client, app: Litestar, database: Database,
                                           tenant_ids: dict[str, int]) -> None:
    ws = await workspace(database, tenant_ids)
    paper = await _new_paper(client, app, ws, "DG-001")
    assert paper["status"] == "draft" and paper["status_label"] == "起草"
    assert paper["source_label"] == "查阅资料" and paper["org_name"] == "甲一县财政局"
    assert paper["materials"] == ["记账凭证第35号", "发放名单"]
    assert paper["author"] and paper["revision"] == 0 and paper["attachments"] == []
    assert await audit_entries(database, tenant_ids, "paper.create", paper["id"])

    listing = _ok(await client.get(f"{T}/inspections/{ws['inspection_id']}/papers",
                                   params={"status": "draft", "org_id": ws["org_id"]}))
    assert paper["id"] in [p["id"] for p in listing["items"]]
    assert listing["total"] == len(listing["items"]) == 2  # the seeded paper and this one
    assert all("summary" not in p for p in listing["items"])  # content only in the detail
    signed = _ok(await client.get(f"{T}/inspections/{ws['inspection_id']}/papers",
                                  params={"status": "signed"}))
    assert signed["total"] == 0
    first = _ok(await client.get(f"{T}/inspections/{ws['inspection_id']}/papers",
                                 params={"limit": 1, "offset": 1}))
    assert len(first["items"]) == 1 and first["total"] == 2

    before = len(await audit_entries(database, tenant_ids, "paper.read", paper["id"]))
    detail = _ok(await client.get(f"{T}/papers/{paper['id']}"))
    assert detail["summary"].startswith("2025年") and detail["revisions"] == 0
    reads = await audit_entries(database, tenant_ids, "paper.read", paper["id"])
    assert len(reads) == before + 1
    assert reads[-1]["detail"] == {"inspection_id": ws["inspection_id"]}


async def test_sign_off_chain_in_order(client: Client, app: Litestar, database: Database,
                                       tenant_ids: dict[str, int]) -> None:
    ws = await workspace(database, tenant_ids, stage="reporting")
    team = await sign_off_team(app, client, database, tenant_ids, ws["inspection_id"])
    paper = await _new_paper(client, app, ws, "DG-002")
    url = f"{T}/papers/{paper['id']}"
    with plugged_in(app, EventRecorder({"ta.one"})) as recorder:
        _refused(await team.leader.post(f"{url}/sign", json={}), 409, "status",
                 "底稿须经副组长审核后方可由组长签字")
        reviewed = _ok(await team.deputy.post(f"{url}/review", json={"remark": "事实清楚"}),
                       201)
        assert reviewed["status"] == "reviewed" and reviewed["reviewed_by"] == team.deputy_name
        assert reviewed["reviewed_at"] and not reviewed["signed_by"]
        _refused(await team.deputy.post(f"{url}/review", json={}), 409, "status", "已审核")
        signed = _ok(await team.leader.post(f"{url}/sign", json={"remark": "同意"}), 201)
        assert signed["status"] == "signed" and signed["status_label"] == "组长已签字"
        assert signed["signed_by"] == team.leader_name and signed["signed_at"]
        _refused(await team.leader.post(f"{url}/sign", json={}), 409, "status", "不能重复签字")
        _refused(await team.leader.post(f"{url}/review", json={}), 409, "status", "不能再审核")
    events = recorder.of("working_paper.signed")
    assert [(e.paper_id, e.status) for e in events] == [(paper["id"], "reviewed"),
                                                         (paper["id"], "signed")]
    assert events[0].inspection_id == ws["inspection_id"]
    review = await audit_entries(database, tenant_ids, "paper.review", paper["id"])
    sign = await audit_entries(database, tenant_ids, "paper.sign", paper["id"])
    assert [e["detail"]["remark"] for e in review + sign] == ["事实清楚", "同意"]


async def test_editing_a_reviewed_paper_withdraws_the_review(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    ws = await workspace(database, tenant_ids)
    team = await sign_off_team(app, client, database, tenant_ids, ws["inspection_id"])
    paper = await _new_paper(client, app, ws, "DG-003")
    url = f"{T}/papers/{paper['id']}"
    _ok(await team.deputy.post(f"{url}/review", json={}), 201)
    same = _ok(await client.patch(url, json={"title": paper["title"]}))
    assert same["status"] == "reviewed"  # nothing changed, the review stands
    edited = _ok(await client.patch(url, json={"title": "违规发放津贴补贴（补充）",
                                               "revision_reason": "无需理由"}))
    assert edited["status"] == "draft" and edited["reviewed_by"] == ""
    assert edited["reviewed_at"] is None and edited["revision"] == 0
    assert edited["title"] == "违规发放津贴补贴（补充）"
    assert _ok(await client.get(f"{url}/revisions"))["total"] == 0
    _refused(await team.leader.post(f"{url}/sign", json={}), 409, "status")
    other = await _new_paper(client, app, ws, "DG-003B")
    _refused(await client.patch(f"{T}/papers/{other['id']}", json={"number": "DG-003"}),
             409, "number", "已有编号为 DG-003 的底稿")


async def test_only_the_inspections_own_team_reviews_and_signs(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    """The office admin (not on the team) may neither review nor sign; the author may not
    review their own paper; a deputy may not sign; nothing changes on a refusal."""
    ws = await workspace(database, tenant_ids, stage="reporting")
    team = await sign_off_team(app, client, database, tenant_ids, ws["inspection_id"])
    paper = await _new_paper(client, app, ws, "DG-010")
    url = f"{T}/papers/{paper['id']}"
    _forbidden(await client.post(f"{url}/review", json={}),
               "只有本次巡察的副组长或组长可以审核底稿（测试副组长、测试组长）")
    # The deputy drafts a paper: another deputy or the leader must review it.
    own = _ok(await team.deputy.post(f"{T}/inspections/{ws['inspection_id']}/papers",
                                     json=paper_body(app, ws["org_id"], "DG-011")), 201)
    assert own["author"] == team.deputy_name
    _forbidden(await team.deputy.post(f"{T}/papers/{own['id']}/review", json={}),
               "审核人不能是底稿起草人")
    assert _ok(await team.leader.post(f"{T}/papers/{own['id']}/review", json={}),
               201)["reviewed_by"] == team.leader_name
    # Separation of duties: who reviewed a paper does not sign it too.
    _forbidden(await team.leader.post(f"{T}/papers/{own['id']}/sign", json={}),
               "签字人不能是审核人")
    _ok(await team.deputy.post(f"{url}/review", json={}), 201)
    _forbidden(await client.post(f"{url}/sign", json={}), "只有本次巡察的组长可以签字（测试组长）")
    row = await database.tenant(tenant_ids["ta.one"]).get(WorkingPaper, paper["id"])
    assert row is not None and row["status"] == "reviewed" and row["signed_by"] == ""
    assert await audit_entries(database, tenant_ids, "paper.sign", paper["id"]) == []
    # The leader of another inspection signs nothing here.
    other = await workspace(database, tenant_ids, stage="reporting")
    other_team = await sign_off_team(app, client, database, tenant_ids, other["inspection_id"])
    assert (await other_team.leader.post(f"{url}/sign", json={})).status_code == 403
    _ok(await team.leader.post(f"{url}/sign", json={}), 201)


async def test_the_sign_off_rules_in_the_service(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    """The rules hold whoever calls the service: by team place, not by tenant role; a
    person taken off the team before it went on site holds no place any more."""
    ws = await workspace(database, tenant_ids, stage="onsite")
    session = database.tenant(tenant_ids["ta.one"])
    runtime = app.state.runtime
    tenant = runtime.tenants._by_code["ta.one"]

    def as_(actor: str) -> Work:
        return Work(session=session, tenant=tenant, actor=actor, clock=runtime.clock,
                    plugins=runtime.plugins)

    now = runtime.clock.now()
    entered = now - timedelta(days=2)
    await session.insert(InspectionLog, [{
        "inspection_id": ws["inspection_id"], "kind": "stage", "from_value": "briefing",
        "to_value": "onsite", "actor": "test", "at": entered}])
    await session.update(TeamMember, {"inspection_id": ws["inspection_id"]},
                         {"person": "svc.leader", "name": "服组长"})
    await session.insert(TeamMember, [
        {"inspection_id": ws["inspection_id"], "person": "svc.deputy", "name": "服副组长",
         "home_tenant": "ta.one", "role": "deputy"},
        {"inspection_id": ws["inspection_id"], "person": "svc.gone", "name": "已调出",
         "home_tenant": "ta.one", "role": "deputy",
         "released_at": entered - timedelta(days=1)},
        {"inspection_id": ws["inspection_id"], "person": "svc.member", "name": "服组员",
         "home_tenant": "ta.one", "role": "member"}])
    team = await papers.signers(session, ws["inspection_id"], now)
    assert team.leaders == {"svc.leader": "服组长"} and team.deputies == {"svc.deputy": "服副组长"}
    made = await papers.create_paper(as_("svc.member"), ws["inspection_id"],
                                     papers.PaperCreate(**{
                                         **paper_body(app, ws["org_id"], "DG-012"),
                                         "paper_date": runtime.clock.today(),
                                         "source": Source.documents}))
    for actor in ("svc.gone", "svc.member", "tester"):
        with pytest.raises(Forbidden) as refused:
            await papers.review_paper(as_(actor), made.id)
        assert "只有本次巡察的副组长或组长可以审核底稿" in refused.value.message
        assert not refused.value.errors  # a rule about the person, no field of the input
    with pytest.raises(Conflict):
        await papers.sign_paper(as_("svc.leader"), made.id)  # not reviewed yet
    assert (await papers.review_paper(as_("svc.deputy"), made.id)).reviewed_by == "svc.deputy"
    for actor in ("svc.deputy", "svc.member", "tester"):
        with pytest.raises(Forbidden, match="只有本次巡察的组长可以签字"):
            await papers.sign_paper(as_(actor), made.id)
    assert (await papers.sign_paper(as_("svc.leader"), made.id)).signed_by == "svc.leader"
    # The leader may review, but then may not sign the same paper.
    second = await papers.create_paper(as_("svc.member"), ws["inspection_id"],
                                       papers.PaperCreate(**{
                                           **paper_body(app, ws["org_id"], "DG-013"),
                                           "paper_date": runtime.clock.today(),
                                           "source": Source.documents}))
    assert (await papers.review_paper(as_("svc.leader"), second.id)).reviewed_by == "svc.leader"
    with pytest.raises(Forbidden, match="签字人不能是审核人") as twice:
        await papers.sign_paper(as_("svc.leader"), second.id)
    assert not twice.value.errors
    row = await session.get(WorkingPaper, second.id)
    assert row is not None and row["status"] == "reviewed" and row["signed_by"] == ""
    # The withdrawal releases the team: its leader still signs what it wrote.
    await session.update(TeamMember, {"inspection_id": ws["inspection_id"],
                                      "released_at": None}, {"released_at": now})
    assert (await papers.signers(session, ws["inspection_id"], now)).may_sign("svc.leader")


async def test_signed_paper_is_frozen_and_changes_are_revisions(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    ws = await workspace(database, tenant_ids)
    team = await sign_off_team(app, client, database, tenant_ids, ws["inspection_id"])
    paper = await _new_paper(client, app, ws, "DG-004")
    url = f"{T}/papers/{paper['id']}"
    _ok(await team.deputy.post(f"{url}/review", json={}), 201)
    _ok(await team.leader.post(f"{url}/sign", json={}), 201)

    _refused(await client.patch(url, json={"title": "改过的标题"}), 409, "revision_reason",
             "底稿已签字，修改需说明修订理由")
    _refused(await client.patch(url, json={"title": "改过的标题", "revision_reason": "  "}),
             409, "revision_reason")
    row = await database.tenant(tenant_ids["ta.one"]).get(WorkingPaper, paper["id"])
    assert row is not None and row["title"] == paper["title"] and row["revision"] == 0

    revised = _ok(await client.patch(url, json={
        "title": "改过的标题", "materials": ["记账凭证第35号"],
        "revision_reason": "核实后删除重复材料"}))
    assert revised["status"] == "signed" and revised["revision"] == 1
    assert revised["title"] == "改过的标题" and revised["revisions"] == 1
    again = _ok(await client.patch(url, json={"paper_date": today(app, -1),
                                              "revision_reason": "更正日期"}))
    assert again["revision"] == 2 and again["paper_date"] == today(app, -1)
    unchanged = _ok(await client.patch(url, json={"title": "改过的标题",
                                                  "revision_reason": "无变化"}))
    assert unchanged["revision"] == 2

    before = len(await audit_entries(database, tenant_ids, "paper.read", paper["id"]))
    revisions = _ok(await client.get(f"{url}/revisions"))
    assert len(await audit_entries(database, tenant_ids, "paper.read", paper["id"])) == before + 1
    assert revisions["total"] == 2
    first, second = revisions["items"]
    assert first["revision"] == 1 and first["reason"] == "核实后删除重复材料"
    assert first["changes"] == {
        "title": ["违规发放津贴补贴", "改过的标题"],
        "materials": [["记账凭证第35号", "发放名单"], ["记账凭证第35号"]]}
    assert second["changes"] == {"paper_date": [today(app, -3), today(app, -1)]}
    assert first["actor"]
    stored = await database.tenant(tenant_ids["ta.one"]).count(
        WorkingPaperRevision, {"paper_id": paper["id"]})
    assert stored == 2
    revise = await audit_entries(database, tenant_ids, "paper.revise", paper["id"])
    assert [e["detail"]["revision"] for e in revise] == [1, 2]
    # Attachments are refused on a signed paper.
    files = {"file": ("a.txt", "补充说明".encode(), "text/plain")}
    _refused(await client.post(f"{url}/attachments", files=files), 409, "file", "已签字")


async def test_stage_gates(client: Client, app: Litestar, database: Database,
                           tenant_ids: dict[str, int]) -> None:
    early = await workspace(database, tenant_ids, stage="briefing")
    response = await client.post(f"{T}/inspections/{early['inspection_id']}/papers",
                                 json=paper_body(app, early["org_id"], "DG-005"))
    _refused(response, 409, "stage", "不能起草问题底稿")

    ws = await workspace(database, tenant_ids, stage="withdrawn")
    team = await sign_off_team(app, client, database, tenant_ids, ws["inspection_id"])
    paper = await _new_paper(client, app, ws, "DG-006")
    draft = await _new_paper(client, app, ws, "DG-007")
    url = f"{T}/papers/{paper['id']}"
    _ok(await team.deputy.post(f"{url}/review", json={}), 201)
    _ok(await team.leader.post(f"{url}/sign", json={}), 201)
    await set_stage(database, tenant_ids, ws["inspection_id"], "feedback")
    late = await client.post(f"{T}/inspections/{ws['inspection_id']}/papers",
                             json=paper_body(app, ws["org_id"], "DG-008"))
    _refused(late, 409, "stage")
    _refused(await team.deputy.post(f"{T}/papers/{draft['id']}/review", json={}), 409,
             "stage")
    _refused(await client.patch(f"{T}/papers/{draft['id']}", json={"title": "x"}), 409, "stage")
    # A signed paper can still be revised, with a reason, until archiving.
    revised = _ok(await client.patch(url, json={"title": "反馈后更正",
                                                "revision_reason": "被巡察单位提供新材料"}))
    assert revised["revision"] == 1
    await set_stage(database, tenant_ids, ws["inspection_id"], "archived")
    _refused(await client.patch(url, json={"title": "归档后", "revision_reason": "x"}),
             409, "stage")


@pytest.fixture(scope="module")
async def bad_input_ws(database: Database, tenant_ids: dict[str, int]) -> dict[str, Any]:
    ws = await workspace(database, tenant_ids)
    county = await database.tenant(tenant_ids["ta.one"]).list(Org, limit=None)
    other = await database.tenant(tenant_ids["tb"]).list(Org, limit=None)
    ws["not_target"] = next(o["id"] for o in county if o["code"] == "T01")
    ws["other_tenant_org"] = other[0]["id"]
    return ws


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"title": "x" * 201}, 400, "title"),
        ({"title": ""}, 400, "title"),
        ({"number": "n" * 65}, 400, "number"),
        ({"number": "   "}, 400, "number"),
        ({"number": "{seed_number}"}, 409, "number"),
        ({"source": "rumour"}, 400, "source"),
        ({"paper_date": "2026-13-01"}, 400, "paper_date"),
        ({"paper_date": "{future}"}, 400, "paper_date"),
        ({"summary": ""}, 400, "summary"),
        ({"materials": ["m" * 201]}, 400, "materials"),
        ({"materials": ["m"] * 101}, 400, "materials"),
        ({"materials": "一份材料"}, 400, "materials"),
        ({"org_id": "{not_target}"}, 400, "org_id"),
        ({"org_id": "{other_tenant_org}"}, 400, "org_id"),
        ({"org_id": 0}, 400, "org_id"),
        ({"status": "signed"}, 400, "status"),
        ({"author": "someone"}, 400, "author"),
    ],
)
async def test_bad_paper_input_is_refused_and_changes_nothing(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int],
    bad_input_ws: dict[str, Any], change: dict[str, Any], status: int, field: str,
) -> None:
    ws = bad_input_ws
    fill = {"{seed_number}": None, "{future}": today(app, 5),
            "{not_target}": ws["not_target"], "{other_tenant_org}": ws["other_tenant_org"]}
    seed = await database.tenant(tenant_ids["ta.one"]).get(WorkingPaper, ws["paper_id"])
    assert seed is not None
    fill["{seed_number}"] = seed["number"]
    change = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    body = paper_body(app, ws["org_id"], "DG-BAD") | change
    count = await database.tenant(tenant_ids["ta.one"]).count(
        WorkingPaper, {"inspection_id": ws["inspection_id"]})
    _refused(await client.post(f"{T}/inspections/{ws['inspection_id']}/papers", json=body),
             status, field)
    if status == 400 and field not in ("status", "author"):  # the same check on an edit
        patch = {k: v for k, v in change.items()}
        _refused(await client.patch(f"{T}/papers/{ws['paper_id']}", json=patch), status, field)
    assert await database.tenant(tenant_ids["ta.one"]).count(
        WorkingPaper, {"inspection_id": ws["inspection_id"]}) == count
    after = await database.tenant(tenant_ids["ta.one"]).get(WorkingPaper, ws["paper_id"])
    assert after == seed


async def test_missing_field_and_unknown_ids(client: Client, app: Litestar,
                                             bad_input_ws: dict[str, Any]) -> None:
    ws = bad_input_ws
    body = paper_body(app, ws["org_id"], "DG-MISSING")
    del body["summary"]
    response = await client.post(f"{T}/inspections/{ws['inspection_id']}/papers", json=body)
    _refused(response, 400, "summary")
    assert response.json()["errors"][0]["message"] == "缺少必填字段"
    for path in (f"{T}/papers/2147483000", f"{T}/inspections/2147483000/papers",
                 f"{T}/papers/2147483000/revisions"):
        missing = await client.get(path)
        assert missing.status_code == 404 and CHINESE.search(missing.json()["message"])
    gone = await client.post(f"{T}/papers/2147483000/review", json={})
    assert gone.status_code == 404 and gone.json()["message"] == "问题底稿不存在"
    unknown = await client.post(f"{T}/papers/{ws['paper_id']}/review", json={"step": "sign"})
    _refused(unknown, 400, "step")
