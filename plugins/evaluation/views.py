"""The evaluation as pages, the API and exports show it: indicators, items, deductions."""

from __future__ import annotations

from typing import Any

from core.api import Inspection, Work, org_names
from plugins.evaluation.indicators import Indicator, unit_indicators
from plugins.evaluation.interview import interview_due, interview_of, needs_interview
from plugins.evaluation.model import GRADE_LABELS, STATUS_LABELS, Grade, Status
from plugins.evaluation.scoring import deductions_of, score
from plugins.evaluation.service import cutoffs, sign_due

__all__ = ["evaluation_out", "list_out"]


def _summary(row: dict[str, Any], org_name: str) -> dict[str, Any]:
    return {"id": row["id"], "inspection_id": row["inspection_id"], "org_id": row["org_id"],
            "org_name": org_name, "status": row["status"],
            "status_label": STATUS_LABELS[Status(row["status"])],
            "total": float(row["total"]) if row["total"] is not None else None,
            "grade": row["grade"],
            "grade_label": GRADE_LABELS[Grade(row["grade"])] if row["grade"] else "",
            "group_members": row["group_members"], "scored_by": row["scored_by"],
            "signed_by": row["signed_by"], "version": row["version"]}


async def list_out(work: Work, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evaluations as list lines."""
    names = await org_names(work.session, [r["org_id"] for r in rows])
    return [_summary(r, names.get(r["org_id"], "")) for r in rows]


def _indicators_out(indicators: list[Indicator], taken: dict[str, Any],
                    parts: dict[str, float]) -> list[dict[str, Any]]:
    return [{"code": ind.code, "label": ind.label, "weight": ind.weight,
             "score": parts.get(ind.code, ind.weight),
             "items": [{"code": it.code, "label": it.label, "max": it.points,
                        "prefill": it.prefill, "deduction": taken.get(it.code)}
                       for it in ind.items]}
            for ind in indicators]


async def evaluation_out(work: Work, row: dict[str, Any]) -> dict[str, Any]:
    """One evaluation in full: each indicator's items with the deduction taken, the
    pre-filled ones and why, the scores, and the timing window."""
    names = await org_names(work.session, [row["org_id"]])
    out = _summary(row, names.get(row["org_id"], ""))
    indicators = await unit_indicators(work)
    deductions = deductions_of(row["deductions"])
    taken = {d.item: {"points": d.points, "evidence": d.evidence, "prefilled": d.prefilled,
                      "reason": d.reason} for d in deductions}
    parts = score(indicators, deductions, cutoffs(work)).parts
    inspection = await work.session.get(Inspection, row["inspection_id"])
    due = await sign_due(work, row["inspection_id"], row["org_id"])
    late = due is not None and row["status"] != Status.signed.value and work.clock.today() > due
    return {**out, "inspection_title": inspection["title"] if inspection else "",
            "indicators": _indicators_out(indicators, taken, parts),
            "deductions": [dict(taken[d.item], item=d.item) for d in deductions],
            "prefilled": [{"item": d.item, "reason": d.reason} for d in deductions
                          if d.prefilled],
            "remark": row["remark"], "scored_at": row["scored_at"],
            "signed_at": row["signed_at"], "sign_due": due,
            "warning": f"已超过签发期限（{due}）" if late else "",
            **await _interview(work, row)}


async def _interview(work: Work, row: dict[str, Any]) -> dict[str, Any]:
    """Whether the unit is to be interviewed (约谈), by when, and the record if held."""
    if not needs_interview(row):
        return {"interview_needed": False, "interview_due": None, "interview": None}
    held = await interview_of(work, row["id"])
    return {"interview_needed": True, "interview_due": interview_due(work, row),
            "interview": None if held is None else {
                "held_on": held["held_on"], "interviewer": held["interviewer"],
                "interviewee": held["interviewee"], "notes": held["notes"],
                "recorded_by": held["recorded_by"]}}
