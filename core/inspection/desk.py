"""A person's desk (工作台): the core's to-dos for one viewer in one tenant.

Each kind of to-do is answered only to those who act on it:

- the inspections whose team the viewer is on (authorised, not released), with
  their stage, and the viewer's own draft papers there (awaiting its
  finishing touches and the deputy's review);
- papers awaiting review: draft papers of inspections where the viewer is an
  authorised deputy leader, drafted by someone else (审核人不能是起草人);
- papers awaiting signature: reviewed papers of inspections the viewer leads;
- inspection deadlines within 20 days or past (notice, planned end of the
  stay on site, report, rectification report): to the office (who may write
  inspections) for every inspection, to a leader or deputy for their own;
- overdue rectification items: to the office (tenant-wide ledger readers);
- a unit liaison's own orgs' items not yet submitted (open or in progress),
  every one, the overdue and nearly due first;
- clue replies due within 20 days or past (referred, not yet concluded): to
  those who refer clues; to a receiving body's liaison every clue referred to
  its body and not yet concluded.

Nothing here knows the web: the home page gathers these (through the
``xuncha_desk_items`` hook, implemented by the core in ``core.builtin``)
beside what plugins contribute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from core.contributions import DeskEntry, DeskItem, DeskLevel, DeskViewer
from core.inspection.ledger_query import OVERDUE_STATUSES, LedgerFilter, list_items
from core.inspection.model import STAGE_LABELS, ClueStatus, PaperStatus, Stage, TeamRole
from core.inspection.tables import Clue, Inspection, RectificationItem, TeamMember, WorkingPaper
from core.work import Work

__all__ = [
    "DEADLINES",
    "ENTRIES_SHOWN",
    "RED_DAYS",
    "TEAM_ROLE_TITLES",
    "YELLOW_DAYS",
    "core_desk_items",
    "level_of",
    "team_places",
]

RED_DAYS = 10
"""A deadline this many days away or fewer is red (红色预警)."""
YELLOW_DAYS = 20
"""A deadline this many days away or fewer is yellow (黄色预警)."""
ENTRIES_SHOWN = 8
"""How many entries of one kind the desk lists (the most urgent first)."""

DEADLINES: tuple[tuple[str, frozenset[str], str], ...] = (
    ("notice_due", frozenset({Stage.planned, Stage.authorized, Stage.briefing}),
     "发出巡察通知"),
    ("onsite_end", frozenset({Stage.onsite}), "计划撤离（进驻结束）"),
    ("report_due", frozenset({Stage.withdrawn, Stage.reporting}), "形成巡察报告"),
    ("rectification_report_due",
     frozenset({Stage.feedback, Stage.referral, Stage.rectifying}), "提交整改报告"),
)
"""Inspection deadlines: the column, the stages in which it is still open, what is due."""

TEAM_ROLE_TITLES = {TeamRole.leader.value: "组长", TeamRole.deputy.value: "副组长",
                    TeamRole.member.value: "组员"}
"""How the desk names the viewer's places on a team."""

_RANK: dict[DeskLevel, int] = {"overdue": 0, "red": 1, "yellow": 2, "todo": 3}


def level_of(due: date | None, today: date) -> DeskLevel | None:
    """How urgent a due date is; None when it is more than 20 days away (or absent)."""
    if due is None:
        return None
    left = (due - today).days
    if left < 0:
        return "overdue"
    if left <= RED_DAYS:
        return "red"
    if left <= YELLOW_DAYS:
        return "yellow"
    return None


def _note(due: date, today: date) -> str:
    left = (due - today).days
    if left < 0:
        return f"已逾期 {-left} 天"
    return "今日到期" if left == 0 else f"剩 {left} 天"


def _active(row: dict[str, Any], now: datetime) -> bool:
    started, ended = row["authorized_at"], row["released_at"]
    return started is not None and started <= now and (ended is None or ended > now)


