"""Rectification reports (整改报告), disclosure records (整改公开) and ledger counts.

Each inspected org reports on its rectification, due a tenant-set number of
months (default 2) after feedback. Rectification is then disclosed (an
internal circular, a public release), or withheld for a listed reason with
approval. The stage machine asks the counts at the end of this module.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec

from core.db import TenantSession
from core.errors import Conflict, FieldError, Invalid
from core.fields import IdField
from core.inspection.common import (
    due_in_months,
    load_inspection,
    require_stage,
    require_target,
    stages_from,
)
from core.inspection.events import DisclosureRecorded, RectificationReportSubmitted
from core.inspection.ledger import item_event
from core.inspection.ledger_query import org_names
from core.inspection.model import (
    DISCLOSURE_SCOPE_LABELS,
    WITHHOLD_REASON_LABELS,
    DisclosureScope,
    ItemStatus,
    Stage,
    WithholdReason,
)
from core.inspection.tables import (
    Disclosure,
    InspectionTarget,
    RectificationAction,
    RectificationItem,
    RectificationReport,
)
from core.pagination import Page
from core.work import Work

__all__ = [
    "DISCLOSURE_STAGES",
    "REPORT_STAGES",
    "DisclosureIn",
    "DisclosureOut",
    "DisclosurePage",
    "ReportIn",
    "ReportOut",
    "ReportPage",
    "carry_over_items",
    "disclosure_count",
    "list_disclosures",
    "list_reports",
    "open_item_count",
    "orgs_missing_report",
    "record_disclosure",
    "submit_report",
]

REPORT_STAGES = stages_from(Stage.rectifying, Stage.sustained)
DISCLOSURE_STAGES = stages_from(Stage.rectification_reported, Stage.sustained)

Summary = Annotated[str, msgspec.Meta(min_length=1, max_length=20000)]
Person = Annotated[str, msgspec.Meta(max_length=64)]
Remark = Annotated[str, msgspec.Meta(max_length=2000)]


class ReportIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An org's rectification report; ``submitted_on`` defaults to today."""

    org_id: IdField
    summary: Summary
    submitted_on: date | None = None


class ReportOut(msgspec.Struct, kw_only=True):
    """One target org's rectification report (or the lack of it)."""

    org_id: int
    org_name: str
    report_id: int | None
    due_date: date | None
    submitted_on: date | None
    submitted_by: str
    summary: str
    overdue: bool
    late: bool


ReportPage = Page[ReportOut]
"""The reports of a page of the inspection's target orgs."""


class DisclosureIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A disclosure record; withholding needs a listed reason and who approved it."""

    scope: DisclosureScope
    disclosed_on: date | None = None
    withheld: bool = False
    withheld_reason: WithholdReason | None = None
    approved_by: Person = ""
    remark: Remark = ""


class DisclosureOut(msgspec.Struct, kw_only=True):
    """A disclosure record as the API shows it."""

    id: int
    inspection_id: int
    scope: str
    scope_label: str
    disclosed_on: date | None
    withheld: bool
    withheld_reason: str | None
    withheld_reason_label: str
    approved_by: str
    remark: str
    recorded_by: str


DisclosurePage = Page[DisclosureOut]
"""A page of an inspection's disclosure records."""


def _report_out(org_id: int, name: str, row: dict[str, Any] | None, due: date | None,
                today: date) -> ReportOut:
    submitted = row["submitted_on"] if row else None
    if row is not None and (submitted is not None or due is None):
        due = row["due_date"]  # as fixed when submitted (or set before feedback was dated)
    return ReportOut(
        org_id=org_id, org_name=name, report_id=row["id"] if row else None, due_date=due,
        submitted_on=submitted, submitted_by=row["submitted_by"] if row else "",
        summary=row["summary"] if row else "",
        overdue=submitted is None and due is not None and due < today,
        late=submitted is not None and due is not None and submitted > due,
    )


