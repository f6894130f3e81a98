"""The workflow's web pages: rounds, an inspection with its stage form, papers, the ledger.

Data comes from ``seed_inspection`` (one row in every workflow table) and
direct inserts, each test with its own marker and year, so the shared
database of the run never gets in the way.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.audit.tables import AuditEntry
from core.db import Database
from core.inspection.model import STAGE_LABELS
from core.inspection.tables import (
    Inspection,
    InspectionLog,
    RectificationItem,
    TeamMember,
    WorkingPaper,
)
from tests.inspection.seed import seed_inspection

Client = AsyncTestClient[Litestar]
T = "ta.one"
HTMX = {"HX-Request": "true"}
HTML = {"Accept": "text/html"}
FORM = "application/x-www-form-urlencoded"
_years = itertools.count(2180)


async def _seed(database: Database, tenant_ids: dict[str, int], marker: str,
                tenant: str = T, **kwargs: Any) -> dict[str, Any]:
    year = next(_years)
    seeded = await seed_inspection(database, tenant_ids[tenant], marker, year=year, **kwargs)
    return {**seeded, "year": year}


def _no_persons(html: str, marker: str, *, clue_listed: bool = False) -> None:
    """Clue persons never show on a page; the clue's title only in the inspection's list."""
    assert f"{marker}当事人" not in html
    assert (f"{marker}线索" in html) is clue_listed


async def _row(database: Database, tenant_id: int, table: Any, row_id: int) -> dict[str, Any]:
    row = await database.tenant(tenant_id).get(table, row_id)
    assert row is not None
    return row


async def test_rounds_page_lists_rounds_with_their_inspections(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "页轮")
    response = await client.get(f"/t/{T}/rounds")
    assert response.status_code == 200
    assert "<h1>巡察轮次</h1>" in response.text and 'lang="zh-CN"' in response.text
    unused = next(_years)
    empty = await client.get(f"/t/{T}/rounds", params={"year": str(unused)})
    assert f"{unused} 年尚未安排巡察轮次。" in empty.text
    page = await client.get(f"/t/{T}/rounds", params={"year": str(seeded["year"])})
    html = page.text
    assert page.status_code == 200
    assert "页轮第一轮" in html and "页轮巡察任务" in html and "页轮第一巡察组" in html
    assert f'href="/t/{T}/inspections/{seeded["inspection_id"]}"' in html
    assert "常规巡察" in html and "甲一县财政局" in html
    assert 'class="stage tone-fix">督促整改<' in html
    assert "2026-03-01 至 2026-04-15" in html
    assert f'<option value="{seeded["year"]}" selected>' in html
    _no_persons(html, "页轮")
    beyond = await client.get(f"/t/{T}/rounds", params={"year": str(seeded["year"]),
                                                        "offset": "40"})
    assert "本页没有巡察轮次" in beyond.text and "页轮巡察任务" not in beyond.text
    bad = await client.get(f"/t/{T}/rounds", params={"year": "20x6"}, headers=HTML)
    assert bad.status_code == 400 and "年份无效" in bad.text


async def test_inspection_page_shows_stages_deadlines_team_papers_findings(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "页任")
    session = database.tenant(tenant_ids[T])
    today = app.state.runtime.clock.today()
    await session.update(Inspection, {"id": seeded["inspection_id"]}, {
        "notice_due": today + timedelta(days=5),
        "rectification_report_due": today - timedelta(days=3)})
    url = f"/t/{T}/inspections/{seeded['inspection_id']}"
    response = await client.get(url)
    assert response.status_code == 200
    html = response.text
    assert "<h1>页任巡察任务" in html and "常规巡察" in html and "页任第一巡察组" in html
    assert "甲一县财政局" in html and "页任第一轮" in html
    # the progress bar: all 15 stages, the current one marked, those before done
    bar = html[html.index('<ol class="stages"'):html.index("</ol>", html.index('class="stages"'))]
    assert all(label in bar for label in STAGE_LABELS.values())
    assert bar.count('class="done"') == 9 and bar.count('class="todo"') == 5
    assert re.search(r'class="current" aria-current="step"[^>]*><b>10</b>督促整改', bar)
    # deadlines against the runtime clock
    assert "还剩 5 天" in html and "已超期 3 天" in html
    # timeline, team, papers, findings by focus area, clue counts
    assert "转入“组建授权”环节" in html and "页任备注" in html
    assert "页任组长" in html and "<td>组长</td>" in html and "未授权" in html
    assert f'href="/t/{T}/papers/{seeded["paper_id"]}">页任底稿</a>' in html
    assert "起草" in html and "1 份未签字" in html
    assert "<h3>政治建设（1）</h3>" in html and "页任问题" in html
    assert "共 1 条问题线索，已办结 0 条" in html and "按等级：一般核查 1 条" in html
    assert "整改事项 1 项" in html
    _no_persons(html, "页任", clue_listed=True)
    assert f'href="/t/{T}/clues/{seeded["clue_id"]}">页任线索</a>' in html
    # the next stage is offered; carry-over only before sustained
    assert '<option value="rectification_reported"' in html and 'name="carry_over"' not in html
    app.state.runtime.clock.advance(timedelta(days=10))
    try:
        later = (await client.get(url)).text
    finally:
        app.state.runtime.clock.reset()
    assert "已超期 5 天" in later and "已超期 13 天" in later
    disclosed = await _seed(database, tenant_ids, "页续", stage="disclosed")
    html = (await client.get(f"/t/{T}/inspections/{disclosed['inspection_id']}")).text
    assert 'name="carry_over" value="true"' in html and "转入持续整改" in html


async def test_stage_form_moves_an_inspection_and_lists_every_refusal_reason(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "页推", stage="planned")
    tid, iid = tenant_ids[T], seeded["inspection_id"]
    url = f"/t/{T}/inspections/{iid}/stage"
    # the leader has not declared recusal: refused, the reason in the fragment's alert
    refused = await client.post(url, data={"to": "authorized", "remark": "试转"}, headers=HTMX)
    assert refused.status_code == 409 and "<html" not in refused.text
    assert 'class="alert error"' in refused.text
    assert "以下人员尚未提交回避声明：页推组长" in refused.text
    assert "试转" in refused.text  # the remark typed is kept
    assert (await _row(database, tid, Inspection, iid))["stage"] == "planned"
    # several failed preconditions: every one is listed
    session = database.tenant(tid)
    await session.update(Inspection, {"id": iid}, {"onsite_start": None})
    many = (await client.post(url, data={"to": "authorized"}, headers=HTMX)).text
    assert "尚未确定进驻日期" in many and "以下人员尚未提交回避声明" in many
    assert many.count("<li>", many.index('class="alert error"'), many.index("</ul>")) == 2
    await session.update(Inspection, {"id": iid}, {"onsite_start": date(2026, 3, 1)})
    await session.update(TeamMember, {"inspection_id": iid}, {"recusal_declared": True})
    moved = await client.post(url, data={"to": "authorized", "remark": "领导小组同意"},
                              headers=HTMX)
    assert moved.status_code == 200 and "已转入“组建授权”环节" in moved.text
    assert 'aria-current="step"' in moved.text and "领导小组同意" in moved.text
    row = await _row(database, tid, Inspection, iid)
    assert row["stage"] == "authorized" and row["notice_due"] == date(2026, 2, 19)
    member = (await session.list(TeamMember, {"inspection_id": iid}))[0]
    assert member["authorized_at"] is not None
    logs = await session.list(InspectionLog, {"inspection_id": iid, "to_value": "authorized"})
    assert len(logs) == 2 and logs[-1]["remark"] == "领导小组同意"  # the seeded one and ours
    # a plain form post: redirected after success, the whole page with 409 on refusal
    plain = await client.post(url, data={"to": "briefing"}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"].endswith(f"/inspections/{iid}")
    no_notice = await client.post(url, data={"to": "onsite"})
    assert no_notice.status_code == 409 and "<html" in no_notice.text
    assert "尚未向被巡察单位发出巡察通知" in no_notice.text
    assert (await _row(database, tid, Inspection, iid))["stage"] == "briefing"
    # a stage that is not next, one that does not exist, nothing chosen
    skip = (await client.post(url, data={"to": "archived"}, headers=HTMX)).text
    assert "不能转入“立卷归档”" in skip
    unknown = await client.post(url, data={"to": "nowhere"})
    assert unknown.status_code == 400 and "所选环节不存在" in unknown.text
    empty = (await client.post(url, data={"remark": "x"}, headers=HTMX)).text
    assert "请选择要转入的环节" in empty
    long = await client.post(url, data={"to": "onsite", "remark": "长" * 501}, headers=HTML)
    assert long.status_code == 400 and "长度不能超过 500 个字符" in long.text
    carry = (await client.post(url, data={"to": "onsite", "carry_over": "true"},
                               headers=HTMX)).text
    assert "只有转入“持续整改”环节时才能结转未办结事项" in carry
    assert (await _row(database, tid, Inspection, iid))["stage"] == "briefing"
    _no_persons(carry, "页推", clue_listed=True)


async def test_paper_page_shows_the_paper(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "页稿", stage="reporting")
    tid, pid = tenant_ids[T], seeded["paper_id"]
    session = database.tenant(tid)
    await session.update(WorkingPaper, {"id": pid}, {"materials": ["谈话笔录", "会议记录复印件"],
                                                     "how_found": "个别谈话中反映"})
    reads = await session.count(AuditEntry, {"action": "paper.read", "object_id": str(pid)})
    response = await client.get(f"/t/{T}/papers/{pid}")
    assert response.status_code == 200
    html = response.text
    assert "<h1>页稿底稿</h1>" in html and "页稿-001" in html and "页稿底稿摘要" in html
    assert "个别谈话" in html and "甲一县财政局" in html and "2026-04-01" in html
    assert "<li>谈话笔录</li>" in html and "<li>会议记录复印件</li>" in html
    assert f'href="/t/{T}/api/attachments/{seeded["attachment_id"]}">页稿.pdf</a>' in html
    assert "页稿修订理由" in html and "第 1 次" in html
    assert "页稿问题" in html  # the finding recorded from this paper
    assert "副组长审核通过" in html and "组长签字" in html and "可审核：页稿组长" in html
    _no_persons(html, "页稿")
    after = await session.count(AuditEntry, {"action": "paper.read", "object_id": str(pid)})
    assert after == reads + 1
    # its forms and sign-off: tests/web/pages/test_papers.py


async def _items(database: Database, tenant_id: int, seeded: dict[str, Any],
                 rows: list[dict[str, Any]]) -> list[int]:
    base = {"inspection_id": seeded["inspection_id"], "org_id": seeded["org_id"]}
    return await database.tenant(tenant_id).insert(RectificationItem,
                                                   [{**base, **r} for r in rows])


async def test_ledger_marks_overdue_rows_with_the_runtime_clock(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "页账")
    tid, iid = tenant_ids[T], seeded["inspection_id"]
    clock = app.state.runtime.clock
    today = clock.today()
    await database.tenant(tid).update(RectificationItem, {"id": seeded["item_id"]},
                                      {"status": "closed"})
    await _items(database, tid, seeded, [
        {"problem": "页账甲问题", "measures": "页账甲措施", "deadline": today + timedelta(days=5),
         "responsible_person": "王某", "status": "in_progress"},
        {"problem": "页账乙问题", "measures": "页账乙措施", "deadline": today - timedelta(days=2),
         "responsible_person": "李某", "escalation": "reminder",
         "escalated_on": today - timedelta(days=1)},
    ])
    url = f"/t/{T}/ledger"
    response = await client.get(url, params={"inspection_id": iid})
    assert response.status_code == 200
    html = response.text
    for column in ("被巡察单位", "问题", "整改措施", "时限", "责任人", "状态", "督办"):
        assert f"<th>{column}</th>" in html
    assert "页账甲问题" in html and "页账乙措施" in html and "王某" in html
    assert "共 3 项整改事项" in html and "已超期 2 天" in html and "已超期 5 天" not in html
    assert ">提醒<" in html and "整改中" in html and "已销号" in html
    assert html.count('<tr class="overdue">') == 1
    assert f"/t/{T}/api/rectification/ledger.xlsx?inspection_id={iid}" in html
    assert f'href="/t/{T}/inspections/{iid}">页账巡察任务</a>' in html
    _no_persons(html, "页账")
    clock.advance(timedelta(days=10))
    try:
        later = await client.get(url, params={"inspection_id": iid, "overdue": "true"},
                                 headers=HTMX)
    finally:
        clock.reset()
    assert later.status_code == 200 and "<html" not in later.text
    assert "已超期 5 天" in later.text and "已超期 12 天" in later.text
    assert "共 2 项整改事项" in later.text and "页账甲问题" in later.text
    assert "不含状态和超期筛选" in later.text
    only = await client.get(url, params={"inspection_id": iid, "status": "in_progress",
                                         "org_id": str(seeded["org_id"]), "round_id": ""})
    assert "共 1 项整改事项" in only.text and "页账甲问题" in only.text
    assert '<option value="in_progress" selected>' in only.text
    for bad in ({"status": "lost"}, {"round_id": "x1"}, {"overdue": "yes"}):
        refused = await client.get(url, params=bad, headers=HTML)
        assert refused.status_code == 400, bad


async def test_ledger_pages(client: Client, database: Database,
                            tenant_ids: dict[str, int]) -> None:
    seeded = await _seed(database, tenant_ids, "页翻")
    await _items(database, tenant_ids[T], seeded, [
        {"problem": f"页翻问题{n:02d}", "deadline": date(2030, 1, 1) + timedelta(days=n)}
        for n in range(55)])
    url = f"/t/{T}/ledger"
    first = (await client.get(url, params={"inspection_id": seeded["inspection_id"]})).text
    assert "共 56 项整改事项，显示第 1–50 项" in first and "页翻问题48" in first
    assert "页翻问题49" not in first and "下一页" in first and "上一页" not in first
    nxt = re.search(r'href="([^"]*offset=50[^"]*)"', first)
    assert nxt is not None
    second = (await client.get(nxt[1].replace("&amp;", "&"), headers=HTMX)).text
    assert "显示第 51–56 项" in second and "页翻问题54" in second and "上一页" in second


async def test_pages_answer_404_for_another_tenants_ids(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    other = await _seed(database, tenant_ids, "页外", tenant="tb", stage="reporting")
    secrets = other["texts"]
    for path in (f"inspections/{other['inspection_id']}", f"papers/{other['paper_id']}"):
        response = await client.get(f"/t/{T}/{path}", headers=HTML)
        assert response.status_code == 404 and "<html" in response.text
        assert "不存在" in response.text
        assert not any(s in response.text for s in secrets)
    posts = {f"inspections/{other['inspection_id']}/stage": {"to": "reviewed"},
             f"papers/{other['paper_id']}/review": {}, f"papers/{other['paper_id']}/sign": {}}
    for path, data in posts.items():
        for headers in (HTMX, HTML):
            response = await client.post(f"/t/{T}/{path}", data=data, headers=headers)
            assert response.status_code == 404, (path, response.text)
            assert not any(s in response.text for s in secrets)
    assert (await _row(database, tenant_ids["tb"], WorkingPaper, other["paper_id"]))[
        "status"] == "draft"
    assert (await _row(database, tenant_ids["tb"], Inspection, other["inspection_id"]))[
        "stage"] == "reporting"
    for path, params in (("ledger", {"inspection_id": other["inspection_id"]}),
                         ("ledger", {"round_id": other["round_id"]}), ("rounds", {})):
        response = await client.get(f"/t/{T}/{path}", params=params)
        assert response.status_code == 200
        assert not any(s in response.text for s in secrets)
    # a JSON body on a form route is refused, not taken
    json_post = await client.post(f"/t/{T}/papers/{other['paper_id']}/sign", json={})
    assert json_post.status_code in (400, 404)
