"""One inspection from plan to archive, in Chromium, through the pages, as its people.

The county office (admin and staff) makes a term, a plan, a round and the inspection,
forms its team and authorises it, records the notice; the team member writes a working
paper, attaches evidence and records a finding and a clue; the deputy reviews the
paper and the leader signs it; the office takes the report through its steps, records
the feedback and refers the clue, whose receiving liaison records the receipt and the
outcome; the ledger is made from the finding, the unit liaison starts and submits the
item and the office verifies and closes it; the unit's rectification report, the
disclosure, evaluation and the archive follow. Every step clicks the real form (htmx),
checks what the person sees and keeps a screenshot under
``var/browser-screenshots/walkthrough/``.

The notice is recorded as sent ten days ago (the office enters it after the fact): the
pages run on the real clock, and the team may only arrive that long after the notice.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import SCREENSHOTS, PageAs, Visit, fill_form
from tests.browser.server import COUNTY, LOGIN_NAMES, ROLES, Served

pytestmark = pytest.mark.browser

SHOTS = SCREENSHOTS / "walkthrough"
T = f"/t/{COUNTY}"


class Walk:
    """The people of the walk (one page each), the step counter and the screenshots."""

    def __init__(self, page_as: PageAs) -> None:
        self.page_as = page_as
        self.visits: dict[str, Visit] = {}
        self.count = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()

    def as_(self, role: str, path: str | None = None) -> Visit:
        """The page of ``role`` (opened once), at ``path`` when given."""
        if role not in self.visits:
            self.visits[role] = self.page_as(role)
        visit = self.visits[role]
        if path is not None:
            response = visit.goto(path)
            assert response is not None and response.status == 200, (path, response)
        return visit

    def shot(self, visit: Visit, name: str, at: Any = None) -> Path:
        """A clean page (Chinese, quiet console, unique ids) and its screenshot, scrolled
        to ``at`` (a locator) when given."""
        visit.assert_clean(LOGIN_NAMES)
        if at is not None:
            at.scroll_into_view_if_needed()
        self.count += 1
        path = SHOTS / f"{self.count:02d}-{name}.png"
        visit.page.screenshot(path=str(path))
        return path


def act(visit: Visit, form: Any, values: dict[str, Any], *, button: str | None = None) -> Any:
    """Unfold ``form`` if it is folded away, fill it, press its submit button (or the
    one labelled ``button``) and wait for the answer (and the page it sends to); fails on
    a refusal, naming it."""
    page = visit.page
    folded = form.locator("xpath=ancestor::details[1]")
    if folded.count() and folded.get_attribute("open") is None:
        folded.locator("summary").first.click()  # unfold it, as a person would
    fill_form(form, values)
    clicked = (form.locator("button[type=submit]", has_text=button) if button
               else form.locator("button[type=submit]")).first
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        clicked.click()
    response = answer.value
    if response.status >= 400:
        page.wait_for_timeout(200)  # let htmx swap the refusal in, to show it
        raise AssertionError(f"{response.url} {response.status}: "
                             + " / ".join(page.locator(".field-error, .alert.error")
                                          .all_inner_texts()))
    target = response.headers.get("hx-redirect")
    if target:
        path = urlparse(target).path
        page.wait_for_url(lambda url: urlparse(url).path == path)
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")
    return response


def stage(visit: Visit, iid: int, to: str, label: str, remark: str = "",
          **extra: Any) -> None:
    """Move the inspection on with the page's 推进环节 form; its badge then says so."""
    page = visit.page
    if urlparse(page.url).path != f"{T}/inspections/{iid}":
        visit.goto(f"{T}/inspections/{iid}")
    form = page.locator("section.advance form")
    act(visit, form, {"to": to, "remark": remark, **extra})
    assert page.locator("h1 .stage").inner_text() == label, page.locator(
        "section.advance").inner_text()


