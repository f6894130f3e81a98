"""A seeded demo inspection walked to 归档 by clicking: only the forms the pages offer.

The deployment is the demo's own: the demo tree loaded, ``zz.zhongmu`` seeded
as ``xuncha demo seed`` does (:func:`core.demo.seed.seed_demo`, its cast of
accounts included), served by the app on a database of its own. Each person
signs in on the login page with the demo password and keeps its own cookies;
every write is a form found on the page that person has open (its action,
hidden fields and CSRF token as rendered; the values typed must be fields of
that form, and a choice one of its options), posted as the browser posts it
without scripts. The inspection is the first team's of the planned round;
it goes stage by stage to 归档, each step by the role whose job it is, and
where a rule refuses, the page says why in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.audit.chain import verify
from core.clock import Clock
from core.db import Database
from core.demo.cast import Cast, demo_cast
from core.demo.seed import DEMO_PASSWORD, seed_demo
from core.inspection.model import STAGE_LABELS, Stage
from core.inspection.tables import (
    Clue,
    Finding,
    Inspection,
    InspectionLog,
    InspectionTarget,
    RectificationItem,
    WorkingPaper,
)
from core.plugins import Plugins
from core.tenancy.loader import load_tree, sync_tree
from core.testing.clients import AppClient
from tests.conftest import REPO, RunDatabase, make_settings, migrate_database, scratch_database
from tests.identity.helpers import Browser, browser, csrf_of, login

T = "zz.zhongmu"
_ENGLISH = re.compile(r"Expected|Object missing|Validation failed|Invalid enum|required field")


@dataclass
class Form:
    """One ``<form>`` of a page: its action and fields (hidden values, select options)."""

    action: str
    buttons: dict[str, bool] = field(default_factory=dict)
    """Further actions of its buttons (``formaction``), and whether each is enabled."""
    hidden: dict[str, str] = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)
    options: dict[str, list[str]] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""))
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "button" and a.get("formaction"):
            self._form.buttons[a["formaction"]] = "disabled" not in a
        elif tag in ("input", "textarea", "select", "button") and a.get("name"):
            self._form.fields.add(a["name"])
            if tag == "input" and a.get("type") == "hidden":
                self._form.hidden[a["name"]] = a.get("value", "")
            if tag == "select":
                self._select = a["name"]
                self._form.options.setdefault(a["name"], [])
        elif tag == "option" and self._select is not None:
            self._form.options[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_of(html: str) -> list[Form]:
    """Every form of ``html``."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


@dataclass
class Person:
    """Someone of the demo's cast in a browser of their own."""

    web: Browser
    login: str

    async def sign_in(self) -> None:
        """Sign in on the login page (again after the clock moved past the session)."""
        self.web.cookies.clear()
        self.web.headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"  # a browser
        answer = await login(self.web, self.login, DEMO_PASSWORD)
        assert answer.status_code == 303, (self.login, answer.text[:2000])

    async def open(self, path: str) -> str:
        """The page at ``path`` as this person sees it (must open)."""
        page = await self.web.get(path)
        assert page.status_code == 200, (self.login, path, page.status_code, page.text[:2000])
        assert not _ENGLISH.search(page.text)
        return page.text

    async def submit(self, path: str, action: str, values: dict[str, Any] | None = None,
                     *, match: dict[str, str] | None = None, status: int = 303) -> str:
        """Fill the form posting to ``action`` on the page at ``path`` and send it.

        ``match`` picks among forms with one action by their hidden fields; every
        value must be a field of the form, a choice one of its options. Returns the
        answer's text; its status must be ``status`` (303: done, back to a page).
        """
        html = await self.open(path)
        found = [f for f in forms_of(html) if (f.action == action or action in f.buttons)
                 and all(f.hidden.get(k) == v for k, v in (match or {}).items())]
        assert found, (self.login, f"no form posting to {action} on {path}",
                       [f.action for f in forms_of(html)])
        form = found[0]
        # A disabled button is posted only to show the refusal a stale page would get.
        assert form.buttons.get(action, True) or status != 303, (action, "disabled")
        values = values or {}
        for name, value in values.items():
            assert name in form.fields, (action, name, sorted(form.fields))
            if name in form.options:
                for chosen in value if isinstance(value, list) else [value]:
                    assert str(chosen) in form.options[name], (name, chosen, form.options[name])
        answer = await self.web.post(action, data={**form.hidden, **{
            k: ([str(x) for x in v] if isinstance(v, list) else str(v))
            for k, v in values.items()}})
        assert answer.status_code == status, (self.login, action, answer.status_code,
                                              answer.text[:3000])
        assert not _ENGLISH.search(answer.text)
        return answer.text


