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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import click

from core.clock import CHINA, Clock
from core.db import Database, TenantSession
from core.demo.cast import GROUPS, AccountRow, Cast, account_rows, add_cast, demo_cast, text_table
from core.events import Event
from core.inspection.events import (
    ClueReferred,
    FindingRecorded,
    InspectionPlanned,
    RectificationItemChanged,
)
from core.inspection.model import TeamRole
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
from core.plugins import Plugins
from core.tenancy.tables import Org
from core.work import Work

__all__ = ["ADMIN_ROW", "DEMO_PASSWORD", "DEMO_USER", "add_commands", "demo_account", "seed_demo",
           "seed_tenant"]

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
"""Names of the persons in the ledger and the clues (the team's are the cast's)."""


STAGE_DAYS = {"planned": -40, "authorized": -15, "briefing": -12, "onsite": 0, "withdrawn": 45,
              "reporting": 46, "reviewed": 70, "feedback": 80, "referral": 85, "rectifying": 90}
"""The day (from the arrival) each stage was entered, as the seeded dates have it."""


def _stages_until(last: str) -> list[str]:
    from core.inspection.model import Stage

    stages = [s.value for s in Stage]
    return stages[: stages.index(last) + 1]


@dataclass(slots=True)
class _Seeding:
    """What seeding one tenant carries from inspection to inspection."""

    session: TenantSession
    code: str
    rng: random.Random
    today: date
    cast: Cast
    counts: dict[str, int]
    events: list[Event]


