"""A city's evaluation of a county office's own inspection work (巡察工作评估).

In the city's tenant, against one of the counties it knows (registered under
it or that reported to it), for one year, with the office indicators
(``scope="office"``): the group records deductions with evidence, a scorer
submits, another person signs off (or sends back). Grades follow the city's
scheme and cut-offs. The comparison of counties shows the signed result.
"""

from __future__ import annotations

from typing import Any

import msgspec

from core.api import Conflict, FieldError, Invalid, NotFound, Work
from plugins.evaluation.indicators import Indicator, check_balanced, office_indicators
from plugins.evaluation.model import GRADE_LABELS, STATUS_LABELS, Grade, Status
from plugins.evaluation.scoring import Deduction, check_deductions, deductions_of, score
from plugins.evaluation.service import cutoffs
from plugins.evaluation.tables import OfficeEvaluation

__all__ = ["create", "latest_signed", "load", "office_out", "save", "send_back", "sign",
           "submit"]

_WHAT = "巡察工作评估"


async def load(work: Work, office_evaluation_id: int) -> dict[str, Any]:
    """The row, or NotFound."""
    row = await work.session.get(OfficeEvaluation, office_evaluation_id)
    if row is None:
        raise NotFound([FieldError("office_evaluation_id", "巡察工作评估不存在")])
    return row


async def _indicators(work: Work) -> list[Indicator]:
    found = await office_indicators(work)
    if not found:
        raise Conflict([FieldError("indicators", "本机构启用的插件未声明巡察工作评估指标")])
    check_balanced(found, _WHAT)
    return found


def _require(row: dict[str, Any], status: Status, doing: str) -> None:
    if row["status"] != status.value:
        raise Conflict([FieldError("status", (
            f"巡察工作评估处于“{STATUS_LABELS[Status(row['status'])]}”状态，不能{doing}"))])


async def create(work: Work, counties: dict[str, str], county: str, year: int,
                 group_members: str = "") -> dict[str, Any]:
    """Start the evaluation of ``county``'s inspection work in ``year``.

    Args:
        counties: the counties the city knows, code to name.

    Raises:
        Invalid: not a county of the city; a year out of range.
        Conflict: evaluated already for that year.
    """
    if county not in counties:
        raise Invalid([FieldError("county", f"{county[:64]} 不是本市的县（市、区）巡察机构")])
    this_year = work.clock.today().year
    if not 2000 <= year <= this_year:
        raise Invalid([FieldError("year", f"评估年度应在 2000 至 {this_year} 之间")])
    async with work.transaction():
        if await work.session.count(OfficeEvaluation, {"county": county, "year": year}):
            raise Conflict([FieldError(
                "county", f"{counties[county]}{year} 年度的巡察工作评估已经建立")])
        indicators = await _indicators(work)
        found = score(indicators, [], cutoffs(work))
        now = work.clock.now()
        (new_id,) = await work.session.insert(OfficeEvaluation, [{
            "county": county, "county_name": counties[county][:100], "year": year,
            "status": Status.draft.value, "group_members": group_members.strip()[:500],
            "weights": {i.code: i.weight for i in indicators}, "deductions": [],
            "total": found.total, "grade": found.grade.value, "created_by": work.actor,
            "created_at": now, "updated_at": now}])
        await work.audit("evaluation.office.create", "office_evaluation", new_id,
                         {"county": county, "year": year})
    return await load(work, new_id)


async def save(work: Work, office_evaluation_id: int, deductions: list[Deduction],
               group_members: str, remark: str) -> dict[str, Any]:
    """Record the deductions with evidence (replacing the previous) while in draft."""
    async with work.transaction():
        row = await load(work, office_evaluation_id)
        _require(row, Status.draft, "修改扣分")
        indicators = await _indicators(work)
        check_deductions(indicators, deductions)
        found = score(indicators, deductions, cutoffs(work))
        await work.session.update(OfficeEvaluation, {"id": office_evaluation_id}, {
            "deductions": msgspec.to_builtins(deductions),
            "group_members": group_members.strip()[:500], "remark": remark.strip(),
            "weights": {i.code: i.weight for i in indicators}, "total": found.total,
            "grade": found.grade.value, "updated_at": work.clock.now(),
            "version": int(row["version"]) + 1})
        await work.audit("evaluation.office.save", "office_evaluation", office_evaluation_id,
                         {"total": found.total, "items": [d.item for d in deductions]})
    return await load(work, office_evaluation_id)