async def team_places(work: Work, viewer: DeskViewer) -> dict[int, set[str]]:
    """The viewer's authorised, not released places: inspection id -> team roles."""
    rows = await work.session.list(TeamMember, {
        "person": viewer.username, "home_tenant": viewer.home_tenant}, limit=None)
    now = work.clock.now()
    places: dict[int, set[str]] = {}
    for row in rows:
        if _active(row, now):
            places.setdefault(row["inspection_id"], set()).add(row["role"])
    return places


def _item(code: str, label: str, entries: Sequence[DeskEntry], *, path: str = "",
          order: int) -> DeskItem | None:
    if not entries:
        return None
    ranked = sorted(entries, key=lambda e: (_RANK[e.level], e.due or date.max, e.title))
    return DeskItem(code=code, label=label, count=len(ranked),
                    entries=tuple(ranked[:ENTRIES_SHOWN]), level=ranked[0].level,
                    path=path, order=order)


async def _titles(work: Work, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await work.session.list(Inspection, {"id": wanted}, limit=None)
    return {r["id"]: r["title"] for r in rows}


async def _papers(work: Work, viewer: DeskViewer,
                  places: dict[int, set[str]]) -> list[DeskItem | None]:
    reviewing = sorted(i for i, roles in places.items() if TeamRole.deputy.value in roles)
    signing = sorted(i for i, roles in places.items() if TeamRole.leader.value in roles)
    wanted = sorted({*reviewing, *signing})
    if not wanted:
        return [None, None]
    rows = await work.session.list(WorkingPaper, {
        "inspection_id": wanted,
        "status": [PaperStatus.draft.value, PaperStatus.reviewed.value]}, limit=None)
    titles = await _titles(work, (r["inspection_id"] for r in rows))
    review, sign = [], []
    for row in rows:
        entry = DeskEntry(title=f"{row['number']} {row['title']}", path=f"papers/{row['id']}",
                          note=titles.get(row["inspection_id"], ""))
        if (row["status"] == PaperStatus.draft.value and row["inspection_id"] in reviewing
                and row["author"] != viewer.username):
            review.append(entry)
        elif row["status"] == PaperStatus.reviewed.value and row["inspection_id"] in signing:
            sign.append(entry)
    return [_item("papers_to_review", "待我审核的问题底稿", review, order=10),
            _item("papers_to_sign", "待我签字的问题底稿", sign, order=11)]


async def _my_inspections(work: Work, places: dict[int, set[str]]) -> DeskItem | None:
    if not places:
        return None
    rows = await work.session.list(Inspection, {"id": sorted(places)}, limit=None)
    entries = [DeskEntry(title=row["title"], path=f"inspections/{row['id']}",
                         note="、".join(TEAM_ROLE_TITLES[r] for r in sorted(
                             places[row["id"]], key=list(TEAM_ROLE_TITLES).index))
                         + f" · {STAGE_LABELS.get(Stage(row['stage']), row['stage'])}")
               for row in rows if row["stage"] != Stage.archived.value]
    return _item("my_inspections", "我所在巡察组的巡察任务", entries, order=5)


async def _my_drafts(work: Work, viewer: DeskViewer,
                     places: dict[int, set[str]]) -> DeskItem | None:
    if not places:
        return None
    rows = await work.session.list(WorkingPaper, {
        "inspection_id": sorted(places), "status": PaperStatus.draft.value,
        "author": viewer.username}, limit=None)
    titles = await _titles(work, (r["inspection_id"] for r in rows))
    entries = [DeskEntry(title=f"{row['number']} {row['title']}", path=f"papers/{row['id']}",
                         note=titles.get(row["inspection_id"], "")) for row in rows]
    return _item("my_draft_papers", "我起草的问题底稿（待审核）", entries, order=12)


async def _deadlines(work: Work, viewer: DeskViewer,
                     places: dict[int, set[str]]) -> DeskItem | None:
    today = work.clock.today()
    if viewer.may("inspection:write"):
        rows = await work.session.list(Inspection, limit=None)
    else:
        led = sorted(i for i, roles in places.items()
                     if roles & {TeamRole.leader.value, TeamRole.deputy.value})
        if not led:
            return None
        rows = await work.session.list(Inspection, {"id": led}, limit=None)
    entries = []
    for row in rows:
        for column, stages, what in DEADLINES:
            if row["stage"] not in stages:
                continue
            if column == "notice_due" and row["notice_sent_on"] is not None:
                continue
            due = row[column]
            level = level_of(due, today)
            if level is None or due is None:
                continue
            entries.append(DeskEntry(title=f"{row['title']}：{what}",
                                     path=f"inspections/{row['id']}", due=due, level=level,
                                     note=_note(due, today)))
    return _item("inspection_deadlines", "巡察任务时限（20 天内到期及已逾期）", entries,
                 order=20)


async def _unit_items(work: Work, viewer: DeskViewer) -> DeskItem | None:
    if viewer.may("rectification:read") or not viewer.orgs:
        return None
    today = work.clock.today()
    rows = await work.session.list(RectificationItem, {
        "status": list(OVERDUE_STATUSES), "org_id": sorted(viewer.orgs)}, limit=None)
    entries = [DeskEntry(title=str(r["problem"])[:80], path=f"rectification/items/{r['id']}",
                         due=r["deadline"], level=level_of(r["deadline"], today) or "todo",
                         note=_note(r["deadline"], today)) for r in rows]
    path = f"ledger?org_id={min(viewer.orgs)}" if len(viewer.orgs) == 1 else ""
    return _item("unit_items", "本单位待完成的整改事项", entries, path=path, order=30)


async def _overdue_items(work: Work, viewer: DeskViewer) -> DeskItem | None:
    if not viewer.may("rectification:read"):
        return None
    today = work.clock.today()
    # The most overdue few and how many in all, in one statement (the ledger's own).
    page = await list_items(work.session, LedgerFilter(overdue=True), today,
                            limit=ENTRIES_SHOWN, offset=0)
    if not page.items:
        return None
    entries = tuple(
        DeskEntry(title=item.problem[:80], due=item.deadline, level="overdue",
                  note=_note(item.deadline, today),
                  path=f"ledger?inspection_id={item.inspection_id}&org_id={item.org_id}"
                       "&overdue=true")
        for item in page.items)
    return DeskItem(code="overdue_items", label="超期未完成的整改事项", count=page.total,
                    entries=entries, level="overdue", path="ledger?overdue=true", order=30)


async def _clue_replies(work: Work, viewer: DeskViewer) -> DeskItem | None:
    where: dict[str, Any] = {"status": [ClueStatus.referred.value, ClueStatus.received.value]}
    office = viewer.may("clue:refer")
    if not office and viewer.bodies:
        where["receiving_body"] = sorted(viewer.bodies)
    elif not office:
        return None
    today = work.clock.today()
    entries = []
    for row in await work.session.list(Clue, where, limit=None):
        # The office watches the due and nearly due; a receiving body every clue it holds.
        level = level_of(row["reply_due"], today) or (None if office else "todo")
        if level is None:
            continue
        what = "签收" if row["status"] == ClueStatus.referred.value else "反馈办理结果"
        due = row["reply_due"]
        entries.append(DeskEntry(title=f"{row['title']}：待{what}", path=f"clues/{row['id']}",
                                 due=due, level=level,
                                 note=" · ".join([row["receiving_body_name"],
                                                  *([_note(due, today)] if due else [])])))
    label = ("问题线索待反馈（20 天内到期及已逾期）" if office
             else "转来本单位的问题线索（待签收或反馈结果）")
    return _item("clue_replies", label, entries, order=40)


async def core_desk_items(work: Work, viewer: DeskViewer) -> list[DeskItem]:
    """The core's to-dos for ``viewer`` in ``work``'s tenant (this tenant's rows only)."""
    places = await team_places(work, viewer)
    found = [await _my_inspections(work, places), await _my_drafts(work, viewer, places),
             *await _papers(work, viewer, places), await _deadlines(work, viewer, places),
             await _overdue_items(work, viewer), await _unit_items(work, viewer),
             await _clue_replies(work, viewer)]
    return [item for item in found if item is not None]