async def submit_report(work: Work, inspection_id: int, data: ReportIn) -> ReportOut:
    """Record an org's rectification report, due ``rectification_report_months`` after feedback.

    Raises:
        Conflict: wrong stage, not yet fed back, or already submitted.
        Invalid: bad fields.
    """
    session, today = work.session, work.clock.today()
    async with work.transaction():
        inspection = await load_inspection(session, inspection_id)
        require_stage(inspection, REPORT_STAGES, "报送整改报告")
        feedback_on = inspection["feedback_on"]
        if feedback_on is None:
            raise Conflict([FieldError("stage", "尚未反馈巡察意见，不能报送整改报告")])
        await require_target(session, inspection_id, data.org_id)
        submitted_on = data.submitted_on or today
        if submitted_on > today:
            raise Invalid([FieldError("submitted_on", "报送日期不能晚于今天")])
        if submitted_on < feedback_on:
            raise Invalid([FieldError("submitted_on", "报送日期不能早于反馈意见的日期")])
        due = due_in_months(feedback_on, work.setting("rectification_report_months"))
        where = {"inspection_id": inspection_id, "org_id": data.org_id}
        existing = await session.list(RectificationReport, where, limit=1)
        values = {"due_date": due, "submitted_on": submitted_on, "summary": data.summary,
                  "submitted_by": work.actor}
        if existing and existing[0]["submitted_on"] is not None:
            raise Conflict([FieldError("org_id", "该单位已报送整改报告")])
        if existing:  # a pending report row: fill it in
            report_id = existing[0]["id"]
            await session.update(RectificationReport, {"id": report_id}, values)
        else:
            (report_id,) = await session.insert(
                RectificationReport, [{**where, **values, "created_at": work.clock.now()}])
        row = await session.get(RectificationReport, report_id)
        assert row is not None
        await work.audit("rectification_report.submit", "rectification_report", report_id, {
            "inspection_id": inspection_id, "org_id": data.org_id,
            "due_date": row["due_date"].isoformat(), "submitted_on": submitted_on.isoformat()})
        work.emit(RectificationReportSubmitted(
            report_id=report_id, inspection_id=inspection_id, org_id=data.org_id,
            due_date=row["due_date"], submitted_on=submitted_on))
    names = await org_names(session, [data.org_id])
    return _report_out(data.org_id, names.get(data.org_id, ""), row, due, today)


async def list_reports(work: Work, inspection_id: int, *, limit: int,
                       offset: int) -> ReportPage:
    """Per target org: the report's due date, when it was submitted, whether it is overdue."""
    session, today = work.session, work.clock.today()
    inspection = await load_inspection(session, inspection_id)
    targets, total = await session.page(InspectionTarget, {"inspection_id": inspection_id},
                                        order_by=("id",), limit=limit, offset=offset)
    org_ids = [t["org_id"] for t in targets]
    reports = {r["org_id"]: r for r in await session.list(
        RectificationReport, {"inspection_id": inspection_id, "org_id": org_ids}, limit=None)}
    names = await org_names(session, org_ids)
    feedback_on = inspection["feedback_on"]
    due = (due_in_months(feedback_on, work.setting("rectification_report_months"))
           if feedback_on else None)
    items = [_report_out(o, names.get(o, ""), reports.get(o), due, today) for o in org_ids]
    return ReportPage(items=items, total=total, limit=limit, offset=offset)


def _disclosure_errors(data: DisclosureIn, today: date) -> list[FieldError]:
    errors = []
    if data.withheld:
        if data.withheld_reason is None:
            errors.append(FieldError("withheld_reason", "暂不公开须选择理由"))
        if not data.approved_by.strip():
            errors.append(FieldError("approved_by", "暂不公开须写明批准人"))
        if data.disclosed_on is not None:
            errors.append(FieldError("disclosed_on", "暂不公开时不应填写公开日期"))
    elif data.withheld_reason is not None:
        errors.append(FieldError("withheld_reason", "未暂缓公开时不应填写暂缓理由"))
    if data.disclosed_on is not None and data.disclosed_on > today:
        errors.append(FieldError("disclosed_on", "公开日期不能晚于今天"))
    return errors


def _disclosure_out(row: dict[str, Any]) -> DisclosureOut:
    reason = row["withheld_reason"]
    return DisclosureOut(
        id=row["id"], inspection_id=row["inspection_id"], scope=row["scope"],
        scope_label=DISCLOSURE_SCOPE_LABELS[DisclosureScope(row["scope"])],
        disclosed_on=row["disclosed_on"], withheld=bool(row["withheld"]),
        withheld_reason=reason,
        withheld_reason_label=WITHHOLD_REASON_LABELS[WithholdReason(reason)] if reason else "",
        approved_by=row["approved_by"], remark=row["remark"], recorded_by=row["recorded_by"],
    )


