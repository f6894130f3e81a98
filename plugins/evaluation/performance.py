"""Team performance per round (巡察组工作成效), computed from the records only.

Per inspection (its team) of the round: problems found by focus area
(finding category), fix-now items (立行立改), clues found, referred and their
outcomes (concluded, with the outcome text), working papers and those returned
for revision, and whether the report was signed by the leader by its due day;
and each team member's appraisal (干部考核), asked of the tenant's plugins through
``xuncha_cadre_appraisals`` (the talent pool answers it; this plugin imports
none). Without a plugin answering it the page says appraisals are not recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from core.api import (
    CHINA,
    CLUE_STATUS_LABELS,
    TEAM_ROLE_LABELS,
    CadreAppraisal,
    Clue,
    ClueStatus,
    FieldError,
    Finding,
    Inspection,
    InspectionLog,
    NotFound,
    Round,
    TeamMember,
    TeamRole,
    Work,
    WorkingPaper,
    WorkingPaperRevision,
    finding_categories,
)

__all__ = ["APPRAISALS_HOOK", "NOT_RECORDED", "round_performance"]

_REPORT_SIGNED = "leader_signed"

APPRAISALS_HOOK = "xuncha_cadre_appraisals"
NOT_RECORDED = "本机构未启用干部考核（人才库），巡察干部考核结果未记录"


async def _members(work: Work, inspection_id: int, recorded: bool) -> list[dict[str, Any]]:
    """The team's members, each with the appraisal the tenant's plugins answer (or none)."""
    rows = await work.session.list(TeamMember, {"inspection_id": inspection_id},
                                   order_by=("id",), limit=None)
    found: list[CadreAppraisal] = []
    if recorded:
        found = [a for a in await work.plugins.gather(
            APPRAISALS_HOOK, work.tenant.plugins, work=work, inspection_id=inspection_id)
            if isinstance(a, CadreAppraisal)]
    by_account = {a.account: a for a in found if a.account}
    by_name = {a.member_name: a for a in found}
    out = []
    for m in rows:
        appraisal = by_account.get(m["person"]) or by_name.get(m["name"])
        role = TEAM_ROLE_LABELS.get(TeamRole(m["role"]), m["role"]) \
            if m["role"] in TeamRole.__members__ else m["role"]
        out.append({"name": m["name"], "role": m["role"], "role_label": role,
                    "grade": appraisal.grade if appraisal else None,
                    "grade_label": appraisal.grade_label if appraisal else
                    ("未记录" if not recorded else "尚未考核"),
                    "note": appraisal.note if appraisal else ""})
    return out


def _report_on_time(inspection: dict[str, Any], signed: list[dict[str, Any]],
                    today: date) -> tuple[str, bool | None]:
    due = inspection["report_due"]
    if due is None:
        return "未到报告期限", None
    if signed:
        day = min(r["at"] for r in signed).astimezone(CHINA).date()
        return (f"{day} 组长签字（期限 {due}）", day <= due)
    if today > due:
        return f"超过期限（{due}）尚未形成报告", False
    return f"报告期限 {due}", None


async def _team(work: Work, inspection: dict[str, Any], labels: dict[str, str],
                recorded: bool) -> dict[str, Any]:
    session, where = work.session, {"inspection_id": inspection["id"]}
    findings = await session.list(Finding, where, limit=None)
    by_area: dict[str, int] = {}
    for f in findings:
        label = labels.get(f["category"], f["category"])
        by_area[label] = by_area.get(label, 0) + 1
    clues = await session.list(Clue, where, limit=None)
    referred = [c for c in clues if c["status"] != ClueStatus.recorded.value]
    by_status: dict[str, int] = {}
    for c in clues:
        name = CLUE_STATUS_LABELS[ClueStatus(c["status"])]
        by_status[name] = by_status.get(name, 0) + 1
    papers = await session.list(WorkingPaper, where, limit=None)
    revised = {r["paper_id"] for r in await session.list(
        WorkingPaperRevision, {"paper_id": [p["id"] for p in papers]}, limit=None)} \
        if papers else set()
    signed = await session.list(InspectionLog, {**where, "kind": "report",
                                                "to_value": _REPORT_SIGNED}, limit=None)
    report, on_time = _report_on_time(inspection, signed, work.clock.today())
    return {
        "inspection_id": inspection["id"], "title": inspection["title"],
        "team_name": inspection["team_name"], "stage": inspection["stage"],
        "findings": len(findings), "by_area": by_area,
        "fix_now": sum(1 for f in findings if f["fix_now"]),
        "clues": len(clues), "clues_referred": len(referred), "clues_by_status": by_status,
        "outcomes": [{"title": c["title"], "outcome": c["outcome"]}
                     for c in clues if c["status"] == ClueStatus.concluded.value],
        "papers": len(papers), "papers_revised": len(revised),
        "report": report, "report_on_time": on_time,
        "members": await _members(work, inspection["id"], recorded),
    }


async def round_performance(work: Work, round_id: int) -> dict[str, Any]:
    """Every team of the round and the round's totals.

    Raises:
        NotFound: no such round.
    """
    round_row = await work.session.get(Round, round_id)
    if round_row is None:
        raise NotFound([FieldError("round_id", "巡察轮次不存在")])
    labels = {code: c.label for code, c in (await finding_categories(work)).items()}
    inspections = await work.session.list(Inspection, {"round_id": round_id},
                                          order_by=("id",), limit=None)
    recorded = bool(work.plugins.answering(APPRAISALS_HOOK, work.tenant.plugins))
    teams = [await _team(work, i, labels, recorded) for i in inspections]
    keys = ("findings", "fix_now", "clues", "clues_referred", "papers", "papers_revised")
    totals = {k: sum(int(t[k]) for t in teams) for k in keys}
    totals["reports_on_time"] = sum(1 for t in teams if t["report_on_time"] is True)
    totals["reports_late"] = sum(1 for t in teams if t["report_on_time"] is False)
    return {"round": {"id": round_row["id"], "name": round_row["name"],
                      "year": round_row["year"], "number": round_row["number"]},
            "teams": teams, "totals": totals, "appraisals_recorded": recorded,
            "appraisals_note": "" if recorded else NOT_RECORDED}
