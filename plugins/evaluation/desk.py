"""The desk (工作台) of the evaluation plugin: evaluations late to be signed, interviews due.

- ``evaluations_to_sign``: units whose rectification report is in and whose
  evaluation is not signed off, due within 20 days or past the tenant's
  ``evaluation_latest_days`` (for those who score or sign);
- ``interviews_due``: signed-off evaluations graded 一般/差 (基本合格/不合格)
  whose unit has not been interviewed (约谈) yet (for those who score, sign
  or create lookbacks).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from core.api import (
    DeskEntry,
    DeskItem,
    DeskLevel,
    DeskViewer,
    RectificationReport,
    Stage,
    Work,
    desk_level,
    inspections_with_targets,
    org_names,
    stage_rank,
)
from plugins.evaluation.interview import interview_due
from plugins.evaluation.model import LATEST_DAYS_SETTING, LOOKBACK_GRADES, Status
from plugins.evaluation.service import scheme_of
from plugins.evaluation.tables import EvaluationInterview, UnitEvaluation

__all__ = ["DESK_SHOWN", "desk_items", "interviews_due", "late_evaluations"]

DESK_SHOWN = 8
"""How many entries each desk item lists."""

_RANK: dict[DeskLevel, int] = {"overdue": 0, "red": 1, "yellow": 2, "todo": 3}


def _note(due: date, today: date) -> str:
    left = (due - today).days
    return f"已逾期 {-left} 天" if left < 0 else ("今日到期" if left == 0 else f"剩 {left} 天")


def _item(code: str, label: str, found: list[tuple[DeskLevel, date, DeskEntry]],
          order: int) -> list[DeskItem]:
    if not found:
        return []
    found.sort(key=lambda f: (_RANK[f[0]], f[1]))
    return [DeskItem(code=code, label=label, count=len(found),
                     entries=tuple(e for _, _, e in found[:DESK_SHOWN]), level=found[0][0],
                     path="evaluation", order=order)]


def _report_days(reports: list[dict[str, Any]]) -> dict[tuple[int, int], date]:
    """The day each unit's rectification report was complete (all its reports in)."""
    by_unit: dict[tuple[int, int], list[date | None]] = {}
    for r in reports:
        by_unit.setdefault((r["inspection_id"], r["org_id"]), []).append(r["submitted_on"])
    return {key: max(d for d in days if d is not None) for key, days in by_unit.items()
            if all(d is not None for d in days)}


async def late_evaluations(work: Work) -> list[tuple[DeskLevel, date, DeskEntry]]:
    """Units reported and not signed off, due within 20 days or overdue (every one)."""
    today = work.clock.today()
    latest = int(work.setting(LATEST_DAYS_SETTING))
    if not latest:
        return []
    held = {(r["inspection_id"], r["org_id"]): r for r in await work.session.list(
        UnitEvaluation, limit=None)}
    reported = _report_days(await work.session.list(RectificationReport, limit=None))
    pending: list[tuple[dict[str, Any], int, date, DeskLevel]] = []
    for insp in await inspections_with_targets(work.session):
        if stage_rank(insp["stage"]) < stage_rank(Stage.rectification_reported) \
                or stage_rank(insp["stage"]) >= stage_rank(Stage.evaluated):
            continue
        for org_id in insp["org_ids"]:
            row = held.get((insp["id"], org_id))
            day = reported.get((insp["id"], org_id))
            if day is None or (row is not None and row["status"] == Status.signed.value):
                continue
            due = day + timedelta(days=latest)
            level = desk_level(due, today)
            if level is not None:
                pending.append((insp, org_id, due, level))
    names = await org_names(work.session, [p[1] for p in pending])
    out: list[tuple[DeskLevel, date, DeskEntry]] = []
    for insp, org_id, due, level in pending:
        row = held.get((insp["id"], org_id))
        path = f"evaluation/{row['id']}" if row else "evaluation"
        state = "尚未建立评估" if row is None else "尚未审核签发"
        out.append((level, due, DeskEntry(
            title=f"{names.get(org_id, '')}（{insp['title']}）整改评估{state}", path=path,
            due=due, level=level, note=_note(due, today))))
    return out


async def interviews_due(work: Work) -> list[tuple[DeskLevel, date, DeskEntry]]:
    """Signed-off 一般/差 evaluations whose unit is not interviewed yet (every one)."""
    today = work.clock.today()
    weak = await work.session.list(UnitEvaluation, {
        "status": Status.signed.value, "grade": [g.value for g in LOOKBACK_GRADES]},
        order_by=("id",), limit=None)
    if not weak:
        return []
    done = {r["evaluation_id"] for r in await work.session.list(
        EvaluationInterview, {"evaluation_id": [r["id"] for r in weak]}, limit=None)}
    todo = [r for r in weak if r["id"] not in done]
    names = await org_names(work.session, [r["org_id"] for r in todo])
    out: list[tuple[DeskLevel, date, DeskEntry]] = []
    for row in todo:
        due = interview_due(work, row)
        if due is None:
            continue
        level: DeskLevel = desk_level(due, today) or "todo"
        out.append((level, due, DeskEntry(
            title=f"约谈{names.get(row['org_id'], '')}主要负责人（整改评估 "
                  f"{float(row['total']):g} 分）", path=f"evaluation/{row['id']}", due=due,
            level=level, note=_note(due, today))))
    return out


async def desk_items(work: Work, viewer: DeskViewer) -> list[DeskItem]:
    """The viewer's evaluation to-dos: late sign-offs and interviews due."""
    items: list[DeskItem] = []
    if viewer.may("evaluation:score") or viewer.may("evaluation:sign"):
        items += _item("evaluations_to_sign", "整改评估待签发（临近或超过期限）",
                       await late_evaluations(work), 55)
    if viewer.may("evaluation:interview"):
        items += _item("interviews_due", f"待约谈的整改评估{scheme_of(work).weak}单位",
                       await interviews_due(work), 56)
    return items
