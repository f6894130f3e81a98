"""A special inspection's checklist (检查清单), report sections and statistics.

The items of a kind's checklist come from plugins (hook
``xuncha_checklist_items``, only those the tenant enabled); an inspection
keeps one mark per item it went through (:class:`ChecklistMark`), and a
finding may cite the item it answers. :func:`checklist_gaps` is what a
plugin's ``xuncha_stage_check`` asks to require the checklist complete
before a stage. Report sections (``xuncha_report_sections``) and figures
(``xuncha_inspection_statistics``) are gathered here for the report export,
the inspection page and what a county reports up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from core.contributions import ChecklistItem, InspectionStatistic, ReportSection
from core.errors import FieldError, Invalid, NotFound
from core.inspection.common import load_inspection, require_stage, stages_from
from core.inspection.events import ChecklistMarked
from core.inspection.model import Stage
from core.inspection.tables import ChecklistMark, Finding
from core.work import Work

__all__ = [
    "MARK_LABELS",
    "MARK_STAGES",
    "ChecklistEntry",
    "ChecklistOut",
    "MarkIn",
    "check_checklist_item",
    "checklist_gaps",
    "checklist_items",
    "inspection_statistics",
    "mark_item",
    "read_checklist",
    "report_sections",
]

MARK_LABELS = {
    "pending": "未检查",
    "checked": "已检查，未发现问题",
    "problem": "已检查，发现问题",
    "not_applicable": "不适用",
}
"""The status of a checklist item, by code (``pending``: no mark)."""
MARK_STAGES = stages_from(Stage.briefing, Stage.reporting)
"""Items are marked from the briefing until the report is written."""

MarkStatus = Literal["pending", "checked", "problem", "not_applicable"]


class MarkIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The status of one checklist item and a note (``pending`` clears the mark)."""

    status: MarkStatus
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ChecklistEntry(msgspec.Struct, kw_only=True):
    """One checklist item with its problem library and this inspection's mark."""

    code: str
    label: str
    group: str
    basis: str
    problems: list[str]
    category: str | None
    required: bool
    status: str
    status_label: str
    note: str
    marked_by: str
    marked_at: datetime | None
    findings: int


class ChecklistOut(msgspec.Struct, kw_only=True):
    """An inspection's checklist: every item of its kind, how far it went, what is left."""

    inspection_id: int
    kind: str
    items: list[ChecklistEntry]
    marked: int
    total: int
    complete: bool
    """Every required item is marked (checked, problem found or not applicable)."""


async def checklist_items(work: Work, kind: str) -> list[ChecklistItem]:
    """The checklist items of ``kind`` from the plugins the tenant enabled, in order."""
    found: list[ChecklistItem] = await work.plugins.gather("xuncha_checklist_items",
                                                           work.tenant.plugins)
    return [item for item in found if item.kind == kind]


async def read_checklist(work: Work, inspection_id: int) -> ChecklistOut:
    """The inspection's checklist with its marks and the findings citing each item.

    Raises:
        NotFound: no such inspection.
    """
    inspection = await load_inspection(work.session, inspection_id)
    items = await checklist_items(work, inspection["kind"])
    marks = {m["item_code"]: m for m in await work.session.list(
        ChecklistMark, {"inspection_id": inspection_id}, limit=None)}
    cited: dict[str, int] = {}
    for row in await work.session.list(Finding, {"inspection_id": inspection_id}, limit=None):
        if row["checklist_item"]:
            cited[row["checklist_item"]] = cited.get(row["checklist_item"], 0) + 1
    entries = []
    for item in items:
        mark: dict[str, Any] = marks.get(item.code) or {}
        status = mark.get("status", "pending")
        entries.append(ChecklistEntry(
            code=item.code, label=item.label, group=item.group, basis=item.basis,
            problems=list(item.problems), category=item.category, required=item.required,
            status=status, status_label=MARK_LABELS.get(status, status),
            note=mark.get("note", ""), marked_by=mark.get("marked_by", ""),
            marked_at=mark.get("marked_at"), findings=cited.get(item.code, 0)))
    return ChecklistOut(
        inspection_id=inspection_id, kind=inspection["kind"], items=entries,
        marked=sum(1 for e in entries if e.status != "pending"), total=len(entries),
        complete=all(e.status != "pending" for e in entries if e.required))


async def mark_item(work: Work, inspection_id: int, code: str, data: MarkIn) -> ChecklistOut:
    """Mark one item of the inspection's checklist; emits ``checklist.marked``.

    Raises:
        NotFound: no such inspection, or no such item in its kind's checklist.
        Conflict: the inspection is not between briefing and reporting.
        Invalid: "problem found" on an item no finding cites yet.
    """
    async with work.transaction():
        inspection = await load_inspection(work.session, inspection_id)
        items = {i.code: i for i in await checklist_items(work, inspection["kind"])}
        if code not in items:
            raise NotFound(f"检查事项 {code} 不在本次巡察的检查清单中")
        require_stage(inspection, MARK_STAGES, "填写检查清单")
        if data.status == "problem" and not await work.session.count(
                Finding, {"inspection_id": inspection_id, "checklist_item": code}):
            raise Invalid([FieldError("status", "标记“发现问题”前，请先登记引用该检查事项的问题")])
        await work.session.delete(ChecklistMark, {"inspection_id": inspection_id,
                                                  "item_code": code})
        if data.status != "pending":
            await work.session.insert(ChecklistMark, [{
                "inspection_id": inspection_id, "item_code": code, "status": data.status,
                "note": data.note, "marked_by": work.actor[:128],
                "marked_at": work.clock.now()}])
        await work.audit("checklist.mark", "inspection", inspection_id,
                         {"item": code, "status": data.status})
        work.emit(ChecklistMarked(inspection_id=inspection_id, kind=inspection["kind"],
                                  item_code=code, status=data.status))
    return await read_checklist(work, inspection_id)


async def check_checklist_item(work: Work, kind: str, code: str) -> None:
    """Refuse (400 naming ``checklist_item``) a code not in ``kind``'s checklist."""
    if code and code not in {i.code for i in await checklist_items(work, kind)}:
        raise Invalid([FieldError("checklist_item", f"检查事项 {code} 不在本类巡察的检查清单中")])


async def checklist_gaps(work: Work, inspection_id: int) -> list[str]:
    """One Chinese reason per required checklist item still unmarked (none: complete).

    A plugin's ``xuncha_stage_check`` returns these to hold an inspection
    back until its checklist is complete.
    """
    checklist = await read_checklist(work, inspection_id)
    return [f"检查清单事项“{e.label}”尚未检查" for e in checklist.items
            if e.required and e.status == "pending"]


async def report_sections(work: Work, inspection_id: int, kind: str) -> list[ReportSection]:
    """The sections the tenant's plugins add to the inspection's report, by ``order``."""
    found: list[ReportSection] = await work.plugins.gather(
        "xuncha_report_sections", work.tenant.plugins, work=work,
        inspection_id=inspection_id, kind=kind)
    return sorted(found, key=lambda s: s.order)


async def inspection_statistics(work: Work, inspection_id: int,
                                kind: str) -> list[InspectionStatistic]:
    """The figures the tenant's plugins count for the inspection, in call order."""
    found: list[InspectionStatistic] = await work.plugins.gather(
        "xuncha_inspection_statistics", work.tenant.plugins, work=work,
        inspection_id=inspection_id, kind=kind)
    return found
