"""The rectification evaluation of a unit (整改评估): create, score, sign off, gate.

1. ``create``: an evaluation of one inspected unit, once the unit's
   rectification report is in and the tenant's waiting time after it has
   passed; the deductions the records justify are pre-filled with reasons.
2. ``save``: the evaluation group records deductions with evidence (draft only).
3. ``submit``: the scorer submits the score; the total and grade are fixed.
4. ``sign`` (or ``send_back``): a second person, never the scorer, signs it
   off (final; the result goes up to the city) or sends it back to draft.

``stage_check`` keeps an inspection out of ``evaluated`` until every
inspected unit has a signed-off evaluation.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import msgspec

from core.api import (
    CHINA,
    Conflict,
    FieldError,
    Inspection,
    InspectionTarget,
    Invalid,
    NotFound,
    RectificationReport,
    Round,
    Stage,
    Work,
    org_names,
    stage_rank,
)
from plugins.evaluation.events import EvaluationSigned
from plugins.evaluation.indicators import Indicator, check_balanced, unit_indicators
from plugins.evaluation.model import (
    EARLIEST_DAYS_SETTING,
    GRADE_LABELS,
    GRADE_SETTINGS,
    LATEST_DAYS_SETTING,
    SCHEME_SETTING,
    SCHEMES,
    STATUS_LABELS,
    Grade,
    Scheme,
    Status,
)
from plugins.evaluation.prefill import load_facts, prefill
from plugins.evaluation.scoring import Deduction, check_deductions, deductions_of, score
from plugins.evaluation.tables import UnitEvaluation

__all__ = [
    "Draft",
    "create",
    "cutoffs",
    "earliest_day",
    "grade_label",
    "load",
    "save",
    "scheme_of",
    "send_back",
    "sign",
    "sign_due",
    "stage_check",
    "submit",
]


class Draft(msgspec.Struct, kw_only=True):
    """What the group records: the deductions, the group's members and a remark."""

    deductions: list[Deduction] = []
    group_members: str = ""
    remark: str = ""


def scheme_of(work: Work) -> Scheme:
    """The tenant's grade scheme (好/较好/一般/差 or 合格/基本合格/不合格)."""
    return SCHEMES.get(str(work.setting(SCHEME_SETTING)), SCHEMES["four"])


def cutoffs(work: Work) -> dict[Grade, float]:
    """The tenant's cut-offs of its scheme's grades, best first (each lower than the last).

    Raises:
        Invalid: the settings are not in descending order.
    """
    scheme = scheme_of(work)
    found = {grade: float(work.setting(GRADE_SETTINGS[grade])) for grade in scheme.graded}
    values = list(found.values())
    if any(a <= b for a, b in pairwise(values)):
        shown = "、".join(f"{GRADE_LABELS[g]} {v:g}" for g, v in found.items())
        raise Invalid([FieldError("grades", (
            f"评估等次分数线应依次降低（{shown}）：请在本机构设置中调整"))])
    return found


async def _inspection(work: Work, inspection_id: int) -> dict[str, Any]:
    row = await work.session.get(Inspection, inspection_id)
    if row is None:
        raise NotFound([FieldError("inspection_id", "巡察任务不存在")])
    return row


async def load(work: Work, evaluation_id: int) -> dict[str, Any]:
    """The evaluation row, or NotFound."""
    row = await work.session.get(UnitEvaluation, evaluation_id)
    if row is None:
        raise NotFound([FieldError("evaluation_id", "整改评估不存在")])
    return row


async def earliest_day(work: Work, inspection_id: int, org_id: int) -> date | None:
    """The first day the unit may be evaluated (None: its report is not in yet)."""
    reports = await work.session.list(RectificationReport, {
        "inspection_id": inspection_id, "org_id": org_id}, limit=None)
    submitted = [r["submitted_on"] for r in reports if r["submitted_on"] is not None]
    if not submitted or len(submitted) < len(reports):
        return None
    last: date = max(submitted)
    return last + timedelta(days=int(work.setting(EARLIEST_DAYS_SETTING)))


async def sign_due(work: Work, inspection_id: int, org_id: int) -> date | None:
    """The day by which the unit's evaluation should be signed: its rectification report's
    day plus the tenant's ``evaluation_latest_days`` (None: no report yet, or no limit)."""
    first = await earliest_day(work, inspection_id, org_id)
    latest = int(work.setting(LATEST_DAYS_SETTING))
    if first is None or not latest:
        return None
    return first - timedelta(days=int(work.setting(EARLIEST_DAYS_SETTING))) \
        + timedelta(days=latest)


