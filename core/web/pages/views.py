"""What the workflow's web pages show: rows of the database turned into view dicts.

The handlers in :mod:`core.web.pages.inspection` and :mod:`core.web.pages.papers`
render these with the templates under ``templates/inspection``. Everything is
read through the tenant's session, so another tenant's ids are simply absent
(and :func:`~core.inspection.common.load_inspection` answers 404). Clues are
only counted here: their persons are never read.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from core.clock import CHINA
from core.inspection.common import STAGES, load_inspection, stage_rank
from core.inspection.inspections import EDITABLE
from core.inspection.ledger_query import OVERDUE_STATUSES
from core.inspection.model import (
    CLUE_GRADE_LABELS,
    CLUE_STATUS_LABELS,
    PAPER_STATUS_LABELS,
    REPORT_STEP_LABELS,
    RETENTION_LABELS,
    SEVERITY_LABELS,
    SOURCE_LABELS,
    STAGE_LABELS,
    TEAM_ROLE_LABELS,
    ClueGrade,
    ClueStatus,
    PaperStatus,
    ReportStep,
    Stage,
    TeamRole,
)
from core.inspection.stages import allowed_next
from core.inspection.tables import (
    Clue,
    Finding,
    InspectionLog,
    InspectionTarget,
    RectificationItem,
    Round,
    TeamMember,
    WorkingPaper,
)
from core.runtime import Runtime
from core.tenancy.tables import Org
from core.web.api.inspections import kind_labels
from core.work import Work

__all__ = [
    "STAGE_TONES",
    "deadlines",
    "inspection_view",
    "label",
    "moment",
    "org_names",
    "overdue_warnings",
    "stage_badge",
    "stage_move",
    "stage_progress",
]

STAGE_TONES: dict[Stage, str] = {
    **dict.fromkeys((Stage.planned, Stage.authorized, Stage.briefing), "plan"),
    **dict.fromkeys((Stage.onsite, Stage.withdrawn), "site"),
    **dict.fromkeys((Stage.reporting, Stage.reviewed, Stage.feedback, Stage.referral), "report"),
    **dict.fromkeys((Stage.rectifying, Stage.rectification_reported, Stage.disclosed,
                     Stage.sustained), "fix"),
    **dict.fromkeys((Stage.evaluated, Stage.archived), "done"),
}
"""The colour group of each stage's badge (CSS class ``tone-<group>``)."""


def label(labels: dict[Any, str], value: Any) -> str:
    """The Chinese label of a stored code, or the code itself when unknown."""
    return labels.get(value, str(value or ""))


def moment(value: Any) -> str:
    """An instant as China time ``YYYY-MM-DD HH:MM`` (empty for none)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return str(value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"))
    return str(value)[:16]


def stage_badge(stage: str) -> dict[str, str]:
    """Code, label and colour group of a stage."""
    known = stage in Stage.__members__
    return {"code": stage, "label": STAGE_LABELS[Stage(stage)] if known else stage,
            "tone": STAGE_TONES[Stage(stage)] if known else "plan"}


def stage_progress(stage: str) -> list[dict[str, str]]:
    """All stages in order, each ``done``, ``current`` or ``todo`` for ``stage``."""
    rank = stage_rank(stage)
    return [{"code": s.value, "label": STAGE_LABELS[s],
             "state": "done" if i < rank else "current" if i == rank else "todo"}
            for i, s in enumerate(STAGES)]


def deadlines(inspection: dict[str, Any], today: date) -> list[dict[str, Any]]:
    """The inspection's deadlines with their state relative to ``today``."""
    rank = stage_rank(inspection["stage"])
    sent = inspection["notice_sent_on"]
    specs = [
        ("巡察通知", "notice_due", sent is not None, f"已于 {sent} 发出" if sent else ""),
        ("巡察报告", "report_due", rank >= stage_rank(Stage.reviewed), "报告已经审议"),
        ("整改报告", "rectification_report_due",
         rank >= stage_rank(Stage.rectification_reported), "整改报告已报送"),
    ]
    out = []
    for name, key, met, met_text in specs:
        due = inspection[key]
        if due is None:
            continue
        days = (due - today).days
        if met:
            state, text = "met", met_text
        elif days < 0:
            state, text = "overdue", f"已超期 {-days} 天"
        elif days == 0:
            state, text = "today", "今天到期"
        else:
            state, text = "pending", f"还剩 {days} 天"
        out.append({"name": name, "due": due, "state": state, "text": text})
    return out