async def record_disclosure(work: Work, inspection_id: int, data: DisclosureIn,
                            ) -> DisclosureOut:
    """Record that rectification was disclosed, or withheld with reason and approval."""
    session, today = work.session, work.clock.today()
    async with work.transaction():
        inspection = await load_inspection(session, inspection_id)
        require_stage(inspection, DISCLOSURE_STAGES, "登记整改公开")
        errors = _disclosure_errors(data, today)
        if errors:
            raise Invalid(errors)
        disclosed_on = None if data.withheld else (data.disclosed_on or today)
        (disclosure_id,) = await session.insert(Disclosure, [{
            "inspection_id": inspection_id, "scope": data.scope.value,
            "disclosed_on": disclosed_on, "withheld": data.withheld,
            "withheld_reason": data.withheld_reason.value if data.withheld_reason else None,
            "approved_by": data.approved_by.strip(), "remark": data.remark,
            "recorded_by": work.actor, "recorded_at": work.clock.now()}])
        row = await session.get(Disclosure, disclosure_id)
        assert row is not None
        await work.audit("disclosure.record", "disclosure", disclosure_id, {
            "inspection_id": inspection_id, "scope": data.scope.value,
            "withheld": data.withheld, "withheld_reason": row["withheld_reason"]})
        work.emit(DisclosureRecorded(disclosure_id=disclosure_id, inspection_id=inspection_id,
                                     scope=data.scope.value, withheld=data.withheld))
    return _disclosure_out(row)


async def list_disclosures(session: TenantSession, inspection_id: int, *, limit: int,
                           offset: int) -> DisclosurePage:
    """An inspection's disclosure records, oldest first."""
    await load_inspection(session, inspection_id)
    rows, total = await session.page(Disclosure, {"inspection_id": inspection_id},
                                     order_by=("id",), limit=limit, offset=offset)
    return DisclosurePage(items=[_disclosure_out(r) for r in rows], total=total, limit=limit,
                          offset=offset)


# -- for the stage machine -------------------------------------------------------------------

async def open_item_count(session: TenantSession, inspection_id: int) -> int:
    """Items of the inspection not closed (销号) and not carried into sustained rectification."""
    return await session.count(RectificationItem, {
        "inspection_id": inspection_id, "status__ne": ItemStatus.closed.value,
        "carried_over": False})


async def orgs_missing_report(session: TenantSession, inspection_id: int) -> list[int]:
    """Target orgs with findings or ledger items but no submitted rectification report."""
    mark = session.db.dialect.mark
    t, i = mark(1), mark(2)
    sql = (
        f'SELECT t."org_id" FROM "inspection_target" t WHERE t."tenant_id" = {t} '
        f'AND t."inspection_id" = {i} AND (EXISTS (SELECT 1 FROM "finding" f '
        f'WHERE f."tenant_id" = {t} AND f."inspection_id" = {i} AND f."org_id" = t."org_id") '
        f'OR EXISTS (SELECT 1 FROM "rectification_item" r WHERE r."tenant_id" = {t} '
        f'AND r."inspection_id" = {i} AND r."org_id" = t."org_id")) '
        f'AND NOT EXISTS (SELECT 1 FROM "rectification_report" p WHERE p."tenant_id" = {t} '
        f'AND p."inspection_id" = {i} AND p."org_id" = t."org_id" '
        'AND p."submitted_on" IS NOT NULL) ORDER BY t."org_id"'
    )
    rows = await session.db.fetch(sql, [session.tenant_id, inspection_id], session.tenant_id)
    return list(dict.fromkeys(int(r["org_id"]) for r in rows))


async def disclosure_count(session: TenantSession, inspection_id: int) -> int:
    """Disclosure records of the inspection (withheld ones included)."""
    return await session.count(Disclosure, {"inspection_id": inspection_id})


async def carry_over_items(work: Work, inspection_id: int) -> int:
    """Carry the inspection's unclosed items into sustained rectification (持续整改).

    Returns:
        How many items were carried over.
    """
    session, today, now = work.session, work.clock.today(), work.clock.now()
    async with work.transaction():
        ids = await session.update(RectificationItem, {
            "inspection_id": inspection_id, "status__ne": ItemStatus.closed.value,
            "carried_over": False}, {"carried_over": True, "updated_at": now})
        if not ids:
            return 0
        await session.insert(RectificationAction, [{
            "item_id": i, "kind": "carry_over", "from_value": "", "to_value": "carried_over",
            "actor": work.actor, "at": now, "remark": "转入持续整改"} for i in ids])
        await work.audit("rectification_item.carry_over", "inspection", inspection_id,
                         {"count": len(ids), "item_ids": sorted(ids)})
        for row in await session.list(RectificationItem, {"id": ids}, limit=None):
            work.emit(item_event(row, today))
    return len(ids)
