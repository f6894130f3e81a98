"""Findings (问题): one problem found, classified by focus area.

Categories are the focus areas of DOMAIN.md plus those of plugins (hook
``xuncha_finding_categories``); a finding may only use a category of a
plugin the tenant enabled. A finding can point to the working paper that
documents it, which must belong to the same inspection and org.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from core.contributions import FindingCategory
from core.db import TenantSession
from core.errors import FieldError, Invalid
from core.fields import IdField, changes_of
from core.inspection.checklist import check_checklist_item
from core.inspection.common import (
    get_or_not_found,
    load_inspection,
    require_stage,
    require_target,
    stages_from,
)
from core.inspection.events import FindingChanged, FindingRecorded
from core.inspection.extra import check_extra
from core.inspection.model import SEVERITY_LABELS, SOURCE_LABELS, Severity, Source, Stage
from core.inspection.papers import org_names
from core.inspection.tables import Finding, Inspection, WorkingPaper
from core.pagination import Page
from core.work import Work

__all__ = [
    "CHANGE_STAGES",
    "RECORD_STAGES",
    "FindingCreate",
    "FindingFilters",
    "FindingOut",
    "FindingPage",
    "FindingUpdate",
    "categories",
    "create_finding",
    "list_findings",
    "read_finding",
    "update_finding",
]

RECORD_STAGES = stages_from(Stage.onsite, Stage.feedback)
"""Findings are recorded from the visit until feedback to the unit."""
CHANGE_STAGES = stages_from(Stage.onsite, Stage.evaluated)
"""A finding may be reclassified or marked shared until the inspection is archived."""

Category = Annotated[str, msgspec.Meta(min_length=1, max_length=64, description="问题类别代码")]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="问题标题")]
Description = Annotated[str, msgspec.Meta(max_length=20000, description="问题描述")]


class FindingCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new finding of one target org of the inspection."""

    category: Category
    source: Source
    org_id: IdField
    title: Title
    severity: Severity = Severity.general
    paper_id: IdField | None = None
    description: Description = ""
    fix_now: bool = False
    shared: bool = False
    checklist_item: Annotated[str, msgspec.Meta(max_length=64)] = ""
    """The code of the checklist item of the inspection's kind this finding answers."""
    extra: dict[str, Any] = {}
    """Values of the kind's extra finding fields (hook ``xuncha_extra_fields``)."""


class FindingUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Fields of a finding to change; absent fields stay."""

    category: Category | msgspec.UnsetType = msgspec.UNSET
    severity: Severity | msgspec.UnsetType = msgspec.UNSET
    title: Title | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    fix_now: bool | msgspec.UnsetType = msgspec.UNSET
    shared: bool | msgspec.UnsetType = msgspec.UNSET
    checklist_item: Annotated[str, msgspec.Meta(max_length=64)] | msgspec.UnsetType = (
        msgspec.UNSET)
    extra: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET
    """Extra field values to change; the others stay."""


class FindingOut(msgspec.Struct, kw_only=True):
    """A finding with the Chinese labels of its codes."""

    id: int
    inspection_id: int
    org_id: int
    org_name: str
    paper_id: int | None
    category: str
    category_label: str
    title: str
    description: str
    source: str
    source_label: str
    severity: str
    severity_label: str
    fix_now: bool
    shared: bool
    checklist_item: str
    extra: dict[str, Any]
    recorded_by: str
    recorded_at: datetime
    updated_at: datetime


FindingPage = Page[FindingOut]
"""A page of findings and the total matching."""


class FindingFilters(msgspec.Struct, kw_only=True):
    """What a finding list is narrowed to (``None``: any)."""

    inspection_id: int | None = None
    round_id: int | None = None
    org_id: int | None = None
    category: str | None = None
    severity: Severity | None = None
    shared: bool | None = None
    fix_now: bool | None = None
    q: str | None = None


async def categories(work: Work, *, enabled_only: bool = False) -> dict[str, FindingCategory]:
    """Finding categories by code: every loaded plugin's, or only the tenant's enabled ones."""
    scope = work.tenant.plugins if enabled_only else None
    found = await work.plugins.gather("xuncha_finding_categories", scope)
    return {c.code: c for c in found}


def _out(row: dict[str, Any], names: dict[int, str],
         known: dict[str, FindingCategory]) -> FindingOut:
    category = known.get(row["category"])
    return FindingOut(
        id=row["id"], inspection_id=row["inspection_id"], org_id=row["org_id"],
        org_name=names.get(row["org_id"], ""), paper_id=row["paper_id"],
        category=row["category"], category_label=category.label if category else row["category"],
        title=row["title"], description=row["description"], source=row["source"],
        source_label=SOURCE_LABELS.get(Source(row["source"]), row["source"]),
        severity=row["severity"],
        severity_label=SEVERITY_LABELS.get(Severity(row["severity"]), row["severity"]),
        fix_now=bool(row["fix_now"]), shared=bool(row["shared"]),
        checklist_item=row.get("checklist_item") or "", extra=row.get("extra") or {},
        recorded_by=row["recorded_by"], recorded_at=row["recorded_at"],
        updated_at=row["updated_at"],
    )


async def _one(work: Work, row: dict[str, Any]) -> FindingOut:
    names = await org_names(work.session, {row["org_id"]})
    return _out(row, names, await categories(work))


async def _check_category(work: Work, code: str) -> None:
    if code not in await categories(work, enabled_only=True):
        raise Invalid([FieldError("category", f"未知的问题类别：{code}")])


async def _check_paper(session: TenantSession, paper_id: int, inspection_id: int,
                       org_id: int) -> None:
    paper = await session.get(WorkingPaper, paper_id)
    if paper is None or paper["inspection_id"] != inspection_id:
        raise Invalid([FieldError("paper_id", "底稿不存在或不属于本次巡察")])
    if paper["org_id"] != org_id:
        raise Invalid([FieldError("paper_id", "底稿所属单位与问题所属单位不一致")])


def _event_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {"finding_id": row["id"], "inspection_id": row["inspection_id"],
            "org_id": row["org_id"], "category": row["category"], "severity": row["severity"],
            "title": row["title"], "fix_now": bool(row["fix_now"]),
            "shared": bool(row["shared"])}


async def create_finding(work: Work, inspection_id: int, data: FindingCreate) -> FindingOut:
    """Record a finding (from the visit until feedback); emits ``finding.recorded``."""
    session = work.session
    async with work.transaction():
        inspection = await load_inspection(session, inspection_id)
        require_stage(inspection, RECORD_STAGES, "登记问题")
        await require_target(session, inspection_id, data.org_id)
        await _check_category(work, data.category)
        if data.paper_id is not None:
            await _check_paper(session, data.paper_id, inspection_id, data.org_id)
        await check_checklist_item(work, inspection["kind"], data.checklist_item)
        extra = check_extra(work.plugins, inspection["kind"], "finding", data.extra)
        now = work.clock.now()
        (finding_id,) = await session.insert(Finding, [{
            "inspection_id": inspection_id, "org_id": data.org_id, "paper_id": data.paper_id,
            "category": data.category, "title": data.title, "description": data.description,
            "source": data.source.value, "severity": data.severity.value,
            "fix_now": data.fix_now, "shared": data.shared,
            "checklist_item": data.checklist_item, "extra": extra,
            "recorded_by": work.actor[:128],
            "recorded_at": now, "updated_at": now,
        }])
        row = await get_or_not_found(session, Finding, finding_id, "问题")
        await work.audit("finding.create", "finding", finding_id,
                         {"inspection_id": inspection_id, "category": data.category,
                          "severity": data.severity.value})
        work.emit(FindingRecorded(**_event_fields(row)))
    return await _one(work, row)


async def read_finding(work: Work, finding_id: int) -> FindingOut:
    """One finding (404 if absent or another tenant's)."""
    return await _one(work, await get_or_not_found(work.session, Finding, finding_id, "问题"))


async def list_findings(work: Work, filters: FindingFilters, *, limit: int,
                        offset: int) -> FindingPage:
    """Findings of the tenant, narrowed by ``filters``, by inspection then record order."""
    session = work.session
    where: dict[str, Any] = {}
    inspections: set[int] | None = None
    if filters.inspection_id is not None:
        inspections = {filters.inspection_id}
    if filters.round_id is not None:
        in_round = {r["id"] for r in await session.list(
            Inspection, {"round_id": filters.round_id}, limit=None)}
        inspections = in_round if inspections is None else inspections & in_round
    if inspections is not None:
        where["inspection_id"] = sorted(inspections)
    for name in ("org_id", "category", "shared", "fix_now"):
        value = getattr(filters, name)
        if value is not None:
            where[name] = value
    if filters.severity is not None:
        where["severity"] = filters.severity.value
    q = (filters.q or "").strip()
    rows, total = await session.page(
        Finding, where, search=(("title",), q) if q else None,
        order_by=("inspection_id", "id"), limit=limit, offset=offset)
    names = await org_names(session, {r["org_id"] for r in rows})
    known = await categories(work)
    return FindingPage(items=[_out(r, names, known) for r in rows], total=total, limit=limit,
                       offset=offset)


async def update_finding(work: Work, finding_id: int, data: FindingUpdate) -> FindingOut:
    """Reclassify or edit a finding, or mark it fix-now or shared; emits ``finding.changed``."""
    session = work.session
    asked = {k: getattr(v, "value", v) for k, v in changes_of(data).items()}
    async with work.transaction():
        row = await get_or_not_found(session, Finding, finding_id, "问题")
        inspection = await load_inspection(session, row["inspection_id"])
        require_stage(inspection, CHANGE_STAGES, "修改问题")
        if "category" in asked and asked["category"] != row["category"]:
            await _check_category(work, asked["category"])
        if "checklist_item" in asked:
            await check_checklist_item(work, inspection["kind"], asked["checklist_item"])
        if "extra" in asked:
            asked["extra"] = check_extra(work.plugins, inspection["kind"], "finding",
                                         {**(row["extra"] or {}), **asked["extra"]})
        changes = {k: v for k, v in asked.items() if row[k] != v}
        if changes:
            await session.update(Finding, {"id": finding_id},
                                 {**changes, "updated_at": work.clock.now()})
            await work.audit("finding.update", "finding", finding_id,
                             {"changed": sorted(changes),
                              "values": {k: [row[k], v] for k, v in changes.items()
                                         if k != "description"}})
            was_shared = bool(row["shared"])
            row = await get_or_not_found(session, Finding, finding_id, "问题")
            work.emit(FindingChanged(**_event_fields(row), was_shared=was_shared))
    return await _one(work, row)