def stage_move(current: str, to: Stage) -> dict[str, Any]:
    """A stage the inspection may enter, labelled by its direction.

    Only a move to an earlier stage (the secretary's meeting returning the
    report: 审议 → 形成报告) is a return; every other move goes forward.
    """
    back = stage_rank(to.value) < stage_rank(current)
    text = f"退回“{STAGE_LABELS[to]}”（报告须修改）" if back else f"转入“{STAGE_LABELS[to]}”"
    return {"code": to.value, "label": STAGE_LABELS[to], "back": back, "text": text}


def overdue_warnings(inspection: dict[str, Any], today: date) -> list[str]:
    """Warnings about planned dates the inspection has passed without moving on.

    An inspection still on site after its planned withdrawal day, or not yet
    on site after its planned arrival day, is late; the warning says by how
    many days.
    """
    out = []
    stage, start, end = inspection["stage"], inspection["onsite_start"], inspection["onsite_end"]
    if stage == Stage.onsite.value and end is not None and end < today:
        out.append(f"计划于 {end} 撤离，已超期 {(today - end).days} 天仍在进驻中，"
                   "请尽快撤离或调整计划撤离日期。")
    before = (Stage.planned.value, Stage.authorized.value, Stage.briefing.value)
    if stage in before and start is not None and start < today:
        out.append(f"计划于 {start} 进驻，已过 {(today - start).days} 天仍未进驻，"
                   "请推进环节或修改计划进驻日期。")
    return out


async def org_names(work: Work, ids: set[int]) -> dict[int, str]:
    """Names of the tenant's orgs ``ids``."""
    if not ids:
        return {}
    rows = await work.session.list(Org, {"id": sorted(ids)}, limit=None)
    return {r["id"]: r["name"] for r in rows}


def _log_entry(row: dict[str, Any]) -> dict[str, Any]:
    kind, old, new = row["kind"], row["from_value"], row["to_value"]
    if kind == "stage" and new in Stage.__members__:
        back = old in Stage.__members__ and stage_rank(new) < stage_rank(old)
        what = f"{'退回' if back else '转入'}“{STAGE_LABELS[Stage(new)]}”环节"
        kind_label = "环节变更"
    elif kind == "report" and new in ReportStep.__members__:
        what, kind_label = REPORT_STEP_LABELS[ReportStep(new)], "巡察报告"
    elif kind == "notice":
        what, kind_label = f"向被巡察单位发出巡察通知（{new}）", "巡察通知"
    else:
        what, kind_label = new, kind
    return {"kind": kind, "kind_label": kind_label, "what": what, "actor": row["actor"],
            "at": moment(row["at"]), "remark": row["remark"]}


def _member(row: dict[str, Any], tenant_names: dict[str, str], now: datetime) -> dict[str, Any]:
    released = row["released_at"]
    if released is not None and released.tzinfo is None:
        released = released.replace(tzinfo=UTC)
    return {
        "active": released is None or released > now,
        "name": row["name"], "role_label": label(TEAM_ROLE_LABELS, row["role"]),
        "home": tenant_names.get(row["home_tenant"], row["home_tenant"]),
        "home_unit": row["home_unit"], "recusal": bool(row["recusal_declared"]),
        "authorized_at": moment(row["authorized_at"]), "released_at": moment(row["released_at"]),
    }


async def _findings(work: Work, rows: list[dict[str, Any]], names: dict[int, str]
                    ) -> list[dict[str, Any]]:
    """Findings grouped by focus area, in the order of the categories."""
    categories = await work.plugins.gather("xuncha_finding_categories", work.tenant.plugins)
    order = {c.code: i for i, c in enumerate(categories)}
    labels = {c.code: c.label for c in categories}
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["category"], []).append({
            "id": row["id"], "title": row["title"], "org": names.get(row["org_id"], ""),
            "severity": row["severity"], "severity_label": label(SEVERITY_LABELS, row["severity"]),
            "source_label": label(SOURCE_LABELS, row["source"]),
            "fix_now": bool(row["fix_now"]), "shared": bool(row["shared"]),
            "paper_id": row["paper_id"],
        })
    ordered = sorted(groups, key=lambda code: (order.get(code, len(order)), code))
    return [{"code": c, "label": labels.get(c, c), "entries": groups[c]} for c in ordered]