async def _inspection(sd: _Seeding, round_id: int, n: int, orgs: list[dict[str, Any]],
                      stage: str, start: date) -> int:
    """Insert one inspection at ``stage``, its team the tenant's standing team ``n``;
    returns its id and adds its events to ``sd.events``."""
    s, rng, today = sd.session, sd.rng, sd.today
    team = f"第{'一二三四五六'[n % 6]}巡察组"
    targets = [o["name"] for o in orgs]
    title = f"对{'、'.join(targets)}的常规巡察"
    withdrawn = stage in _after("withdrawn")
    # An inspection still on site has had its stay extended past the planned 45 days.
    onsite_end = start + timedelta(days=45)
    if stage == "onsite":
        onsite_end = max(onsite_end, today + timedelta(days=15))
    (iid,) = await s.insert(Inspection, [{
        "round_id": round_id, "kind": "regular", "title": title,
        "team_name": team, "stage": stage, "onsite_start": start,
        "onsite_end": onsite_end,
        "notice_due": start - timedelta(days=10), "notice_sent_on": (
            start - timedelta(days=12) if stage != "planned" else None),
        "arrived_on": start if stage not in ("planned", "authorized", "briefing") else None,
        "withdrawn_on": start + timedelta(days=45) if withdrawn else None,
        "report_due": start + timedelta(days=75) if withdrawn else None,
        "report_step": "secretary_meeting_heard" if stage in _after("reviewed") else "none",
        "feedback_on": start + timedelta(days=80) if stage in _after("feedback") else None,
        "rectification_report_due": (start + timedelta(days=140)
                                     if stage in _after("feedback") else None)}])
    await s.insert(InspectionTarget, [{"inspection_id": iid, "org_id": o["id"]} for o in orgs])
    sd.events.append(InspectionPlanned(inspection_id=iid, round_id=round_id, kind="regular",
                                       title=title, created=True))
    # 一次一授权: authorised on entering 授权, until the planned withdrawal (the grant's
    # end, as the stage machine sets it) or the withdrawal itself, which releases the team.
    seats = sd.cast.teams[n % len(sd.cast.teams)]
    authorized = _instant(start - timedelta(days=15)) if stage != "planned" else None
    released = (_instant(start + timedelta(days=45)) if withdrawn else datetime.combine(
        onsite_end + timedelta(days=1), time(), tzinfo=CHINA) if authorized else None)
    await s.insert(TeamMember, [{
        "inspection_id": iid, "person": person.login, "name": person.name,
        "home_tenant": sd.code, "role": role.value, "recusal_declared": True,
        "joined_at": _instant(start - timedelta(days=20)),
        "authorized_at": authorized, "released_at": released} for person, role in seats])
    leader = next(p for p, r in seats if r == TeamRole.leader)
    deputy = next(p for p, r in seats if r == TeamRole.deputy)
    members = [p for p, r in seats if r == TeamRole.member]
    previous = ""
    steps = _stages_until(stage)
    for i, step in enumerate(steps):
        # On the days the inspection's dates say, never later than today.
        day = min(start + timedelta(days=STAGE_DAYS.get(step, 150)),
                  today - timedelta(days=len(steps) - i))
        await s.insert(InspectionLog, [{
            "inspection_id": iid, "kind": "stage", "from_value": previous, "to_value": step,
            "actor": sd.cast.staff.login, "at": _instant(day), "remark": ""}])
        previous = step
    if stage not in _after("onsite"):
        return iid
    for k in range(rng.randint(3, 6)):
        org = orgs[k % len(orgs)]
        village = org["kind"] in ("village", "community")
        category = rng.choice([c for c in PROBLEMS if c.startswith("village") == village])
        title = rng.choice(PROBLEMS[category])
        # Written by a member, reviewed by the deputy, signed by the leader, all before
        # the withdrawal; on site the first paper is still a draft, the second reviewed.
        status = "signed" if withdrawn or k >= 2 else ("reviewed" if k == 1 else "draft")
        day = start + timedelta(days=10 + k)
        author = members[k % len(members)].login
        reviewed = status in ("reviewed", "signed")
        signed = status == "signed"
        (paper_id,) = await s.insert(WorkingPaper, [{
            "inspection_id": iid, "org_id": org["id"], "number": f"{team}-{k + 1:03d}",
            "title": title, "paper_date": day,
            "source": rng.choice(["interview", "petition", "documents", "visit"]),
            "summary": f"{org['name']}{title}。", "materials": ["谈话笔录", "相关台账"],
            "status": status, "author": author,
            "reviewed_by": deputy.login if reviewed else "",
            "reviewed_at": _instant(day + timedelta(days=1)) if reviewed else None,
            "signed_by": leader.login if signed else "",
            "signed_at": _instant(day + timedelta(days=2)) if signed else None,
            "created_at": _instant(day),
            "updated_at": _instant(day + timedelta(days=2 if signed else 1 if reviewed else 0))}])
        severity = rng.choice(["general", "general", "serious"])
        fix_now, is_shared = rng.random() < 0.2, rng.random() < 0.1
        (finding_id,) = await s.insert(Finding, [{
            "inspection_id": iid, "org_id": org["id"], "paper_id": paper_id,
            "category": category, "title": title, "description": f"{org['name']}{title}。",
            "source": "interview", "severity": severity, "fix_now": fix_now,
            "shared": is_shared, "recorded_by": author}])
        sd.counts["findings"] += 1
        sd.events.append(FindingRecorded(
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
            sd.counts["items"] += 1
            sd.events.append(RectificationItemChanged(
                item_id=item_id, inspection_id=iid, org_id=org["id"], finding_id=finding_id,
                status=status, escalation="none", deadline=deadline,
                overdue=deadline < today and status in ("open", "in_progress")))
    if stage in _after("referral"):
        (clue_id,) = await s.insert(Clue, [{
            "inspection_id": iid, "org_id": orgs[0]["id"], "title": "反映有关负责人违规问题",
            "grade": "examine", "persons": [{"name": rng.choice(PEOPLE), "position": "负责人"}],
            "status": "referred", "receiving_body": "discipline",
            "referred_on": start + timedelta(days=85), "reply_due": start + timedelta(days=175),
            "recorded_by": leader.login}])
        sd.events.append(ClueReferred(
            clue_id=clue_id, inspection_id=iid, grade="examine", receiving_body="discipline",
            city_managed=False, reply_due=start + timedelta(days=175)))
    return iid


def _after(stage: str) -> set[str]:
    from core.inspection.model import Stage

    stages = [s.value for s in Stage]
    return set(stages[stages.index(stage):])


def _instant(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)


async def seed_tenant(db: Database, tenant_id: int, code: str, today: date,
                      work: Work | None = None, *,
                      password_hash: str | None = None) -> dict[str, int]:
    """Seed one tenant unless it already has a term; returns what was added.

    Args:
        db: the database.
        tenant_id: the tenant's id.
        code: the tenant's code (seeds the random choices).
        today: the day the demo data is arranged around.
        work: a unit of work in the tenant: the workflow events of what was
            seeded are then emitted in the seeding transaction, as if entered
            one by one (a county's linkage plugin reports them up).
        password_hash: the argon2 hash of :data:`DEMO_PASSWORD`, made once for
            every tenant; when given, the tenant's cast (:mod:`core.demo.cast`)
            gets its accounts, in the same transaction.
    """
    s = work.session if work is not None else db.tenant(tenant_id)
    counts = {"inspections": 0, "findings": 0, "items": 0, "accounts": 0}
    if await s.count(Term):
        return counts
    rng = random.Random(code)
    orgs = await s.list(Org, {"active": True}, order_by=("sort", "id"), limit=None)
    units = [o for o in orgs if o["kind"] not in ("township", "village", "community")]
    townships = [o for o in orgs if o["kind"] == "township"]
    villages = {t["id"]: [o for o in orgs if o["parent"] == t["id"]] for t in townships}
    groups = [[u] for u in units[:6]] + [[t, *villages[t["id"]][:2]] for t in townships[:5]]
    rng.shuffle(groups)
    sd = _Seeding(session=s, code=code, rng=rng, today=today, cast=demo_cast(code),
                  counts=counts, events=[])
    # The unit liaisons: of the first inspection of the first round, and of the last.
    unit_orgs: list[list[int]] = [[], []]
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
            for n in range(GROUPS):
                if not groups:
                    break
                group = groups.pop()
                if n == 0 and number in (1, len(plan)):
                    unit_orgs[0 if number == 1 else 1] = [o["id"] for o in group]
                await _inspection(sd, round_id, n, group,
                                  stage if n else ("onsite" if stage == "reporting" else stage),
                                  start)
                counts["inspections"] += 1
        if password_hash is not None:
            counts["accounts"] = await add_cast(db, tenant_id, code, sd.cast, unit_orgs,
                                                DEMO_PASSWORD, password_hash,
                                                datetime.now(UTC))
        if work is not None:
            # Before the commit, so what listens (xuncha_sync_outgoing) reports in it.
            for event in sd.events:
                work.emit(event)
    return counts


DEMO_USER = "admin"
DEMO_PASSWORD = "Xuncha-2026-yanshi"


async def demo_account(db: Database, tenants: list[str], password_hash: str | None = None
                       ) -> bool:
    """The demo's sign-in, office admin of every tenant; False if it exists already."""
    from core.authz.policy import PolicyAdapter
    from core.identity.accounts import create_account, get_account

    if not tenants or await get_account(db, DEMO_USER) is not None:
        return False
    await create_account(db, DEMO_USER, "演示管理员", tenants[0], DEMO_PASSWORD,
                         now=datetime.now(UTC), actor="cli:demo", password_hash=password_hash)
    for code in tenants:
        await PolicyAdapter(db).add_policy("g", "g", [DEMO_USER, "office_admin", code])
    return True


async def seed_demo(db: Database, plugins: Plugins, clock: Clock,
                    codes: Sequence[str] | None = None) -> list[tuple[str, dict[str, int]]]:
    """What ``xuncha demo seed`` does: seed every tenant (or those of ``codes``) without a
    term, give each its cast, and make the demo's office admin; returns the counts by
    tenant code (and ``(DEMO_USER, {})`` when that account was made)."""
    from core.identity.passwords import hash_password_async
    from core.tenancy.registry import TenantRegistry

    defaults = {s.key: s.default for s in plugins.gather_now("xuncha_tenant_settings")}
    tenants = [t for t in await TenantRegistry(db, defaults).all()
               if codes is None or t.code in codes]
    password_hash = await hash_password_async(DEMO_PASSWORD)  # once: argon2 is slow
    out = []
    for tenant in tenants:
        work = Work(session=db.tenant(tenant.id), tenant=tenant, actor="cli:demo",
                    clock=clock, plugins=plugins) if tenant.parent_code else None
        out.append((tenant.code, await seed_tenant(db, tenant.id, tenant.code, clock.today(),
                                                   work, password_hash=password_hash)))
    if await demo_account(db, [t.code for t in tenants], password_hash):
        out.append((DEMO_USER, {}))
    return out


def add_commands(cli: click.Group) -> None:
    """Add ``xuncha demo seed`` and ``xuncha demo accounts`` to ``cli``."""
    from core.cli import Context, _with_db, pass_context, run

    @cli.group("demo")
    def demo() -> None:
        """演示数据。"""

    from core.demo.cluster import cluster_command

    demo.add_command(cluster_command)

    @demo.command("seed")
    @click.option("--tsv", is_flag=True,
                  help="随后以制表符分隔列出演示账号（同 xuncha demo accounts --tsv）")
    @pass_context
    def seed(ctx: Context, tsv: bool) -> None:
        """为每个尚无届次数据的机构生成演示用的巡察轮次、问题、整改台账和演示账号（可重复执行）。"""

        plugins = ctx.plugins

        async def body(db: Database) -> tuple[list[tuple[str, dict[str, int]]],
                                              list[AccountRow]]:
            seeded = await seed_demo(db, plugins, Clock())
            return seeded, (await account_rows(db)) if tsv else []

        settings = ctx.settings
        seeded, rows = run(lambda: _with_db(settings.database_admin_url, settings, body,
                                            plugins))
        for code, counts in seeded:
            if code == DEMO_USER:
                click.echo(f"演示账号：{DEMO_USER}　密码：{DEMO_PASSWORD}（各机构的巡察办管理员；"
                           "仅供演示，正式部署请用 xuncha users create 建立账号）")
                continue
            if counts["inspections"]:
                click.echo(f"{code}：巡察任务 {counts['inspections']} 个，问题 "
                           f"{counts['findings']} 个，整改事项 {counts['items']} 项，"
                           f"演示账号 {counts['accounts']} 个")
            else:
                click.echo(f"{code}：已有数据，跳过")
        click.echo("演示账号一览：xuncha demo accounts")
        for row in rows:
            click.echo("\t".join((row.login, row.name, row.role, row.tenant)))

    @demo.command("accounts")
    @click.option("--tenant", "codes", multiple=True,
                  help="只列出这些机构的演示账号（机构代码，可重复）")
    @click.option("--tsv", is_flag=True, help="以制表符分隔输出（账号、姓名、角色、机构）")
    @pass_context
    def accounts(ctx: Context, codes: tuple[str, ...], tsv: bool) -> None:
        """列出演示账号：账号、姓名、角色（含按次授权的巡察组职务）与所属机构，及共用密码。"""
        plugins = ctx.plugins

        async def body(db: Database) -> list[AccountRow]:
            return await account_rows(db, list(codes) or None)

        settings = ctx.settings
        rows = run(lambda: _with_db(settings.database_admin_url, settings, body, plugins))
        if tsv:
            for row in rows:
                click.echo("\t".join((row.login, row.name, row.role, row.tenant)))
            return
        for line in text_table([ADMIN_ROW, *rows]):
            click.echo(line)
        click.echo(f"密码（以上账号共用）：{DEMO_PASSWORD}（仅供演示）")


ADMIN_ROW = AccountRow(DEMO_USER, "演示管理员", "巡察办管理员（每个机构）", "全部机构")
"""The demo's office admin, first in the accounts table."""
