"""``xuncha demo seed``: workflow data for the demo tree, so every page has something real.

Each tenant without a term gets the current term, this year's plan and three
rounds: the first in rectification (findings, signed papers, referred clues,
a ledger with some items overdue), the second on site or reporting, the third
planned. The data is deterministic (seeded by tenant code); a tenant that
already has a term is left alone, so running it twice changes nothing. A
county's seeded inspections are reported up to its city (progress and
statistics through the sync outbox): the seed emits the workflow events of
what it inserted, as if it had been entered one by one, and whatever
listens to them (the linkage plugin's ``xuncha_sync_outgoing``) reports.

``xuncha demo cluster`` (:mod:`core.demo.cluster`) runs a city and
two counties as separate deployments on top of this.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import click

from core.clock import Clock
from core.db import Database, TenantSession
from core.events import Event
from core.inspection.events import (
    ClueReferred,
    FindingRecorded,
    InspectionPlanned,
    RectificationItemChanged,
)
from core.inspection.tables import (
    Clue,
    Finding,
    Inspection,
    InspectionLog,
    InspectionTarget,
    Plan,
    RectificationItem,
    Round,
    TeamMember,
    Term,
    WorkingPaper,
)
from core.tenancy.tables import Org
from core.work import Work

__all__ = ["DEMO_PASSWORD", "DEMO_USER", "add_commands", "demo_account", "seed_tenant"]

PROBLEMS = {
    "political": ["贯彻落实上级重大决策部署不到位", "“第一议题”制度落实不严格"],
    "ideological": ["意识形态工作责任制落实不到位", "理论学习中心组学习流于形式"],
    "organisational": ["“三会一课”制度执行不规范", "党员发展程序不严谨"],
    "personnel": ["干部选拔任用程序不规范", "干部人事档案管理不严格"],
    "work_style": ["违规发放津贴补贴", "公务接待超标准", "文山会海问题依然存在"],
    "discipline": ["政府采购未按规定程序执行", "“三重一大”事项未经集体研究"],
    "anti_corruption": ["工程项目管理不规范", "惠民资金发放审核不严"],
    "village_policy": ["低保评定程序不规范", "惠农补贴发放不及时"],
    "village_corruption": ["集体“三资”管理混乱", "优亲厚友问题"],
    "village_party_org": ["村党组织战斗堡垒作用发挥不充分", "村“两委”分工不明确"],
}
PEOPLE = ["王建国", "李红梅", "张志强", "刘晓东", "陈静", "杨光", "赵磊", "黄丽", "周涛",
          "吴敏", "徐斌", "孙倩", "马骏", "朱慧", "胡波", "郭亮"]


def _stages_until(last: str) -> list[str]:
    from core.inspection.model import Stage

    stages = [s.value for s in Stage]
    return stages[: stages.index(last) + 1]


async def _inspection(s: TenantSession, code: str, rng: random.Random, round_id: int, n: int,
                      orgs: list[dict[str, Any]], stage: str, start: date, today: date,
                      counts: dict[str, int], events: list[Event]) -> int:
    """Insert one inspection at ``stage``; returns its id, adds its events to ``events``."""
    team = f"第{'一二三四五六'[n % 6]}巡察组"
    targets = [o["name"] for o in orgs]
    title = f"对{'、'.join(targets)}的常规巡察"
    (iid,) = await s.insert(Inspection, [{
        "round_id": round_id, "kind": "regular", "title": title,
        "team_name": team, "stage": stage, "onsite_start": start,
        "onsite_end": start + timedelta(days=45),
        "notice_due": start - timedelta(days=10), "notice_sent_on": (
            start - timedelta(days=12) if stage != "planned" else None),
        "arrived_on": start if stage not in ("planned", "authorized", "briefing") else None,
        "withdrawn_on": start + timedelta(days=45) if stage in _after("withdrawn") else None,
        "report_due": start + timedelta(days=75) if stage in _after("withdrawn") else None,
        "report_step": "secretary_meeting_heard" if stage in _after("reviewed") else "none",
        "feedback_on": start + timedelta(days=80) if stage in _after("feedback") else None,
        "rectification_report_due": (start + timedelta(days=140)
                                     if stage in _after("feedback") else None)}])
    await s.insert(InspectionTarget, [{"inspection_id": iid, "org_id": o["id"]} for o in orgs])
    events.append(InspectionPlanned(inspection_id=iid, round_id=round_id, kind="regular",
                                    title=title, created=True))
    people = rng.sample(PEOPLE, 5)
    authorized = stage != "planned"
    await s.insert(TeamMember, [{
        "inspection_id": iid, "person": f"{code}-{PEOPLE.index(name) + 1:02d}", "name": name,
        "home_tenant": code, "role": role, "recusal_declared": True,
        "authorized_at": _instant(start - timedelta(days=15)) if authorized else None}
        for name, role in zip(people, ["leader", "deputy", "member", "member", "member"],
                              strict=True)])
    previous = ""
    for i, step in enumerate(_stages_until(stage)):
        await s.insert(InspectionLog, [{
            "inspection_id": iid, "kind": "stage", "from_value": previous, "to_value": step,
            "actor": "demo", "at": _instant(start - timedelta(days=20) + timedelta(days=7 * i)),
            "remark": ""}])
        previous = step
    if stage not in _after("onsite"):
        return iid
    signed = stage in _after("reviewed")
    for k in range(rng.randint(3, 6)):
        org = orgs[k % len(orgs)]
        village = org["kind"] in ("village", "community")
        category = rng.choice([c for c in PROBLEMS if c.startswith("village") == village])
        title = rng.choice(PROBLEMS[category])
        (paper_id,) = await s.insert(WorkingPaper, [{
            "inspection_id": iid, "org_id": org["id"], "number": f"{team}-{k + 1:03d}",
            "title": title, "paper_date": start + timedelta(days=10 + k),
            "source": rng.choice(["interview", "petition", "documents", "visit"]),
            "summary": f"{org['name']}{title}。", "materials": ["谈话笔录", "相关台账"],
            "status": "signed" if signed else "draft", "author": "demo",
            "signed_by": "demo" if signed else ""}])
        severity = rng.choice(["general", "general", "serious"])
        fix_now, is_shared = rng.random() < 0.2, rng.random() < 0.1
        (finding_id,) = await s.insert(Finding, [{
            "inspection_id": iid, "org_id": org["id"], "paper_id": paper_id,
            "category": category, "title": title, "description": f"{org['name']}{title}。",
            "source": "interview", "severity": severity, "fix_now": fix_now,
            "shared": is_shared, "recorded_by": "demo"}])
        counts["findings"] += 1
        events.append(FindingRecorded(
            finding_id=finding_id, inspection_id=iid, org_id=org["id"], category=category,
            severity=severity, title=title, fix_now=fix_now, shared=is_shared))
        if stage in _after("rectifying"):
            deadline = today + timedelta(days=rng.randint(-40, 60))
            status = rng.choice(["open", "in_progress", "in_progress", "submitted", "closed"])
            (item_id,) = await s.insert(RectificationItem, [{
                "inspection_id": iid, "org_id": org["id"], "finding_id": finding_id,
                "problem": title, "measures": "建立问题清单、任务清单、责任清单，逐项整改销号",
                "deadline": deadline, "responsible_person": rng.choice(PEOPLE),
                "responsible_leader": rng.choice(PEOPLE), "lead_office": "党政办公室",
                "status": status, "closed_on": today if status == "closed" else None}])
            counts["items"] += 1
            events.append(RectificationItemChanged(
                item_id=item_id, inspection_id=iid, org_id=org["id"], finding_id=finding_id,
                status=status, escalation="none", deadline=deadline,
                overdue=deadline < today and status in ("open", "in_progress")))
    if stage in _after("referral"):
        (clue_id,) = await s.insert(Clue, [{
            "inspection_id": iid, "org_id": orgs[0]["id"], "title": "反映有关负责人违规问题",
            "grade": "examine", "persons": [{"name": rng.choice(PEOPLE), "position": "负责人"}],
            "status": "referred", "receiving_body": "discipline",
            "referred_on": start + timedelta(days=85), "reply_due": start + timedelta(days=175),
            "recorded_by": "demo"}])
        events.append(ClueReferred(
            clue_id=clue_id, inspection_id=iid, grade="examine", receiving_body="discipline",
            city_managed=False, reply_due=start + timedelta(days=175)))
    return iid


def _after(stage: str) -> set[str]:
    from core.inspection.model import Stage

    stages = [s.value for s in Stage]
    return set(stages[stages.index(stage):])


def _instant(day: date) -> Any:
    from datetime import UTC, datetime

    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)


async def seed_tenant(db: Database, tenant_id: int, code: str, today: date,
                      work: Work | None = None) -> dict[str, int]:
    """Seed one tenant unless it already has a term; returns what was added.

    Args:
        db: the database.
        tenant_id: the tenant's id.
        code: the tenant's code (seeds the random choices).
        today: the day the demo data is arranged around.
        work: a unit of work in the tenant: the workflow events of what was
            seeded are then emitted in the seeding transaction, as if entered
            one by one (a county's linkage plugin reports them up).
    """
    s = work.session if work is not None else db.tenant(tenant_id)
    counts = {"inspections": 0, "findings": 0, "items": 0}
    if await s.count(Term):
        return counts
    rng = random.Random(code)
    orgs = await s.list(Org, {"active": True}, order_by=("sort", "id"), limit=None)
    units = [o for o in orgs if o["kind"] not in ("township", "village", "community")]
    townships = [o for o in orgs if o["kind"] == "township"]
    villages = {t["id"]: [o for o in orgs if o["parent"] == t["id"]] for t in townships}
    groups = [[u] for u in units[:6]] + [[t, *villages[t["id"]][:2]] for t in townships[:5]]
    rng.shuffle(groups)
    events: list[Event] = []
    async with work.transaction() if work is not None else s.transaction():
        (term_id,) = await s.insert(Term, [{"name": "本届", "start_date": date(
            today.year - 1, 10, 1), "end_date": date(today.year + 4, 9, 30)}])
        (plan_id,) = await s.insert(Plan, [{
            "term_id": term_id, "kind": "year", "year": today.year,
            "title": f"{today.year}年度巡察工作计划", "rounds_planned": 3}])
        plan = [(1, "rectifying", today - timedelta(days=200)),
                (2, "reporting", today - timedelta(days=70)),
                (3, "planned", today + timedelta(days=30))]
        for number, stage, start in plan:
            (round_id,) = await s.insert(Round, [{
                "term_id": term_id, "plan_id": plan_id, "year": today.year, "number": number,
                "name": f"{today.year}年第{number}轮巡察", "start_date": start,
                "end_date": start + timedelta(days=45)}])
            for n in range(3):
                if not groups:
                    break
                await _inspection(s, code, rng, round_id, n, groups.pop(),
                                  stage if n else ("onsite" if stage == "reporting" else stage),
                                  start, today, counts, events)
                counts["inspections"] += 1
        if work is not None:
            # Before the commit, so what listens (xuncha_sync_outgoing) reports in it.
            for event in events:
                work.emit(event)
    return counts


DEMO_USER = "admin"
DEMO_PASSWORD = "Xuncha-2026-yanshi"


async def demo_account(db: Database, tenants: list[str]) -> bool:
    """The demo's sign-in, office admin of every tenant; False if it exists already."""
    from datetime import UTC, datetime

    from core.authz.policy import PolicyAdapter
    from core.identity.accounts import create_account, get_account

    if not tenants or await get_account(db, DEMO_USER) is not None:
        return False
    await create_account(db, DEMO_USER, "演示管理员", tenants[0], DEMO_PASSWORD,
                         now=datetime.now(UTC), actor="cli:demo")
    for code in tenants:
        await PolicyAdapter(db).add_policy("g", "g", [DEMO_USER, "office_admin", code])
    return True


def add_commands(cli: click.Group) -> None:
    """Add ``xuncha demo seed`` to ``cli``."""
    from core.cli import Context, _with_db, pass_context, run

    @cli.group("demo")
    def demo() -> None:
        """演示数据。"""

    from core.demo.cluster import cluster_command

    demo.add_command(cluster_command)

    @demo.command("seed")
    @pass_context
    def seed(ctx: Context) -> None:
        """为每个尚无届次数据的机构生成演示用的巡察轮次、问题和整改台账（可重复执行）。"""

        plugins = ctx.plugins

        async def body(db: Database) -> list[tuple[str, dict[str, int]]]:
            from core.tenancy.registry import TenantRegistry

            defaults = {s.key: s.default for s in plugins.gather_now("xuncha_tenant_settings")}
            tenants = await TenantRegistry(db, defaults).all()
            clock = Clock()
            out = []
            for tenant in tenants:
                work = Work(session=db.tenant(tenant.id), tenant=tenant, actor="cli:demo",
                            clock=clock, plugins=plugins) if tenant.parent_code else None
                out.append((tenant.code,
                            await seed_tenant(db, tenant.id, tenant.code, clock.today(), work)))
            if await demo_account(db, [t.code for t in tenants]):
                out.append((DEMO_USER, {}))
            return out

        settings = ctx.settings
        for code, counts in run(lambda: _with_db(settings.database_admin_url, settings, body,
                                                 plugins)):
            if code == DEMO_USER:
                click.echo(f"演示账号：{DEMO_USER}　密码：{DEMO_PASSWORD}（各机构的巡察办管理员；"
                           "仅供演示，正式部署请用 xuncha users create 建立账号）")
                continue
            if counts["inspections"]:
                click.echo(f"{code}：巡察任务 {counts['inspections']} 个，问题 "
                           f"{counts['findings']} 个，整改事项 {counts['items']} 项")
            else:
                click.echo(f"{code}：已有数据，跳过")