async def _check_window(work: Work, inspection_id: int, org_id: int, name: str) -> None:
    first = await earliest_day(work, inspection_id, org_id)
    if first is None:
        raise Conflict([FieldError("org_id", f"{name}尚未报送整改报告，不能开展整改评估")])
    if work.clock.today() < first:
        days = int(work.setting(EARLIEST_DAYS_SETTING))
        raise Conflict([FieldError("org_id", (
            f"{name}报送整改报告满 {days} 天后方可开展整改评估（最早 {first}）"))])


async def create(work: Work, inspection_id: int, org_id: int, group_members: str = ""
                 ) -> dict[str, Any]:
    """Start the evaluation of one inspected unit, deductions pre-filled from the records.

    Raises:
        NotFound: no such inspection.
        Invalid: the org is not inspected by it; the weights miss 100.
        Conflict: too early (stage, report, waiting time) or already evaluated.
    """
    async with work.transaction():
        inspection = await _inspection(work, inspection_id)
        if stage_rank(inspection["stage"]) < stage_rank(Stage.rectification_reported):
            raise Conflict([FieldError("inspection_id",
                                       "整改报告报送后方可开展整改评估（当前环节尚未到“整改报告”）")])
        if not await work.session.count(InspectionTarget, {"inspection_id": inspection_id,
                                                            "org_id": org_id}):
            raise Invalid([FieldError("org_id", "该单位不是本次巡察的被巡察单位")])
        name = (await org_names(work.session, [org_id])).get(org_id, "该单位")
        await _check_window(work, inspection_id, org_id, name)
        if await work.session.count(UnitEvaluation, {"inspection_id": inspection_id,
                                                      "org_id": org_id}):
            raise Conflict([FieldError("org_id", f"{name}的整改评估已经建立")])
        indicators = await unit_indicators(work)
        check_balanced(indicators)
        proposed = prefill(indicators, await load_facts(work, inspection_id, org_id))
        now = work.clock.now()
        found = score(indicators, proposed, cutoffs(work))
        (new_id,) = await work.session.insert(UnitEvaluation, [{
            "inspection_id": inspection_id, "org_id": org_id, "status": Status.draft.value,
            "group_members": group_members.strip(), "weights": _weights(indicators),
            "deductions": msgspec.to_builtins(proposed), "total": found.total,
            "grade": found.grade.value, "created_by": work.actor, "created_at": now,
            "updated_at": now}])
        await work.audit("evaluation.create", "unit_evaluation", new_id, {
            "inspection_id": inspection_id, "org_id": org_id,
            "prefilled": [d.item for d in proposed]})
    return await load(work, new_id)


def _weights(indicators: list[Indicator]) -> dict[str, float]:
    return {i.code: i.weight for i in indicators}


def _require(row: dict[str, Any], status: Status, doing: str) -> None:
    if row["status"] != status.value:
        raise Conflict([FieldError("status", (
            f"整改评估处于“{STATUS_LABELS[Status(row['status'])]}”状态，不能{doing}"))])


async def save(work: Work, evaluation_id: int, draft: Draft) -> dict[str, Any]:
    """Record the group's deductions (replacing the previous ones) while in draft.

    Raises:
        NotFound, Invalid (a deduction's item, points or evidence), Conflict (not draft).
    """
    async with work.transaction():
        row = await load(work, evaluation_id)
        _require(row, Status.draft, "修改扣分")
        indicators = await unit_indicators(work)
        check_balanced(indicators)
        check_deductions(indicators, draft.deductions)
        kept = _keep_prefill(deductions_of(row["deductions"]), draft.deductions)
        found = score(indicators, kept, cutoffs(work))
        await work.session.update(UnitEvaluation, {"id": evaluation_id}, {
            "deductions": msgspec.to_builtins(kept),
            "group_members": draft.group_members.strip(), "remark": draft.remark.strip(),
            "weights": _weights(indicators), "total": found.total,
            "grade": found.grade.value, "updated_at": work.clock.now(),
            "version": int(row["version"]) + 1})
        await work.audit("evaluation.save", "unit_evaluation", evaluation_id, {
            "total": found.total, "items": [d.item for d in kept]})
    return await load(work, evaluation_id)


def _keep_prefill(held: list[Deduction], new: list[Deduction]) -> list[Deduction]:
    """A deduction stays marked pre-filled (with its reason) while its points are unchanged;
    the group changing them makes it the group's own."""
    before = {d.item: d for d in held if d.prefilled}
    out = []
    for d in new:
        old = before.get(d.item)
        same = old is not None and abs(old.points - d.points) < 1e-9
        out.append(Deduction(item=d.item, points=d.points, evidence=d.evidence,
                             prefilled=same, reason=old.reason if same and old else ""))
    return out


