"""The city's elevated inspections (提级巡察) of county orgs.

The city plans one against a county's published directory (the county is
told with ``elevated.assigned``), records the problems its team found, and at
feedback hands them over (``elevated.handed_over``): the county takes them
into its own ledger (:mod:`.handover`) and answers ``elevated.received``,
which the city keeps on its own row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

import msgspec

from core.api import STAGE_LABELS, Conflict, FieldError, IdField, Invalid, NotFound, Work
from plugins.elevated_cross.directory import directory_replica
from plugins.elevated_cross.elevated_clues import ClueOut, clues_of
from plugins.elevated_cross.events import (
    ElevatedAssigned,
    ElevatedHandedOver,
    ElevatedReceived,
    HandedFinding,
    TargetOrg,
)
from plugins.elevated_cross.model import (
    ELEVATED_STATUS_LABELS,
    VERIFICATION_LABELS,
    require_city,
)
from plugins.elevated_cross.progress import progress_of
from plugins.elevated_cross.tables import ElevatedFinding, ElevatedInspection

__all__ = [
    "AllowIn",
    "CancelIn",
    "ElevatedDetail",
    "ElevatedIn",
    "ElevatedOut",
    "FindingIn",
    "FindingOut",
    "ProgressOut",
    "ReportOut",
    "VerifyIn",
    "add_finding",
    "cancel_elevated",
    "check_targets",
    "elevated_detail",
    "hand_over",
    "list_elevated",
    "plan_elevated",
    "set_allow_county",
    "take_receipt",
    "verify_rectification",
]

Title = Annotated[str, msgspec.Meta(max_length=200)]
Label = Annotated[str, msgspec.Meta(max_length=100)]
County = Annotated[str, msgspec.Meta(max_length=64)]


class ElevatedIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new elevated inspection: the county, its orgs (ids in the county's directory)."""

    county: County
    title: Title
    org_ids: Annotated[list[IdField], msgspec.Meta(max_length=50)]
    round_label: Label = ""
    allow_county: bool = False


class CancelIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The city's cancellation of an elevated inspection; the reason is required."""

    reason: Annotated[str, msgspec.Meta(max_length=500)]


class AllowIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Whether the county may inspect the targets itself in the same year."""

    allow: bool


class VerifyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The city's verdict on the county's rectification; a return needs a reason."""

    accept: bool
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class FindingIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A problem found at one target org, with the rectification deadline."""

    org_id: IdField
    problem: Annotated[str, msgspec.Meta(max_length=4000)]
    deadline: date


class FindingOut(msgspec.Struct, kw_only=True):
    """A problem as the city shows it."""

    id: int
    org_id: int
    org_name: str
    problem: str
    deadline: date


class ElevatedOut(msgspec.Struct, kw_only=True):
    """An elevated inspection as the city shows it (with what the county reported back)."""

    id: int
    county: str
    title: str
    round_label: str
    targets: list[TargetOrg]
    status: str
    status_label: str
    planned_on: date
    handed_over_on: date | None
    county_inspection_id: int | None
    county_items: int
    county_note: str
    allow_county: bool = False
    verification: str = ""
    verification_label: str = ""
    verification_reason: str = ""
    verified_on: date | None = None
    cancel_reason: str = ""


class ReportOut(msgspec.Struct, kw_only=True):
    """A target org's rectification report as the county reported it."""

    org_id: int
    org_name: str
    due_date: date
    submitted_on: date | None
    summary: str


class ProgressOut(msgspec.Struct, kw_only=True):
    """The county's rectification as it last reported it."""

    stage: str
    stage_label: str
    items: int
    closed: int
    overdue: int
    by_status: dict[str, int]
    reports: list[ReportOut] = msgspec.field(default_factory=list)


class ElevatedDetail(msgspec.Struct, kw_only=True):
    """One elevated inspection, its findings and the county's rectification progress."""

    elevated: ElevatedOut
    findings: list[FindingOut]
    progress: ProgressOut | None = None
    clues: list[ClueOut] = msgspec.field(default_factory=list)


def _stage_label(code: str) -> str:
    return next((label for stage, label in STAGE_LABELS.items() if stage == code), code)