def today() -> Any:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def test_one_inspection_from_plan_to_archive(page_as: PageAs, served: Served,
                                            tmp_path: Path) -> None:
    walk = Walk(page_as)
    day = today()
    org_id = served.ids["org_id"]  # the unit liaison's org: it rectifies in the ledger

    # ---- the office admin: term, plan, round, inspection
    admin = walk.as_("office_admin", f"{T}/plans")
    page = admin.page
    term = f"第九届（演练 {day.year}）"
    act(admin, page.locator(f"form[action='{T}/terms']"), {
        "name": term, "start_date": f"{day.year}-01-01", "end_date": f"{day.year + 4}-12-31"})
    assert term in page.inner_text("main")
    plan = f"{day.year} 年度巡察工作计划（演练）"
    act(admin, page.locator(f"form[action='{T}/plans']"), {
        "term_id": term, "kind": "year", "year": day.year, "title": plan,
        "rounds_planned": 1, "approved_on": day.isoformat()})
    assert plan in page.inner_text("main")
    walk.shot(admin, "plan", page.get_by_text(plan).first)

    admin.goto(f"{T}/rounds/new")
    round_name = f"{day.year}年第十一轮巡察（演练）"
    act(admin, page.locator(f"form[action='{T}/rounds']"), {
        "name": round_name, "term_id": term, "year": day.year, "number": 11, "plan_id": plan,
        "start_date": day.isoformat(), "end_date": (day + timedelta(days=120)).isoformat()})
    heading = page.locator("h2", has_text=round_name)
    assert heading.count() == 1
    walk.shot(admin, "round", heading)
    heading.locator("a", has_text="新建巡察任务").click()
    page.wait_for_load_state("load")
    form = page.locator("form", has=page.locator("[name=onsite_start]"))
    title = "对演练社区党支部的常规巡察"
    form.locator(f"input[name=org_ids][value='{org_id}']").check()
    act(admin, form, {"kind": "regular", "title": title, "team_name": "演练巡察组",
                      "onsite_start": (day + timedelta(days=1)).isoformat(),
                      "onsite_end": (day + timedelta(days=30)).isoformat()})
    match = re.search(r"/inspections/(\d+)$", urlparse(page.url).path)
    assert match and title in page.inner_text("h1"), page.url
    iid = int(match[1])
    walk.shot(admin, "inspection-planned")

    # ---- the office staff: the team, with recusal declarations
    staff = walk.as_("office_staff", f"{T}/inspections/{iid}/team")
    page = staff.page
    for role in ("team_leader", "team_deputy", "team_member"):
        account = ROLES[role]
        form = page.locator("#team form", has=page.locator("[name=person]"))
        act(staff, form, {"person": account.username, "name": account.name,
                          "role": account.team_role, "home_unit": "县委巡察办",
                          "recusal_declared": True}, button="加入巡察组")
        assert account.name in page.inner_text("#team table")
    walk.shot(staff, "team")

    # ---- authorised, the notice, briefing, on site
    stage(admin, iid, "authorized", "组建授权", "经领导小组研究同意")
    admin.goto(f"{T}/inspections/{iid}/team")
    assert "起" in admin.page.locator("#team table").inner_text()  # granted from today
    walk.shot(admin, "team-authorised")
    admin.goto(f"{T}/inspections/{iid}")
    page = admin.page
    notice = page.locator(f"form[action='{T}/inspections/{iid}/notice']")
    act(admin, notice, {"sent_on": (day - timedelta(days=10)).isoformat(),
                        "remark": "书面通知被巡察党组织"})
    assert "已于 " + (day - timedelta(days=10)).isoformat() in page.inner_text("main")
    stage(admin, iid, "briefing", "了解情况")
    stage(admin, iid, "onsite", "进驻巡察", "召开进驻动员会")
    walk.shot(admin, "onsite")

    # ---- the member: a working paper with evidence, a finding, a clue
    member = walk.as_("team_member", f"{T}/inspections/{iid}/papers/new")
    page = member.page
    act(member, page.locator("#paper-new form"), {
        "number": "演练-001", "title": "村集体资金未按规定公开", "paper_date": day.isoformat(),
        "org_id": org_id, "source": "documents",
        "summary": "2025 年村集体收支 8 笔未在公开栏公示。", "materials": "收支凭证\n公开栏照片"})
    paper_url = urlparse(page.url).path
    assert re.fullmatch(rf"{T}/papers/\d+", paper_url), page.url
    evidence = tmp_path / "公开栏照片说明.txt"
    evidence.write_text("2026 年走访时公开栏未见收支公示。", encoding="utf-8")
    act(member, page.locator("#paper-upload form"), {"file": str(evidence)})
    member.goto(paper_url)
    assert "公开栏照片说明.txt" in page.inner_text("#attachments")
    walk.shot(member, "paper-with-evidence", page.locator("#attachments"))

    member.goto(f"{T}/inspections/{iid}/findings/new")
    finding = "村务公开不及时"
    form = page.locator(f"form[action='{T}/inspections/{iid}/findings']")
    act(member, form, {"title": finding, "org_id": org_id, "category": "work_style",
                       "severity": "general", "source": "documents",
                       "paper_id": "演练-001 村集体资金未按规定公开",
                       "description": "集体收支未按月公开。"})
    assert finding in page.inner_text("main")
    walk.shot(member, "finding")

    member.goto(f"{T}/inspections/{iid}/clues/new")
    form = page.locator(f"form[action='{T}/inspections/{iid}/clues']")
    fill_form(form.locator(".persons .row").first, {"person_name": "赵某某",
                                                   "person_position": "村委会主任"})
    act(member, form, {"title": "村委会主任涉嫌虚报冒领补贴", "org_id": org_id,
                       "grade": "examine", "summary": "群众反映虚报 3 户低保。"})
    clue_url = urlparse(page.url).path
    assert re.fullmatch(rf"{T}/clues/\d+", clue_url), page.url
    assert "涉及人员（1 人）" in page.inner_text("main")  # names: leader and office only
    walk.shot(member, "clue")

    # ---- the deputy reviews, the leader signs
    deputy = walk.as_("team_deputy", paper_url)
    act(deputy, deputy.page.locator("form[action$='/review']"), {"remark": "事实清楚"},
        button="副组长审核通过")
    assert "副组长已审核本底稿。" in deputy.page.inner_text("#signoff")
    walk.shot(deputy, "paper-reviewed", deputy.page.locator("#signoff"))
    leader = walk.as_("team_leader", paper_url)
    act(leader, leader.page.locator("form[action$='/sign']"), {"remark": "同意"},
        button="组长签字")
    assert "组长已签字，底稿内容已冻结。" in leader.page.inner_text("#signoff")
    walk.shot(leader, "paper-signed", leader.page.locator("#signoff"))

    # ---- withdrawal and the report's steps up to the secretary's meeting
    stage(admin, iid, "withdrawn", "撤离")
    stage(admin, iid, "reporting", "形成报告")
    page = admin.page
    report = page.locator(f"form[action='{T}/inspections/{iid}/report']")
    act(admin, report, {"title": "关于对演练社区党支部巡察情况的报告",
                        "summary": "发现问题 1 个，问题线索 1 条。"})
    for _ in range(5):
        act(admin, report, {"remark": "按程序审议"})
    assert "书记专题会" in page.inner_text("#inspection")
    walk.shot(admin, "report-heard", report if report.count() else None)
    stage(admin, iid, "reviewed", "审议报告")
    feedback = page.locator(f"form[action='{T}/inspections/{iid}/stage']",
                            has=page.locator("input[name=to][value=feedback]"))
    act(admin, feedback, {"remark": "向被巡察党组织领导班子反馈"})
    assert page.locator("h1 .stage").inner_text() == "反馈意见"
    walk.shot(admin, "feedback")

    # ---- referral: the office refers the clue, the receiving liaison answers
    stage(admin, iid, "referral", "移交线索")
    admin.goto(clue_url)
    act(admin, page.locator(f"form[action='{clue_url}/referral']"),
        {"receiving_body": "discipline", "referred_on": day.isoformat()})
    assert "已移交" in page.inner_text("main")
    receiving = walk.as_("receiving_liaison", clue_url)
    act(receiving, receiving.page.locator(f"form[action='{clue_url}/receipt']"),
        {"received_on": day.isoformat()})
    act(receiving, receiving.page.locator(f"form[action='{clue_url}/outcome']"),
        {"outcome": "经初步核实，给予诫勉谈话处理。", "concluded_on": day.isoformat()})
    assert "给予诫勉谈话处理" in receiving.page.inner_text("main")
    walk.shot(receiving, "clue-concluded")

    # ---- the ledger: made from the finding, moved by the unit, verified by the office
    stage(admin, iid, "rectifying", "督促整改")
    admin.goto(f"{T}/inspections/{iid}")
    form = page.locator(f"form[action='{T}/inspections/{iid}/rectification/items']",
                        has=page.locator("input[name=mode][value=findings]"))
    option = form.locator("select[name=finding_ids] option", has_text=finding)
    deadline = (day + timedelta(days=30)).isoformat()
    act(admin, form, {"finding_ids": [option.get_attribute("value")], "deadline": deadline,
                      "responsible_person": "村党支部书记"})
    item_url = urlparse(page.url).path  # one item made: its page
    assert re.fullmatch(rf"{T}/rectification/items/\d+", item_url), page.url
    assert "村务公开不及时" in page.inner_text("main")
    walk.shot(admin, "ledger-item")
    unit = walk.as_("unit_liaison", item_url)
    for to in ("in_progress", "submitted"):
        act(unit, unit.page.locator(f"form[action='{item_url}/status']"),
            {"to": to, "remark": "已建立村务公开月度台账"})
    assert "整改中 → 已报送" in unit.page.inner_text("main")
    walk.shot(unit, "item-submitted")
    staff.goto(item_url)
    for to in ("verified", "closed"):
        act(staff, staff.page.locator(f"form[action='{item_url}/verify']"),
            {"to": to, "remark": "经现场核实，同意销号"})
    assert "销号" in staff.page.inner_text("main")
    walk.shot(staff, "item-closed")

    # ---- the unit's report, disclosure, evaluation, archive
    admin.goto(f"{T}/inspections/{iid}")
    act(admin, page.locator(f"form[action='{T}/inspections/{iid}/rectification/reports']"),
        {"org_id": org_id, "summary": "整改情况报告：1 个问题已整改销号。"})
    stage(admin, iid, "rectification_reported", "报送整改报告")
    act(admin, page.locator(f"form[action='{T}/inspections/{iid}/disclosures']"),
        {"scope": "public", "disclosed_on": day.isoformat(), "remark": "在村务公开栏公开"})
    stage(admin, iid, "disclosed", "整改公开")
    walk.shot(admin, "disclosed")
    stage(admin, iid, "sustained", "持续整改")
    # 成效评估 needs the unit's evaluation signed off: staff score it, the head signs off
    staff.goto(f"{T}/evaluation")
    act(staff, staff.page.locator(f"form[action='{T}/evaluation']"),
        {"target": f"{iid}:{org_id}", "group_members": "张三、李四"})
    evaluation = urlparse(staff.page.url).path
    act(staff, staff.page.locator(f"form[action='{evaluation}/submit']"), {})
    admin.goto(evaluation)
    act(admin, admin.page.locator(f"form[action='{evaluation}/sign']"), {})
    assert "已签发" in admin.page.inner_text("main")
    stage(admin, iid, "evaluated", "成效评估", "整改成效评估良好")
    stage(admin, iid, "archived", "立卷归档", retention="permanent")
    assert "本次巡察已立卷归档，流程已全部完成。" in page.inner_text("#inspection")
    walk.shot(admin, "archived", page.locator("h1"))