@pytest.fixture(scope="module")
def walk_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with scratch_database(tmp_path_factory.mktemp("walk"), "walk") as database:
        yield database


@dataclass
class Demo:
    app: Litestar
    client: AsyncTestClient[Litestar]
    db: Database
    tenant_id: int


@pytest.fixture(scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory,
               walk_database: RunDatabase) -> AsyncIterator[Demo]:
    """The demo tree with ``T`` seeded as ``xuncha demo seed`` does, and its app."""
    settings = make_settings(tmp_path_factory.mktemp("walk-home"), walk_database)
    plugins = Plugins(settings)
    await migrate_database(settings, plugins)
    db = Database(settings.database_admin_url)
    await db.start()
    try:
        await sync_tree(db, load_tree(REPO / "tenants" / "demo"))
        await seed_demo(db, plugins, Clock(), [T])
        tenant_id = int((await db.fetch(
            f'SELECT "id" FROM "tenant" WHERE "code" = {db.dialect.mark(1)}', [T]))[0]["id"])
        app = create_app(settings, plugins)
        async with AppClient(app) as client:
            yield Demo(app, client, db, tenant_id)
    finally:
        await db.stop()


def _day(today: date, days: int = 0) -> str:
    return (today + timedelta(days=days)).isoformat()


async def test_a_seeded_planned_inspection_is_walked_to_the_archive_through_the_pages(
    demo: Demo, tmp_path: Path
) -> None:
    s = demo.db.tenant(demo.tenant_id)
    cast: Cast = demo_cast(T)
    team = cast.teams[0]
    (insp,) = await s.list(Inspection, {"stage": "planned", "team_name": "第一巡察组"},
                           limit=None)
    iid = insp["id"]
    orgs = [t["org_id"] for t in await s.list(InspectionTarget, {"inspection_id": iid},
                                              order_by=("id",), limit=None)]
    clock = demo.app.state.runtime.clock
    async with browser(demo.app, demo.client) as w1, browser(demo.app, demo.client) as w2, \
            browser(demo.app, demo.client) as w3, browser(demo.app, demo.client) as w4, \
            browser(demo.app, demo.client) as w5, browser(demo.app, demo.client) as w6, \
            browser(demo.app, demo.client) as w7, browser(demo.app, demo.client) as w8:
        people = {
            "staff": Person(w1, cast.staff.login), "leading": Person(w2, cast.leading.login),
            "leader": Person(w3, team[0][0].login), "deputy": Person(w4, team[1][0].login),
            "member": Person(w5, team[2][0].login), "member2": Person(w6, team[3][0].login),
            "unit": Person(w7, cast.units[1].login),
            "receiving": Person(w8, cast.receiving.login)}
        try:
            for person in people.values():
                await person.sign_in()
            await _walk(demo, people, iid, orgs, clock)
        finally:
            clock.reset()
    row = await s.get(Inspection, iid)
    assert row is not None and row["stage"] == "archived" and row["retention"] == "permanent"
    logged = await s.list(InspectionLog, {"inspection_id": iid, "kind": "stage"},
                          order_by=("at", "id"), limit=None)
    assert [e["to_value"] for e in logged] == [st.value for st in Stage]
    assert (await verify(demo.db, demo.tenant_id)).ok