async def submit(work: Work, evaluation_id: int) -> dict[str, Any]:
    """The scorer submits the score for sign-off (总分和等次由此确定)."""
    async with work.transaction():
        row = await load(work, evaluation_id)
        _require(row, Status.draft, "提交评分")
        if not str(row["group_members"]).strip():
            raise Invalid([FieldError("group_members", "请填写评估组成员")])
        indicators = await unit_indicators(work)
        check_balanced(indicators)
        deductions = deductions_of(row["deductions"])
        check_deductions(indicators, deductions)
        found = score(indicators, deductions, cutoffs(work))
        now = work.clock.now()
        await work.session.update(UnitEvaluation, {"id": evaluation_id}, {
            "status": Status.scored.value, "scored_by": work.actor, "scored_at": now,
            "total": found.total, "grade": found.grade.value, "weights": _weights(indicators),
            "updated_at": now, "version": int(row["version"]) + 1})
        await work.audit("evaluation.submit", "unit_evaluation", evaluation_id, {
            "total": found.total, "grade": found.grade.value})
    return await load(work, evaluation_id)


async def sign(work: Work, evaluation_id: int) -> dict[str, Any]:
    """A second person signs the score off; the result is final and goes up to the city.

    Raises:
        Conflict: not submitted, or the signer is the scorer.
    """
    async with work.transaction():
        row = await load(work, evaluation_id)
        _require(row, Status.scored, "审核签发")
        if row["scored_by"] == work.actor:
            raise Conflict([FieldError("signed_by",
                                       "评分人不能签发自己评分的整改评估，须由另一人审核签发")])
        now = work.clock.now()
        await work.session.update(UnitEvaluation, {"id": evaluation_id}, {
            "status": Status.signed.value, "signed_by": work.actor, "signed_at": now,
            "updated_at": now, "version": int(row["version"]) + 1})
        await work.audit("evaluation.sign", "unit_evaluation", evaluation_id, {
            "total": float(row["total"]), "grade": row["grade"]})
        work.emit(await _signed_event(work, row, now.astimezone(CHINA).date()))
    return await load(work, evaluation_id)


async def _signed_event(work: Work, row: dict[str, Any], day: date) -> EvaluationSigned:
    inspection = await _inspection(work, row["inspection_id"])
    round_row = await work.session.get(Round, inspection["round_id"])
    names = await org_names(work.session, [row["org_id"]])
    indicators = await unit_indicators(work)
    parts = score(indicators, deductions_of(row["deductions"]), cutoffs(work)).parts
    return EvaluationSigned(
        evaluation_id=row["id"], inspection_id=row["inspection_id"],
        inspection_title=inspection["title"], org_name=names.get(row["org_id"], ""),
        year=round_row["year"] if round_row else None, total=float(row["total"]),
        grade=row["grade"], parts=parts, signed_on=day, county_name=work.tenant.name)


async def send_back(work: Work, evaluation_id: int, reason: str) -> dict[str, Any]:
    """The signer sends a submitted score back to the group (退回重评)."""
    if not reason.strip():
        raise Invalid([FieldError("reason", "请写明退回理由")])
    async with work.transaction():
        row = await load(work, evaluation_id)
        _require(row, Status.scored, "退回")
        await work.session.update(UnitEvaluation, {"id": evaluation_id}, {
            "status": Status.draft.value, "scored_by": "", "scored_at": None,
            "updated_at": work.clock.now(), "version": int(row["version"]) + 1})
        await work.audit("evaluation.send_back", "unit_evaluation", evaluation_id,
                         {"reason": reason.strip()})
    return await load(work, evaluation_id)


async def stage_check(work: Work, inspection_id: int, stage: str) -> list[str] | None:
    """Refuse ``evaluated`` until every inspected unit has a signed-off evaluation."""
    if stage != Stage.evaluated.value:
        return None
    targets = await work.session.list(InspectionTarget, {"inspection_id": inspection_id},
                                      limit=None)
    signed = {r["org_id"] for r in await work.session.list(UnitEvaluation, {
        "inspection_id": inspection_id, "status": Status.signed.value}, limit=None)}
    missing = [t["org_id"] for t in targets if t["org_id"] not in signed]
    if not missing:
        return None
    names = await org_names(work.session, missing)
    return ["以下被巡察单位尚无经审核签发的整改评估：" +
            "、".join(names.get(i, str(i)) for i in missing)]


def grade_label(grade: str) -> str:
    """好 / 较好 / 一般 / 差 (empty for no grade)."""
    return GRADE_LABELS.get(Grade(grade), "") if grade in Grade.__members__ else ""