async def _clue_counts(work: Work, inspection_id: int) -> dict[str, Any]:
    """How many clues, by status and grade; only those two columns are read."""
    rows, total = await work.session.page(
        Clue, {"inspection_id": inspection_id}, columns={"status": "status", "grade": "grade"},
        limit=100_000)
    statuses = Counter(r["status"] for r in rows)
    grades = Counter(r["grade"] for r in rows)
    return {
        "total": total,
        "concluded": statuses[ClueStatus.concluded.value],
        "by_status": [(CLUE_STATUS_LABELS[s], statuses[s.value]) for s in ClueStatus],
        "by_grade": [(CLUE_GRADE_LABELS[g], grades[g.value]) for g in ClueGrade],
    }


async def inspection_view(work: Work, runtime: Runtime, inspection_id: int) -> dict[str, Any]:
    """Everything the inspection page shows (404 for an id the tenant does not have)."""
    session, where = work.session, {"inspection_id": inspection_id}
    insp = await load_inspection(session, inspection_id)
    today = work.clock.today()
    round_row = await session.get(Round, insp["round_id"])
    kinds = await kind_labels(work)
    targets = await session.list(InspectionTarget, where, limit=None)
    papers = await session.list(WorkingPaper, where, order_by=("number", "id"), limit=None)
    finding_rows = await session.list(Finding, where, order_by=("id",), limit=None)
    names = await org_names(work, {r["org_id"] for r in (*targets, *papers, *finding_rows)})
    members = await session.list(TeamMember, where, order_by=("id",), limit=None)
    roles = list(TeamRole)
    members.sort(key=lambda m: roles.index(TeamRole(m["role"])))
    tenant_names = {t.code: t.name for t in await runtime.tenants.all()}
    logs = await session.list(InspectionLog, where, order_by=("at", "id"), limit=None)
    items = await session.count(RectificationItem, where)
    overdue = await session.count(RectificationItem, {
        **where, "deadline__lt": today, "status": list(OVERDUE_STATUSES)})
    findings = await _findings(work, finding_rows, names)
    next_stages = allowed_next(insp["stage"])
    return {
        "insp": insp,
        "kind_label": kinds[insp["kind"]].label if insp["kind"] in kinds else insp["kind"],
        "round": round_row,
        "targets": [names.get(t["org_id"], "") for t in targets],
        "badge": stage_badge(insp["stage"]),
        "progress": stage_progress(insp["stage"]),
        "report_step_label": label(REPORT_STEP_LABELS, insp["report_step"]),
        "retention_label": label(RETENTION_LABELS, insp["retention"]) if insp["retention"]
        else "",
        "deadlines": deadlines(insp, today),
        "timeline": [_log_entry(r) for r in logs],
        "team": [_member(m, tenant_names, work.clock.now()) for m in members],
        "papers": [{
            "id": p["id"], "number": p["number"], "title": p["title"],
            "org": names.get(p["org_id"], ""), "status": p["status"],
            "status_label": label(PAPER_STATUS_LABELS, p["status"]),
            "reviewed_by": p["reviewed_by"], "signed_by": p["signed_by"]} for p in papers],
        "unsigned": sum(1 for p in papers if p["status"] != PaperStatus.signed.value),
        "findings": findings,
        "finding_total": sum(len(g["entries"]) for g in findings),
        "clues": await _clue_counts(work, inspection_id),
        "ledger": {"count": items, "overdue": overdue},
        "next_stages": [stage_move(insp["stage"], s) for s in next_stages],
        "warnings": overdue_warnings(insp, today),
        "editable": Stage(insp["stage"]) in EDITABLE,
        "can_carry_over": Stage.sustained in next_stages,
        "can_archive": Stage.archived in next_stages,
        "retentions": list(RETENTION_LABELS.items()),
        "today": today,
    }