async def _walk(demo: Demo, p: dict[str, Person], iid: int, orgs: list[int],
                clock: Any) -> None:
    s = demo.db.tenant(demo.tenant_id)
    page = f"/t/{T}/inspections/{iid}"
    stage = f"{page}/stage"
    staff, leader, deputy, member = p["staff"], p["leader"], p["deputy"], p["member"]

    async def move(to: str, remark: str = "", *, who: Person = staff, path: str = page,
                   **extra: str) -> None:
        values = {"to": to, **({"remark": remark} if remark else {}), **extra}
        await who.submit(path, stage, values)
        row = await s.get(Inspection, iid)
        assert row is not None and row["stage"] == to, (to, row)

    async def refused(to: str, reason: str, status: int = 409) -> None:
        answer = await staff.submit(page, stage, {"to": to}, status=status)
        assert reason in answer, (reason, answer[:3000])

    async def again() -> None:  # the clock moved past every session
        for person in p.values():
            await person.sign_in()

    # 拟定计划 → 授权: the seeded team (recusal declared) is authorised on its team page;
    # until then its leader cannot open the inspection.
    refused_page = await leader.web.get(page)
    assert refused_page.status_code == 403 and "无权" in refused_page.text
    team_page = f"{page}/team"
    assert "第一巡察组" in await staff.open(page)
    await move("authorized", path=team_page)
    assert "未授权（" not in await leader.open(team_page)  # the leader opens it now

    # 通知 and 前期准备; 进驻 waits for the notice period.
    today = clock.today()
    await staff.submit(page, f"{page}/notice", {"sent_on": _day(today), "remark": "已送达"})
    await move("briefing", "已向纪检、组织、审计等部门了解情况")
    await refused("onsite", "巡察通知须在进驻前 10 天发出")
    clock.advance(timedelta(days=30))
    await again()
    await move("onsite", "召开进驻动员会")

    # 底稿: members write, the deputy reviews, the leader signs; the wrong person is
    # refused with the reason, and the order is kept.
    today = clock.today()
    papers = []
    for n, writer in enumerate((member, p["member2"])):
        await writer.submit(page, f"{page}/papers", {
            "number": f"一组-演示-{n + 1:03d}", "title": f"演示底稿{n + 1}",
            "paper_date": _day(today), "org_id": orgs[n % len(orgs)], "source": "interview",
            "summary": "谈话中反映公务接待超标准。", "how_found": "个别谈话",
            "materials": "谈话笔录\n接待清单"})
        (paper,) = await s.list(WorkingPaper, {"inspection_id": iid,
                                               "number": f"一组-演示-{n + 1:03d}"}, limit=1)
        papers.append(paper)
    for paper in papers:
        ppath = f"/t/{T}/papers/{paper['id']}"
        # The page tells the member before submit; the post is refused all the same.
        assert "只有本次巡察的副组长或组长可以审核底稿" in await member.open(ppath)
        answer = await member.submit(ppath, f"{ppath}/review", {"remark": ""}, status=403)
        assert "无权执行此操作" in answer
        # Before the review the leader's button is off, with the reason beside it.
        assert 'title="底稿须经副组长审核后方可由组长签字"' in await leader.open(ppath)
        answer = await leader.submit(ppath, f"{ppath}/sign", {"remark": ""}, status=409)
        assert "底稿须经副组长审核后方可由组长签字" in answer
        await deputy.submit(ppath, f"{ppath}/review", {"remark": "材料齐全"})
        await leader.submit(ppath, f"{ppath}/sign", {"remark": "同意"})
        row = await s.get(WorkingPaper, paper["id"])
        assert row is not None and row["status"] == "signed"
        assert (row["author"], row["reviewed_by"], row["signed_by"]) == (
            paper["author"], deputy.login, leader.login)

    # 问题 (one per paper) and a 线索 (the leader records it, with its person).
    for n, paper in enumerate(papers):
        await member.submit(page, f"{page}/findings", {
            "title": f"演示问题{n + 1}", "org_id": paper["org_id"], "category": "work_style",
            "severity": "general", "source": "interview", "paper_id": paper["id"],
            "description": "公务接待超标准。"})
    await leader.submit(page, f"{page}/clues", {
        "title": "反映某负责人违规收受礼金", "org_id": orgs[0], "grade": "examine",
        "summary": "群众来信反映。", "person_name": "某某", "person_position": "负责人",
        "person_unit": ""})
    (clue,) = await s.list(Clue, {"inspection_id": iid}, limit=None)

    # 撤离 → 形成报告 → 审议: the office records the report's steps, the leading group
    # its hearings; the secretary's meeting must have heard it first.
    clock.advance(timedelta(days=45))
    await again()
    await move("withdrawn", "巡察组撤离")
    await move("reporting")
    await refused("reviewed", "巡察报告尚未经书记专题会审议")
    report = f"{page}/report"
    steps = [("drafted", staff), ("team_discussed", staff), ("leader_signed", staff),
             ("office_reviewed", staff), ("leading_group_heard", p["leading"]),
             ("secretary_meeting_heard", p["leading"])]
    for step, who in steps:
        values = {"remark": f"{step}：已办理"}
        if step == "drafted":
            values |= {"title": "关于对有关单位巡察情况的报告", "summary": "发现问题 2 个。"}
        await who.submit(page, report, values, match={"step": step})
    await move("reviewed", "书记专题会审议通过")

    # 反馈 (the report section's form), 移交 (refused while the clue is not referred).
    await staff.submit(page, stage, {"remark": "向被巡察党组织领导班子反馈"},
                       match={"to": "feedback"})
    await move("referral")
    await refused("rectifying", "条问题线索尚未移交")
    cpath = f"/t/{T}/clues/{clue['id']}"
    await staff.submit(cpath, f"{cpath}/referral", {"receiving_body": "discipline",
                                                    "referred_on": _day(clock.today())})
    await p["receiving"].submit(cpath, f"{cpath}/receipt", {"received_on": _day(clock.today())})
    await move("rectifying")

    # 整改: the ledger from the findings; the unit works each item, the office verifies
    # and closes it; the unit may not verify its own work.
    findings = await s.list(Finding, {"inspection_id": iid}, order_by=("id",), limit=None)
    await staff.submit(page, f"{page}/rectification/items", {
        "finding_ids": [f["id"] for f in findings], "deadline": _day(clock.today(), 30),
        "measures": "逐项整改", "responsible_person": "单位负责人"}, match={"mode": "findings"})
    items = await s.list(RectificationItem, {"inspection_id": iid}, order_by=("id",),
                         limit=None)
    assert len(items) == len(findings) == 2
    unit = p["unit"]
    for item in items:
        ipath = f"/t/{T}/rectification/items/{item['id']}"
        for to in ("in_progress", "submitted"):
            await unit.submit(ipath, f"{ipath}/status", {"to": to, "remark": "已整改"})
        # The unit is not offered the office's verification; posting it anyway is refused.
        assert not [f for f in forms_of(await unit.open(ipath)) if f.action == f"{ipath}/verify"]
        denied = await unit.web.post(f"{ipath}/verify", data={
            "to": "verified", "_csrf": await csrf_of(unit.web)})
        assert denied.status_code == 403 and "无权执行此操作" in denied.text
        for to in ("verified", "closed"):
            await staff.submit(ipath, f"{ipath}/verify", {"to": to, "remark": "核实无误"})
        row = await s.get(RectificationItem, item["id"])
        assert row is not None and row["status"] == "closed"

    # 整改报告 of every unit (the office registers what each unit sent: the unit's
    # liaison works its ledger items, not the inspection), then 公开, 持续整改, 评估;
    # 归档 waits for the clue's outcome.
    assert (await unit.web.get(page)).status_code == 403
    await refused("rectification_reported", "个被巡察单位未报送整改报告")
    for org in orgs:
        await staff.submit(page, f"{page}/rectification/reports", {
            "org_id": org, "summary": "整改情况报告"})
    await move("rectification_reported")
    await staff.submit(page, f"{page}/disclosures", {"scope": "public",
                                                     "remark": "在县政府网站公开"})
    await move("disclosed")
    await move("sustained")
    # 成效评估 needs every unit's evaluation signed off (the evaluation plugin): staff
    # score each unit, a member of the leading group signs off.
    await refused("evaluated", "尚无经审核签发的整改评估")
    for org in orgs:
        made = await staff.web.post(f"/t/{T}/evaluation", data={
            "target": f"{iid}:{org}", "group_members": "评估组",
            "_csrf": await csrf_of(staff.web)})
        assert made.status_code == 303, made.text[:2000]
        evaluation = made.headers["location"].split("?")[0]
        await staff.submit(evaluation, f"{evaluation}/submit")
        await p["leading"].submit(evaluation, f"{evaluation}/sign")
    await move("evaluated", "整改成效评估：好")
    await refused("archived", "条问题线索未办结")
    await p["receiving"].submit(cpath, f"{cpath}/outcome", {
        "outcome": "经初步核实，给予诫勉谈话", "concluded_on": _day(clock.today())})
    await move("archived", retention="permanent")
    assert "归档" in await staff.open(page) and STAGE_LABELS[Stage.archived] in (
        await staff.open(page))