def elevated_out(row: Mapping[str, Any]) -> ElevatedOut:
    """The API shape of a row."""
    return ElevatedOut(
        id=row["id"], county=row["county"], title=row["title"], round_label=row["round_label"],
        targets=msgspec.convert(row["targets"] or [], list[TargetOrg]), status=row["status"],
        status_label=ELEVATED_STATUS_LABELS.get(row["status"], row["status"]),
        planned_on=row["planned_on"], handed_over_on=row["handed_over_on"],
        county_inspection_id=row["county_inspection_id"], county_items=row["county_items"],
        county_note=row["county_note"], allow_county=bool(row["allow_county"]),
        verification=row["verification"],
        verification_label=VERIFICATION_LABELS.get(row["verification"], ""),
        verification_reason=row["verification_reason"], verified_on=row["verified_on"],
        cancel_reason=row["cancel_reason"] or "")


async def check_targets(work: Work, county: str, org_ids: list[int], field: str,
                        counties: Mapping[str, str]) -> list[TargetOrg]:
    """The orgs ``org_ids`` of ``county``'s directory; raises Invalid naming the field."""
    if county not in counties:
        known = "、".join(counties) or "无"
        raise Invalid.on("county" if field == "org_ids" else field,
                         f"不是本市所辖的县（市、区）：{county[:64]}（所辖：{known}）")
    directory = await directory_replica(work.session, county)
    if directory is None:
        raise Invalid.on(field, f"尚未收到{counties[county]}报送的机构名录，无法选择巡察对象")
    by_id = {o.org_id: o for o in directory.orgs}
    ids = list(dict.fromkeys(org_ids))
    if not ids:
        raise Invalid.on("org_ids", "请至少选择一个巡察对象")
    unknown = [str(i) for i in ids if i not in by_id]
    if unknown:
        raise Invalid.on("org_ids", f"不是{counties[county]}机构名录中的对象："
                                    f"{'、'.join(unknown[:10])}")
    return [TargetOrg(org_id=i, code=by_id[i].code, name=by_id[i].name, kind=by_id[i].kind)
            for i in ids]


async def _load(work: Work, elevated_id: int) -> dict[str, Any]:
    row = await work.session.get(ElevatedInspection, elevated_id)
    if row is None:
        raise NotFound("提级巡察不存在")
    return row


def _announce(work: Work, row: Mapping[str, Any]) -> None:
    work.emit(ElevatedAssigned(
        elevated_id=row["id"], title=row["title"], round_label=row["round_label"],
        targets=msgspec.convert(row["targets"] or [], list[TargetOrg]), status=row["status"],
        planned_on=row["planned_on"], handed_over_on=row["handed_over_on"],
        allow_county=bool(row["allow_county"]), verification=row["verification"],
        verification_reason=row["verification_reason"], verified_on=row["verified_on"],
        cancel_reason=row["cancel_reason"] or ""), to=row["county"])


async def plan_elevated(work: Work, data: ElevatedIn, counties: Mapping[str, str]
                        ) -> ElevatedOut:
    """Plan an elevated inspection of a county's orgs; the county is told.

    Raises:
        Forbidden: the tenant is a county.
        Invalid: empty title, unknown county or orgs.
        Conflict: an org is in another elevated inspection of the same round.
    """
    require_city(work.tenant)
    if not data.title.strip():
        raise Invalid.on("title", "请填写提级巡察名称")
    targets = await check_targets(work, data.county, data.org_ids, "org_ids", counties)
    today = work.clock.today()
    async with work.transaction():
        same_round = await work.session.list(ElevatedInspection, {
            "county": data.county, "round_label": data.round_label.strip(),
            "status__ne": "withdrawn"}, limit=None)
        taken = {t["org_id"]: r["title"] for r in same_round for t in r["targets"] or []}
        clash = [f"{t.name}（已在“{taken[t.org_id]}”中）" for t in targets if t.org_id in taken]
        if clash:
            raise Conflict([FieldError("org_ids", "同一轮次中下列对象已安排提级巡察："
                                       + "、".join(clash))])
        (new_id,) = await work.session.insert(ElevatedInspection, [{
            "county": data.county, "title": data.title.strip(),
            "round_label": data.round_label.strip(), "allow_county": data.allow_county,
            "targets": msgspec.to_builtins(targets), "planned_on": today,
            "created_by": work.actor[:128], "updated_at": work.clock.now()}])
        row = await _load(work, new_id)
        await work.audit("elevated.plan", "elevated_inspection", new_id, {
            "county": data.county, "org_ids": [t.org_id for t in targets],
            "allow_county": data.allow_county})
        _announce(work, row)
    return elevated_out(row)


