"""The interview (约谈) of a unit graded 一般/差 (or 基本合格/不合格).

Once such an evaluation is signed off, the unit's principal is to be
interviewed within ``evaluation_interview_days`` days; the office records
when it was held, who interviewed whom and the notes, once. Until then the
interview is due (the desk lists it) and the lookback candidates say so.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import msgspec

from core.api import CHINA, Conflict, FieldError, Invalid, Work
from plugins.evaluation.model import (
    GRADE_LABELS,
    INTERVIEW_DAYS_SETTING,
    LOOKBACK_GRADES,
    Grade,
    Status,
)
from plugins.evaluation.service import load
from plugins.evaluation.tables import EvaluationInterview

__all__ = ["InterviewIn", "interview_due", "interview_of", "needs_interview", "record"]


class InterviewIn(msgspec.Struct, kw_only=True):
    """When it was held, who interviewed, who was interviewed, and the notes."""

    held_on: date
    interviewer: str
    interviewee: str
    notes: str = ""


def needs_interview(row: dict[str, Any]) -> bool:
    """Whether a signed-off evaluation's grade calls for an interview."""
    return row["status"] == Status.signed.value and row["grade"] in {g.value
                                                                     for g in LOOKBACK_GRADES}


def interview_due(work: Work, row: dict[str, Any]) -> date | None:
    """The day by which the unit should be interviewed (None: no interview needed)."""
    if not needs_interview(row) or row["signed_at"] is None:
        return None
    signed: date = row["signed_at"].astimezone(CHINA).date()
    return signed + timedelta(days=int(work.setting(INTERVIEW_DAYS_SETTING)))


async def interview_of(work: Work, evaluation_id: int) -> dict[str, Any] | None:
    """The interview recorded for an evaluation, if any."""
    rows = await work.session.list(EvaluationInterview, {"evaluation_id": evaluation_id},
                                   limit=1)
    return rows[0] if rows else None


async def record(work: Work, evaluation_id: int, data: InterviewIn) -> dict[str, Any]:
    """Record the interview of a unit graded 一般/差 (once).

    Raises:
        NotFound: no such evaluation.
        Invalid: a blank name or a day in the future.
        Conflict: the evaluation is not signed off with such a grade, or the
            interview is recorded already.
    """
    errors = []
    if not data.interviewer.strip():
        errors.append(FieldError("interviewer", "请填写约谈人"))
    if not data.interviewee.strip():
        errors.append(FieldError("interviewee", "请填写被约谈人"))
    if data.held_on > work.clock.today():
        errors.append(FieldError("held_on", f"约谈日期不能晚于今天（{work.clock.today()}）"))
    if errors:
        raise Invalid(errors)
    async with work.transaction():
        row = await load(work, evaluation_id)
        if not needs_interview(row):
            label = GRADE_LABELS[Grade(row["grade"])] if row["grade"] else "未评定"
            raise Conflict([FieldError("evaluation_id", (
                f"只有经审核签发、等次为“一般”“差”（或“基本合格”“不合格”）的单位需要约谈"
                f"（本评估：{label}）"))])
        if await interview_of(work, evaluation_id) is not None:
            raise Conflict([FieldError("evaluation_id", "该单位的约谈已经登记")])
        signed_on = row["signed_at"].astimezone(CHINA).date() if row["signed_at"] else None
        if signed_on is not None and data.held_on < signed_on:
            raise Invalid([FieldError("held_on", f"约谈日期不能早于评估签发日期（{signed_on}）")])
        (new_id,) = await work.session.insert(EvaluationInterview, [{
            "evaluation_id": evaluation_id, "held_on": data.held_on,
            "interviewer": data.interviewer.strip()[:200],
            "interviewee": data.interviewee.strip()[:200], "notes": data.notes.strip(),
            "recorded_by": work.actor, "recorded_at": work.clock.now()}])
        await work.audit("evaluation.interview", "unit_evaluation", evaluation_id, {
            "interview_id": new_id, "held_on": data.held_on.isoformat()})
    found = await interview_of(work, evaluation_id)
    assert found is not None
    return found