async def submit(work: Work, office_evaluation_id: int) -> dict[str, Any]:
    """The scorer submits the score for sign-off."""
    async with work.transaction():
        row = await load(work, office_evaluation_id)
        _require(row, Status.draft, "提交评分")
        if not str(row["group_members"]).strip():
            raise Invalid([FieldError("group_members", "请填写评估组成员")])
        indicators = await _indicators(work)
        deductions = deductions_of(row["deductions"])
        check_deductions(indicators, deductions)
        found = score(indicators, deductions, cutoffs(work))
        now = work.clock.now()
        await work.session.update(OfficeEvaluation, {"id": office_evaluation_id}, {
            "status": Status.scored.value, "scored_by": work.actor, "scored_at": now,
            "total": found.total, "grade": found.grade.value, "updated_at": now,
            "version": int(row["version"]) + 1})
        await work.audit("evaluation.office.submit", "office_evaluation",
                         office_evaluation_id, {"total": found.total})
    return await load(work, office_evaluation_id)


async def sign(work: Work, office_evaluation_id: int) -> dict[str, Any]:
    """Another person than the scorer signs the score off (final)."""
    async with work.transaction():
        row = await load(work, office_evaluation_id)
        _require(row, Status.scored, "审核签发")
        if row["scored_by"] == work.actor:
            raise Conflict([FieldError("signed_by",
                                       "评分人不能签发自己评分的巡察工作评估，须由另一人审核签发")])
        now = work.clock.now()
        await work.session.update(OfficeEvaluation, {"id": office_evaluation_id}, {
            "status": Status.signed.value, "signed_by": work.actor, "signed_at": now,
            "updated_at": now, "version": int(row["version"]) + 1})
        await work.audit("evaluation.office.sign", "office_evaluation", office_evaluation_id,
                         {"total": float(row["total"]), "grade": row["grade"]})
    return await load(work, office_evaluation_id)


async def send_back(work: Work, office_evaluation_id: int, reason: str) -> dict[str, Any]:
    """Send a submitted score back to the group, with the reason."""
    if not reason.strip():
        raise Invalid([FieldError("reason", "请写明退回理由")])
    async with work.transaction():
        row = await load(work, office_evaluation_id)
        _require(row, Status.scored, "退回")
        await work.session.update(OfficeEvaluation, {"id": office_evaluation_id}, {
            "status": Status.draft.value, "scored_by": "", "scored_at": None,
            "updated_at": work.clock.now(), "version": int(row["version"]) + 1})
        await work.audit("evaluation.office.send_back", "office_evaluation",
                         office_evaluation_id, {"reason": reason.strip()})
    return await load(work, office_evaluation_id)


async def office_out(work: Work, row: dict[str, Any]) -> dict[str, Any]:
    """The evaluation with each indicator's items and the deductions taken."""
    indicators = await office_indicators(work)
    deductions = deductions_of(row["deductions"])
    taken = {d.item: {"points": d.points, "evidence": d.evidence} for d in deductions}
    parts = score(indicators, deductions, cutoffs(work)).parts if indicators else {}
    return {"id": row["id"], "county": row["county"], "county_name": row["county_name"],
            "year": row["year"], "status": row["status"],
            "status_label": STATUS_LABELS[Status(row["status"])],
            "total": float(row["total"]) if row["total"] is not None else None,
            "grade": row["grade"],
            "grade_label": GRADE_LABELS[Grade(row["grade"])] if row["grade"] else "",
            "group_members": row["group_members"], "remark": row["remark"],
            "scored_by": row["scored_by"], "signed_by": row["signed_by"],
            "version": row["version"],
            "indicators": [{"code": i.code, "label": i.label, "weight": i.weight,
                            "score": parts.get(i.code, i.weight),
                            "items": [{"code": it.code, "label": it.label, "max": it.points,
                                       "deduction": taken.get(it.code)} for it in i.items]}
                           for i in indicators],
            "deductions": [dict(taken[d.item], item=d.item) for d in deductions]}


async def latest_signed(work: Work) -> dict[str, dict[str, Any]]:
    """Each county's latest signed-off office evaluation (by year), by county code."""
    rows = await work.session.list(OfficeEvaluation, {"status": Status.signed.value},
                                   order_by=("year", "id"), limit=None)
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        out[row["county"]] = {"id": row["id"], "year": row["year"],
                              "total": float(row["total"]),
                              "grade_label": GRADE_LABELS[Grade(row["grade"])]}
    return out