async def add_finding(work: Work, elevated_id: int, data: FindingIn) -> FindingOut:
    """Record a problem at one target org (before the handover).

    Raises:
        NotFound: no such elevated inspection of the city.
        Conflict: handed over already.
        Invalid: an org not among the targets, an empty problem, a past deadline.
    """
    require_city(work.tenant)
    async with work.transaction():
        row = await _load(work, elevated_id)
        if row["status"] != "planned":
            raise Conflict.on("elevated_id", "该提级巡察已反馈移交，不能再登记问题")
        names = {t["org_id"]: t["name"] for t in row["targets"] or []}
        errors = []
        if data.org_id not in names:
            errors.append(FieldError("org_id", "该对象不是本次提级巡察的巡察对象"))
        if not data.problem.strip():
            errors.append(FieldError("problem", "请填写问题"))
        if data.deadline < work.clock.today():
            errors.append(FieldError("deadline", "整改期限不能早于今天"))
        if errors:
            raise Invalid(errors)
        (finding_id,) = await work.session.insert(ElevatedFinding, [{
            "elevated_id": elevated_id, "org_id": data.org_id, "problem": data.problem.strip(),
            "deadline": data.deadline}])
        await work.audit("elevated.finding", "elevated_inspection", elevated_id,
                         {"finding_id": finding_id, "org_id": data.org_id})
    return FindingOut(id=finding_id, org_id=data.org_id, org_name=names[data.org_id],
                      problem=data.problem.strip(), deadline=data.deadline)


async def hand_over(work: Work, elevated_id: int) -> ElevatedOut:
    """Give feedback: hand the findings down to the county's ledger (once).

    Raises:
        NotFound: no such elevated inspection.
        Conflict: handed over already, or no problem recorded.
    """
    require_city(work.tenant)
    today = work.clock.today()
    async with work.transaction():
        row = await _load(work, elevated_id)
        findings = await work.session.list(ElevatedFinding, {"elevated_id": elevated_id},
                                           order_by=("id",), limit=None)
        if not findings:
            raise Conflict.on("elevated_id", "尚未登记问题，不能反馈移交")
        changed = await work.session.update(
            ElevatedInspection, {"id": elevated_id, "status": "planned"},
            {"status": "handed_over", "handed_over_on": today, "updated_at": work.clock.now()})
        if not changed:
            raise Conflict.on("elevated_id", "该提级巡察已经反馈移交")
        row = await _load(work, elevated_id)
        await work.audit("elevated.hand_over", "elevated_inspection", elevated_id,
                         {"findings": len(findings)})
        _announce(work, row)
        work.emit(ElevatedHandedOver(
            elevated_id=elevated_id, title=row["title"], feedback_on=today,
            targets=msgspec.convert(row["targets"] or [], list[TargetOrg]),
            findings=[HandedFinding(finding_id=f["id"], org_id=f["org_id"],
                                    problem=f["problem"], deadline=f["deadline"])
                      for f in findings]), to=row["county"])
    return elevated_out(row)


async def list_elevated(work: Work) -> list[ElevatedOut]:
    """The city's elevated inspections, newest first."""
    require_city(work.tenant)
    rows = await work.session.list(ElevatedInspection, order_by=("-id",), limit=500)
    return [elevated_out(r) for r in rows]


async def elevated_detail(work: Work, elevated_id: int) -> ElevatedDetail:
    """One elevated inspection of the city with its findings."""
    require_city(work.tenant)
    row = await _load(work, elevated_id)
    names = {t["org_id"]: t["name"] for t in row["targets"] or []}
    findings = await work.session.list(ElevatedFinding, {"elevated_id": elevated_id},
                                       order_by=("id",), limit=None)
    reported = await progress_of(work.session, row["county"], elevated_id)
    progress = None if reported is None else ProgressOut(
        stage=reported.stage, stage_label=_stage_label(reported.stage),
        items=reported.items, closed=reported.closed, overdue=reported.overdue,
        by_status=reported.by_status, reports=[
            ReportOut(org_id=r.org_id, org_name=names.get(r.org_id, ""), due_date=r.due_date,
                      submitted_on=r.submitted_on, summary=r.summary)
            for r in reported.reports])
    return ElevatedDetail(elevated=elevated_out(row), progress=progress,
                          clues=await clues_of(work, elevated_id), findings=[
        FindingOut(id=f["id"], org_id=f["org_id"], org_name=names.get(f["org_id"], ""),
                   problem=f["problem"], deadline=f["deadline"]) for f in findings])


async def take_receipt(work: Work, origin: str, receipt: ElevatedReceived) -> None:
    """Keep a county's answer to a handover on the city's own row (its county only)."""
    rows = await work.session.list(ElevatedInspection, {
        "id": receipt.elevated_id, "county": origin}, limit=1)
    if not rows:
        return
    values: dict[str, Any] = {"county_inspection_id": receipt.inspection_id,
                              "county_items": receipt.items, "county_note": receipt.note,
                              "updated_at": work.clock.now()}
    if receipt.inspection_id is not None:
        values["status"] = "received"
    await work.session.update(ElevatedInspection, {"id": rows[0]["id"]}, values)


async def set_allow_county(work: Work, elevated_id: int, data: AllowIn) -> ElevatedOut:
    """Allow (or no longer allow) the county to inspect the targets itself in the same
    year; the county is told.

    Raises:
        NotFound: no such elevated inspection of the city.
        Conflict: withdrawn.
    """
    require_city(work.tenant)
    async with work.transaction():
        row = await _load(work, elevated_id)
        if row["status"] == "withdrawn":
            raise Conflict.on("elevated_id", "该提级巡察已撤销")
        await work.session.update(ElevatedInspection, {"id": elevated_id}, {
            "allow_county": data.allow, "updated_at": work.clock.now()})
        row = await _load(work, elevated_id)
        await work.audit("elevated.allow_county", "elevated_inspection", elevated_id,
                         {"allow": data.allow})
        _announce(work, row)
    return elevated_out(row)


async def verify_rectification(work: Work, elevated_id: int, data: VerifyIn) -> ElevatedOut:
    """Record the city's verdict on the county's rectification; the county is told.

    Accepting needs every target org's rectification report in (as the county last
    reported); returning needs a reason and leaves the county to report again.

    Raises:
        NotFound: no such elevated inspection of the city.
        Invalid: a return without a reason.
        Conflict: the county has not taken the handover, the reports are not all in,
            or the rectification was accepted already.
    """
    require_city(work.tenant)
    reason = data.reason.strip()
    if not data.accept and not reason:
        raise Invalid.on("reason", "退回时请说明理由")
    async with work.transaction():
        row = await _load(work, elevated_id)
        if row["status"] != "received":
            raise Conflict.on("elevated_id", "县级尚未承接整改，不能核查")
        if row["verification"] == "accepted":
            raise Conflict.on("elevated_id", "已核查通过，不能再次核查")
        if data.accept:
            reported = await progress_of(work.session, row["county"], elevated_id)
            done = {r.org_id for r in reported.reports if r.submitted_on} if reported else set()
            missing = [t["name"] for t in row["targets"] or [] if t["org_id"] not in done]
            if missing:
                raise Conflict.on("accept", "下列对象尚未报送整改报告，不能核查通过："
                                  + "、".join(missing))
        await work.session.update(ElevatedInspection, {"id": elevated_id}, {
            "verification": "accepted" if data.accept else "returned",
            "verification_reason": reason, "verified_on": work.clock.today(),
            "updated_at": work.clock.now()})
        row = await _load(work, elevated_id)
        await work.audit("elevated.verify", "elevated_inspection", elevated_id,
                         {"accept": data.accept, "reason": reason})
        _announce(work, row)
    return elevated_out(row)


async def cancel_elevated(work: Work, elevated_id: int, data: CancelIn) -> ElevatedOut:
    """Cancel (撤销) an elevated inspection before its feedback, with a reason; the county
    is told, and its orgs are free for the county's own inspection of that round.

    Raises:
        NotFound: no such elevated inspection of the city.
        Invalid: no reason.
        Conflict: handed over already (the county holds the problems), or cancelled.
    """
    require_city(work.tenant)
    reason = data.reason.strip()
    if not reason:
        raise Invalid.on("reason", "撤销时请说明理由")
    async with work.transaction():
        row = await _load(work, elevated_id)
        if row["status"] == "withdrawn":
            raise Conflict.on("elevated_id", "该提级巡察已撤销")
        changed = await work.session.update(
            ElevatedInspection, {"id": elevated_id, "status": "planned"},
            {"status": "withdrawn", "cancel_reason": reason, "updated_at": work.clock.now()})
        if not changed:
            raise Conflict.on("elevated_id", "问题已反馈移交县级整改，不能撤销该提级巡察")
        row = await _load(work, elevated_id)
        await work.audit("elevated.cancel", "elevated_inspection", elevated_id,
                         {"reason": reason})
        _announce(work, row)
    return elevated_out(row)
